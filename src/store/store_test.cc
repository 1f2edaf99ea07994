#include "store/store.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cohort/strata_def.h"
#include "store/ingest.h"
#include "store/strata_codec.h"
#include "store/strata_plan.h"

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
  meta.replace(meta.find("\"version\": 4"), 12, "\"version\": 99");
  std::ofstream(meta_path) << meta;
  auto s = GenotypeStore::Open(store_);
  EXPECT_EQ(s.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("re-ingest"), std::string::npos);
}

TEST_F(StoreTest, MalformedMetaIsDataLossNotACrash) {
  for (const char* text : {"not json", "[]", "{\"format\": \"renkei-store\"}",
                           "{\"format\": \"renkei-store\", \"version\": \"4\"}",
                           "{\"format\": \"renkei-store\", \"version\": 4, \"variants\": -1}",
                           "{\"format\": \"renkei-store\", \"version\": 4, \"variants\": 11, "
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
  for (const char* name : {"variants.bin", "genotypes.bin", "strata.bin", "strata.idx",
                           "samples.tsv.zst", "contigs.tsv", "strata.tsv"}) {
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

// Every stratum's preset counts, however they are obtained (stored, rest of a partition,
// copy, empty), equal counting the site over the stratum's samples.
TEST_F(StoreTest, StrataCountsEqualCountingEachStratum) {
  auto s = GenotypeStore::Open(store_);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->strata().size(), PresetStrata(s->samples()).size());
  std::vector<CountingMask> masks;
  for (const StratumInfo& info : s->strata()) {
    masks.emplace_back(StratumMask(info.def, s->samples()), s->num_samples());
    EXPECT_EQ(masks.back().size(), info.size) << info.def.attribute << "=" << info.def.value;
  }
  std::stringstream all;
  all << std::ifstream(store_ + "/strata.tsv").rdbuf();
  // The fixture's age bands, sexes, regions and biobanks partition its samples.
  EXPECT_NE(all.str().find("\trest\n"), std::string::npos) << all.str();
  EXPECT_NE(all.str().find("\tempty\n"), std::string::npos) << all.str();
  std::vector<SiteCounts> strata;
  for (size_t i = 0; i < s->num_variants(); ++i) {
    ASSERT_TRUE(s->StrataCounts(i, &strata).ok()) << i;
    ASSERT_EQ(strata.size(), masks.size());
    for (size_t k = 0; k < masks.size(); ++k) {
      SiteCounts direct;
      ASSERT_TRUE(s->Count(i, &masks[k], &direct).ok());
      EXPECT_EQ(strata[k], direct) << "variant " << i << ", " << s->strata()[k].def.attribute << "="
                                   << s->strata()[k].def.value;
    }
  }
}

TEST_F(StoreTest, VariantTextAndContigsComeFromTheRecords) {
  auto s = GenotypeStore::Open(store_);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->num_variants(), 11u);
  EXPECT_EQ(s->Variant(0).contig, "chr1");
  EXPECT_EQ(s->Variant(0).id, "rs1");
  EXPECT_EQ(s->Variant(0).ref, "A");
  EXPECT_EQ(s->Variant(0).alts, "G");
  EXPECT_EQ(s->Variant(5).ref, "ACGT");
  EXPECT_EQ(s->Variant(5).alts, "A,<DEL>");
  EXPECT_EQ(s->Variant(6).alts, ".");
  EXPECT_EQ(s->Variant(6).n_alts, 0u);
  EXPECT_EQ(s->Variant(8).contig, "chrX");
  EXPECT_EQ(s->Variant(8).pos, 2800000u);
  EXPECT_EQ(s->Variant(10).contig, "chrY");
  EXPECT_EQ(s->Variant(10).id, ".");
}

// Overwrites `bytes` at `offset` of a store file, keeping its size (so meta.json still agrees).
void Patch(const std::string& path, uint64_t offset, std::string_view bytes) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TEST_F(StoreTest, CorruptRecordIsDataLossNotACrash) {
  // Variant 0's record starts the file with the length of its text, "rs1\tA\tG".
  Patch(store_ + "/genotypes.bin", 0, "\x7f");  // a text length beyond the record
  SiteCounts c;
  std::vector<SiteCounts> strata;
  {
    auto s = GenotypeStore::Open(store_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    VariantView v = s->Variant(0);
    EXPECT_EQ(v.contig, "chr1");
    EXPECT_TRUE(v.id.empty() && v.ref.empty() && v.alts.empty());
    EXPECT_EQ(s->Count(0, nullptr, &c).code(), StatusCode::kDataLoss);
    EXPECT_EQ(s->StrataCounts(0, &strata).code(), StatusCode::kDataLoss);
    EXPECT_TRUE(s->Count(1, nullptr, &c).ok());  // the next record is intact
  }
  // Every byte of the file changed in turn: never a crash (ASan checks the reads), and a
  // status for every call.
  const std::string path = store_ + "/genotypes.bin";
  std::string original;
  {
    std::stringstream ss;
    ss << std::ifstream(path, std::ios::binary).rdbuf();
    original = ss.str();
  }
  original[0] = 7;
  for (size_t at = 0; at < original.size(); ++at) {
    for (char x : {'\x00', '\xff', '\x41'}) {
      std::string copy = original;
      copy[at] = x;
      std::ofstream(path, std::ios::binary | std::ios::trunc) << copy;
      auto t = GenotypeStore::Open(store_);
      ASSERT_TRUE(t.ok());
      for (size_t i = 0; i < t->num_variants(); ++i) {
        (void)t->Variant(i);
        (void)t->Count(i, nullptr, &c);
        (void)t->StrataCounts(i, &strata);
      }
    }
  }
}

TEST_F(StoreTest, InconsistentIndexesAreDataLoss) {
  // Replaces text in a store file and records its new size in meta.json, so that only the
  // content is inconsistent.
  auto replace_in = [&](const std::string& name, std::string_view from, std::string_view to) {
    std::stringstream ss;
    ss << std::ifstream(store_ + "/" + name).rdbuf();
    std::string text = ss.str();
    ASSERT_NE(text.find(from), std::string::npos) << name << ":\n" << text;
    text.replace(text.find(from), from.size(), to);
    std::ofstream(store_ + "/" + name, std::ios::trunc) << text;
    std::stringstream meta_text;
    meta_text << std::ifstream(store_ + "/meta.json").rdbuf();
    nlohmann::json meta = nlohmann::json::parse(meta_text.str());
    meta["files"][name] = text.size();
    std::ofstream(store_ + "/meta.json", std::ios::trunc) << meta.dump();
  };
  fs::copy(store_, dir_ / "pristine", fs::copy_options::recursive);
  auto restore = [&] {
    fs::remove_all(store_);
    fs::copy(dir_ / "pristine", store_, fs::copy_options::recursive);
  };
  // Contig ranges with a gap: variants would have no contig.
  replace_in("contigs.tsv", "\t0\t8\n", "\t0\t7\n");
  EXPECT_EQ(GenotypeStore::Open(store_).status().code(), StatusCode::kDataLoss);
  restore();
  // A stratum claimed to be derived although its attribute is not a partition, or a copy of a
  // stratum of another size.
  replace_in("strata.tsv", "dementia\t3\tstored", "dementia\t3\trest");
  EXPECT_EQ(GenotypeStore::Open(store_).status().code(), StatusCode::kDataLoss);
  restore();
  replace_in("strata.tsv", "dementia\t3\tstored", "dementia\t3\tcopy:0");
  EXPECT_EQ(GenotypeStore::Open(store_).status().code(), StatusCode::kDataLoss);
  restore();
  // Records out of order in variants.bin.
  Patch(store_ + "/variants.bin", sizeof(VariantEntry), std::string(8, '\xff'));
  EXPECT_EQ(GenotypeStore::Open(store_).status().code(), StatusCode::kDataLoss);
  restore();
  // An ALT count no record could hold.
  Patch(store_ + "/variants.bin", offsetof(VariantEntry, n_alts), "\xff\xff\xff\x7f");
  EXPECT_EQ(GenotypeStore::Open(store_).status().code(), StatusCode::kDataLoss);
  restore();
  EXPECT_TRUE(GenotypeStore::Open(store_).ok());
}

TEST(StrataCodec, RoundTripsEverySite) {
  // Two sites (1 and 2 ALTs) × two strata of sizes 4 and 2 out of 10 samples; the second
  // stratum's counts are far from its share of the totals (as females' on chrX).
  auto make = [](uint32_t size, uint32_t ns, uint32_t an, std::vector<AltCounts> alts) {
    SiteCounts c;
    c.cohort_size = size;
    c.ns = ns;
    c.an = an;
    c.alts = std::move(alts);
    return c;
  };
  std::vector<std::vector<SiteCounts>> rows = {
      {make(4, 3, 5, {{1, 2, 1}}), make(2, 2, 4, {{0, 2, 0}})},
      {make(4, 4, 8, {{2, 0, 0}, {0, 4, 0}}), make(2, 1, 1, {{0, 0, 1}, {}})},
  };
  const std::vector<SiteCounts> totals = {make(10, 9, 15, {{3, 6, 3}}),
                                          make(10, 10, 12, {{9, 0, 0}, {0, 4, 8}})};
  const std::vector<uint32_t> sizes = {4, 2};
  std::vector<uint8_t> block;
  EncodeStrataBlock(rows, totals, sizes, 10, &block);
  const std::vector<uint32_t> n_alts = {1, 2};
  for (size_t site = 0; site < 2; ++site) {
    std::vector<SiteCounts> out;
    ASSERT_TRUE(DecodeStrataBlock(block, sizes, 10, n_alts, site, totals[site], &out));
    ASSERT_EQ(out.size(), 2u);
    for (size_t s = 0; s < 2; ++s) EXPECT_EQ(out[s], rows[site][s]) << site << " " << s;
  }
  std::vector<SiteCounts> out;
  EXPECT_FALSE(DecodeStrataBlock(std::span(block).first(block.size() - 1), sizes, 10, n_alts, 0,
                                 totals[0], &out));
  EXPECT_FALSE(DecodeStrataBlock(block, sizes, 10, n_alts, 2, totals[0], &out));
  EXPECT_FALSE(DecodeStrataBlock(block, sizes, 10, n_alts, 1, totals[0], &out));  // ALT count
  // Other totals than at encoding give counts the stratum sizes cannot hold: caught.
  SiteCounts big = make(1000, 1000, 2000, {{900, 0, 0}});
  EXPECT_FALSE(DecodeStrataBlock(block, sizes, 10, n_alts, 0, big, &out));
  // Any single changed byte is caught or decodes to in-range numbers; never a crash.
  for (size_t at = 0; at < block.size(); ++at) {
    std::vector<uint8_t> bad = block;
    bad[at] ^= 0xff;
    (void)DecodeStrataBlock(bad, sizes, 10, n_alts, 1, totals[1], &out);
  }
}

TEST(StrataPlan, PartitionsDeriveTheirLargestStratumAndEqualStrataAreCopied) {
  // Six samples: sex partitions them (4 + 2), region does not (a sample has none), disease
  // "b" has the same samples as sex=female.
  const std::vector<StratumDef> defs = {
      {"sex", "male"},     {"sex", "female"}, {"sex", "unknown"}, {"region", "kanto"},
      {"region", "kinki"}, {"disease", "a"},  {"disease", "b"}};
  const std::vector<std::vector<uint64_t>> masks = {{0b001111}, {0b110000}, {0},       {0b000011},
                                                    {0b011100}, {0b000101}, {0b110000}};
  const StrataPlan plan = StrataPlan::Choose(defs, masks, 6);
  std::vector<std::string> sources;
  for (size_t s = 0; s < plan.size(); ++s) sources.push_back(plan.SourceText(s));
  EXPECT_EQ(sources, (std::vector<std::string>{"rest", "stored", "empty", "stored", "stored",
                                               "stored", "copy:1"}));
  EXPECT_EQ(plan.stored(), (std::vector<uint32_t>{1, 3, 4, 5}));

  // Parse gives the same plan back.
  std::vector<std::string_view> views(sources.begin(), sources.end());
  auto parsed = StrataPlan::Parse(defs, plan.sizes(), views, 6);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  for (size_t s = 0; s < plan.size(); ++s) EXPECT_EQ(parsed->SourceText(s), sources[s]);

  // Derive: sample genotypes 0/1 0/0 1/1 0/0 ./. 1 (haploid), one ALT.
  auto counts = [](uint32_t size, uint32_t ns, uint32_t an, AltCounts alt) {
    SiteCounts c;
    c.cohort_size = size;
    c.ns = ns;
    c.an = an;
    c.alts = {alt};
    return c;
  };
  const SiteCounts total = counts(6, 5, 9, {1, 2, 1});
  std::vector<SiteCounts> out(plan.size());
  out[1] = counts(2, 1, 1, {0, 0, 1});
  out[3] = counts(2, 2, 4, {1, 0, 0});
  out[4] = counts(3, 2, 4, {0, 2, 0});
  out[5] = counts(2, 2, 4, {1, 2, 0});
  ASSERT_TRUE(plan.Derive(total, &out));
  EXPECT_EQ(out[0], counts(4, 4, 8, {1, 2, 0}));  // male = all - female - unknown
  EXPECT_EQ(out[2], counts(0, 0, 0, {0, 0, 0}));
  EXPECT_EQ(out[6], out[1]);
  // Strata that count more than the site has: corrupt.
  out[1] = counts(2, 2, 4, {0, 4, 0});
  EXPECT_FALSE(plan.Derive(total, &out));
}

TEST(StrataPlan, InconsistentSourcesAreRefused) {
  const std::vector<StratumDef> defs = {{"sex", "male"}, {"sex", "female"}, {"disease", "a"}};
  const std::vector<uint32_t> sizes = {4, 2, 2};
  auto parse = [&](std::vector<std::string_view> sources, uint32_t n = 6) {
    return StrataPlan::Parse(defs, sizes, sources, n).status().code();
  };
  EXPECT_EQ(parse({"rest", "stored", "stored"}), StatusCode::kOk);
  EXPECT_EQ(parse({"rest", "stored", "copy:1"}), StatusCode::kOk);
  EXPECT_EQ(parse({"rest", "stored", "stored"}, 7), StatusCode::kInvalidArgument);  // no cover
  EXPECT_EQ(parse({"rest", "rest", "stored"}), StatusCode::kInvalidArgument);
  EXPECT_EQ(parse({"stored", "stored", "rest"}), StatusCode::kInvalidArgument);
  EXPECT_EQ(parse({"stored", "stored", "copy:0"}), StatusCode::kInvalidArgument);  // size
  EXPECT_EQ(parse({"stored", "stored", "copy:2"}), StatusCode::kInvalidArgument);
  EXPECT_EQ(parse({"stored", "rest", "copy:1"}), StatusCode::kInvalidArgument);  // not stored
  EXPECT_EQ(parse({"stored", "stored", "copy:x"}), StatusCode::kInvalidArgument);
  EXPECT_EQ(parse({"stored", "empty", "stored"}), StatusCode::kInvalidArgument);
  EXPECT_EQ(parse({"stored", "stored", "derived"}), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace renkei
