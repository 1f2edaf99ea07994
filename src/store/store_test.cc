#include "store/store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "store/ingest.h"
#include "store/strata_codec.h"

namespace renkei {
namespace {

namespace fs = std::filesystem;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("renkei-store-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    IngestOptions o;
    o.vcf_path = std::string(RENKEI_TEST_DATA) + "/edge_cases.vcf";
    o.samples_path = std::string(RENKEI_TEST_DATA) + "/edge_cases.samples.tsv";
    o.out_dir = store_ = (dir_ / "store").string();
    o.show_progress = false;
    auto r = Ingest(o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->variants, 11u);
    EXPECT_EQ(r->samples, 8u);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::string store_;
};

TEST_F(StoreTest, RegionsAndVariantsAreFound) {
  auto s = GenotypeStore::Open(store_);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto all_chr1 = s->FindRegion("chr1", 1, 1'000'000);
  ASSERT_TRUE(all_chr1.ok());
  EXPECT_EQ(all_chr1->second - all_chr1->first, 8u);
  auto two = s->FindRegion("chr1", 1500, 1500);  // two records share the position
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->second - two->first, 2u);
  VariantView v = s->Variant(two->first);
  EXPECT_EQ(v.ref, "C");
  EXPECT_EQ(v.alts, "T,G");
  EXPECT_EQ(v.Alt(1), "G");
  auto none = s->FindRegion("chr2", 1, 10);
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_NE(none.status().message().find("chr1"), std::string::npos);
}

TEST_F(StoreTest, RefusesAnotherFormatVersion) {
  std::string meta_path = store_ + "/meta.json";
  std::ifstream in(meta_path);
  std::string meta((std::istreambuf_iterator<char>(in)), {});
  meta.replace(meta.find("\"version\": 3"), 12, "\"version\": 99");
  std::ofstream(meta_path) << meta;
  auto s = GenotypeStore::Open(store_);
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("re-ingest"), std::string::npos);
}

TEST_F(StoreTest, MalformedMetaIsDataLossNotACrash) {
  for (const char* text : {"not json", "[]", "{\"format\": \"renkei-store\"}",
                           "{\"format\": \"renkei-store\", \"version\": \"3\"}",
                           "{\"format\": \"renkei-store\", \"version\": 3, \"variants\": -1}",
                           "{\"format\": \"renkei-store\", \"version\": 3, \"variants\": 11, "
                           "\"samples\": 8, \"files\": {\"genotypes.bin\": \"big\"}}"}) {
    std::ofstream(store_ + "/meta.json") << text;
    auto s = GenotypeStore::Open(store_);
    EXPECT_FALSE(s.ok()) << text;
    EXPECT_TRUE(s.status().code() == StatusCode::kDataLoss ||
                s.status().code() == StatusCode::kFailedPrecondition)
        << text << ": " << s.status().ToString();
  }
}

TEST_F(StoreTest, MissingOrTruncatedFilesAreDataLoss) {
  for (const char* name : {"variants.bin", "strata.bin", "variants.txt"}) {
    fs::copy(store_, dir_ / "copy", fs::copy_options::recursive);
    std::string copy = (dir_ / "copy").string();
    fs::resize_file(copy + "/" + name, fs::file_size(copy + "/" + name) - 1);
    EXPECT_EQ(GenotypeStore::Open(copy).status().code(), StatusCode::kDataLoss) << name;
    fs::remove(copy + "/" + name);
    EXPECT_EQ(GenotypeStore::Open(copy).status().code(), StatusCode::kDataLoss) << name;
    fs::remove_all(copy);
  }
  EXPECT_EQ(GenotypeStore::Open((dir_ / "nothing").string()).status().code(),
            StatusCode::kNotFound);
}

TEST(StrataCodec, RoundTripsEverySiteAndSkipsEmptyStrata) {
  // Two sites (1 and 2 ALTs) × three strata of sizes 4, 0, 2.
  auto make = [](uint32_t size, uint32_t ns, uint32_t an, std::vector<AltCounts> alts) {
    SiteCounts c;
    c.cohort_size = size;
    c.ns = ns;
    c.an = an;
    c.alts = std::move(alts);
    return c;
  };
  std::vector<std::vector<SiteCounts>> rows = {
      {make(4, 3, 5, {{1, 2, 1}}), make(0, 0, 0, {{}}), make(2, 2, 4, {{0, 2, 0}})},
      {make(4, 4, 8, {{2, 0, 0}, {0, 4, 0}}), make(0, 0, 0, {{}, {}}),
       make(2, 1, 1, {{0, 0, 1}, {}})},
  };
  std::vector<uint8_t> block;
  EncodeStrataBlock(rows, &block);
  const std::vector<uint32_t> sizes = {4, 0, 2};
  const std::vector<uint32_t> n_alts = {1, 2};
  for (size_t site = 0; site < 2; ++site) {
    std::vector<SiteCounts> out;
    ASSERT_TRUE(DecodeStrataBlock(block, sizes, n_alts, site, &out));
    ASSERT_EQ(out.size(), 3u);
    for (size_t s = 0; s < 3; ++s) EXPECT_EQ(out[s], rows[site][s]) << site << " " << s;
  }
  std::vector<SiteCounts> out;
  EXPECT_FALSE(DecodeStrataBlock(std::span(block).first(block.size() - 1), sizes, n_alts, 0, &out));
  EXPECT_FALSE(DecodeStrataBlock(block, sizes, n_alts, 2, &out));
}

}  // namespace
}  // namespace renkei
