#include "store/metadata_update.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "store/ingest.h"

namespace renkei {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// edge_cases.samples.tsv with three samples changed (S1's sex, S3's age band, S5's diseases)
// and the rows in another order.
constexpr char kChanged[] =
    "sample_id\tbiobank\tage_band\tsex\tprefecture\ticd10\tnote\n"
    "S8\tBBJ\t30-39\tunknown\t14\tJ45\tlast\n"
    "S2\tTMM\t60-69\tfemale\t13\tE11\t\n"
    "S1\tTMM\t60-69\tfemale\t04\tF00.1,E11\tfirst\n"
    "S4\tBBJ\t40-49\tfemale\t27\t\t\n"
    "S3\tBBJ\t80-89\tmale\tTokyo\tI10\t\n"
    "S5\tNCBN\t60-69\tmale\t大阪府\tF03,E11\t\n"
    "S6\tNCBN\t90+\tfemale\t01\tC16,I25.1\t\n"
    "S7\tTMM\t80-89\tmale\t47\tF03\t\n";

class MetadataUpdateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("renkei-metadata-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    store_ = (dir_ / "store").string();
    ASSERT_TRUE(IngestTo(std::string(RENKEI_TEST_DATA) + "/edge_cases.samples.tsv", store_));
    changed_path_ = (dir_ / "changed.tsv").string();
    std::ofstream(changed_path_, std::ios::binary) << kChanged;
  }
  void TearDown() override { fs::remove_all(dir_); }

  static bool IngestTo(const std::string& samples, const std::string& out) {
    IngestOptions o;
    o.vcf_path = std::string(RENKEI_TEST_DATA) + "/edge_cases.vcf";
    o.samples_path = samples;
    o.out_dir = out;
    o.show_progress = false;
    auto r = Ingest(o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok();
  }

  SampleTable Changed() {
    auto t = SampleTable::ReadTsv(changed_path_);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : SampleTable();
  }

  fs::path dir_;
  std::string store_, changed_path_;
};

TEST_F(MetadataUpdateTest, TheUpdatedStoreIsTheStoreAFreshIngestWouldWrite) {
  // Independent truth: ingesting the VCF again with the changed samples file.
  const std::string fresh = (dir_ / "fresh").string();
  ASSERT_TRUE(IngestTo(changed_path_, fresh));
  auto store = GenotypeStore::Open(store_);
  ASSERT_TRUE(store.ok());
  const std::string updated = (dir_ / "updated").string();
  auto r = UpdateMetadata(*store, Changed(), updated, false, {{"version", 2}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->samples, 8u);
  EXPECT_EQ(r->variants, 11u);
  EXPECT_EQ(r->changed_samples, 3u);
  for (const char* name : {"samples.tsv.zst", "contigs.tsv", "variants.bin", "genotypes.bin",
                           "strata.tsv", "strata.bin", "strata.idx"}) {
    EXPECT_EQ(ReadAll(fs::path(updated) / name), ReadAll(fs::path(fresh) / name)) << name;
  }
  auto meta = nlohmann::json::parse(ReadAll(fs::path(updated) / "meta.json"));
  auto fresh_meta = nlohmann::json::parse(ReadAll(fs::path(fresh) / "meta.json"));
  EXPECT_EQ(meta["files"], fresh_meta["files"]);
  EXPECT_EQ(meta["strata"], fresh_meta["strata"]);
  EXPECT_EQ(meta["metadata"], nlohmann::json({{"version", 2}}));
  // The genotypes are shared, not copied.
  EXPECT_TRUE(
      fs::equivalent(fs::path(updated) / "genotypes.bin", fs::path(store_) / "genotypes.bin"));
  auto reopened = GenotypeStore::Open(updated);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ(reopened->samples()[0].sex, Sex::kFemale);  // S1, still in VCF order
}

TEST_F(MetadataUpdateTest, InPlaceTheOpenStoreKeepsReadingAndTheNextOpenSeesTheChange) {
  auto old = GenotypeStore::Open(store_);
  ASSERT_TRUE(old.ok());
  SiteCounts before;
  ASSERT_TRUE(old->Count(0, nullptr, &before).ok());
  auto r = UpdateMetadata(*old, Changed(), store_, /*overwrite=*/false);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  SiteCounts after;
  ASSERT_TRUE(old->Count(0, nullptr, &after).ok());  // the mapped files are still there
  EXPECT_EQ(after.an, before.an);
  EXPECT_EQ(old->samples()[0].sex, Sex::kMale);
  auto reopened = GenotypeStore::Open(store_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ(reopened->samples()[0].sex, Sex::kFemale);
  for (const auto& e : fs::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().find(".partial"), std::string::npos) << e.path();
    EXPECT_EQ(e.path().filename().string().find(".old"), std::string::npos) << e.path();
  }
}

TEST_F(MetadataUpdateTest, OtherSamplesAreRefusedAndNothingChanges) {
  auto store = GenotypeStore::Open(store_);
  ASSERT_TRUE(store.ok());
  const std::string meta_before = ReadAll(fs::path(store_) / "meta.json");
  std::string text = kChanged;
  text.replace(text.find("S8\t"), 2, "S9");
  auto other = SampleTable::ParseTsv(text, "other.tsv");
  ASSERT_TRUE(other.ok());
  auto r = UpdateMetadata(*store, *other, store_, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("1 sample in the store is not in the new samples file: S8"),
            std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("S9"), std::string::npos) << r.status().message();
  EXPECT_EQ(UpdateMetadata(*store, SampleTable(), store_, false).status().code(),
            StatusCode::kFailedPrecondition);
  // Another existing directory is not replaced without overwrite.
  const std::string elsewhere = (dir_ / "elsewhere").string();
  fs::create_directories(elsewhere);
  EXPECT_EQ(UpdateMetadata(*store, Changed(), elsewhere, false).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(ReadAll(fs::path(store_) / "meta.json"), meta_before);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 3);
}

}  // namespace
}  // namespace renkei
