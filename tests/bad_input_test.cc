// Every bad input a user can give the site tools gets a clear error, a non-zero exit, and no
// damage: no half-written store, an existing store untouched.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_util.h"

namespace renkei::testing {
namespace {

namespace fs = std::filesystem;

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    vcf_ = TestData() + "/edge_cases.vcf";
    samples_ = TestData() + "/edge_cases.samples.tsv";
  }
  CommandResult IngestTo(const std::string& vcf, const std::string& samples,
                         const std::string& extra = "") {
    return Shell(Renkei() + " ingest --vcf " + vcf + " --samples " + samples + " --out " +
                     (tmp_ / "store") + " " + extra,
                 true);
  }
  // No store and no staging directory left behind.
  void ExpectNothingWritten() {
    for (const auto& e : fs::directory_iterator(tmp_.path())) {
      EXPECT_EQ(e.path().filename().string().find("store"), std::string::npos)
          << "left behind: " << e.path();
    }
  }
  std::string WithVcfLine(const std::string& extra_line) {
    std::string text = ReadFile(vcf_) + extra_line + "\n";
    std::string path = tmp_ / "in.vcf";
    WriteFile(path, text);
    return path;
  }
  std::string SamplesWith(const std::string& row) {
    std::string text = ReadFile(samples_);
    std::string path = tmp_ / "samples.tsv";
    WriteFile(path, text + row + "\n");
    return path;
  }

  TempDir tmp_;
  std::string vcf_, samples_;
};

TEST_F(BadInput, UnknownPrefectureNamesFileLineAndField) {
  std::string path = tmp_ / "samples.tsv";
  std::string text = ReadFile(samples_);
  text.replace(text.find("\t04\t"), 4, "\tAtlantis\t");
  WriteFile(path, text);
  auto r = IngestTo(vcf_, path);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("samples.tsv"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("samples.tsv:2:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("prefecture"), std::string::npos) << r.output;
  ExpectNothingWritten();
}

TEST_F(BadInput, MalformedAndUnknownIcd10) {
  for (const char* bad : {"E1X", "U99.9"}) {
    std::string text = ReadFile(samples_);
    text.replace(text.find("\tJ45\t"), 5, std::string("\t") + bad + "\t");
    WriteFile(tmp_ / "samples.tsv", text);
    auto r = IngestTo(vcf_, tmp_ / "samples.tsv");
    EXPECT_EQ(r.exit_code, 1) << bad;
    EXPECT_NE(r.output.find(bad), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("samples.tsv:9:"), std::string::npos) << r.output;
    ExpectNothingWritten();
  }
}

TEST_F(BadInput, DuplicateSampleId) {
  auto r = IngestTo(vcf_, SamplesWith("S3\tBBJ\t70-79\tmale\t13\t\t"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("S3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("uplicate"), std::string::npos) << r.output;
  ExpectNothingWritten();
}

TEST_F(BadInput, SampleInMetadataButNotInVcf) {
  auto r = IngestTo(vcf_, SamplesWith("S9\tBBJ\t70-79\tmale\t13\t\t"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("S9"), std::string::npos) << r.output;
  ExpectNothingWritten();
}

TEST_F(BadInput, SampleInVcfButNotInMetadata) {
  std::string text = ReadFile(samples_);
  text.erase(text.find("S8\t"));
  WriteFile(tmp_ / "samples.tsv", text);
  auto r = IngestTo(vcf_, tmp_ / "samples.tsv");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("S8"), std::string::npos) << r.output;
  ExpectNothingWritten();
}

TEST_F(BadInput, MalformedRecordNamedAndNothingStored) {
  // Allele index 3 on a biallelic site, at the end of the file (after good records).
  std::string vcf = WithVcfLine("chrY\t3000100\t.\tC\tT\t.\tPASS\t.\tGT\t0/3\t.\t0\t.\t1\t.\t.\t.");
  auto r = IngestTo(vcf, samples_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("record 12"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("chrY:3000100"), std::string::npos) << r.output;
  ExpectNothingWritten();
}

TEST_F(BadInput, SkipMalformedCountsAndReports) {
  std::string vcf = WithVcfLine("chrY\t3000100\t.\tC\tT\t.\tPASS\t.\tGT\t0/3\t.\t0\t.\t1\t.\t.\t.");
  auto r = IngestTo(vcf, samples_, "--skip-malformed");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("skipped 1 malformed"), std::string::npos) << r.output;
  auto f = Shell(Renkei() + " freq --store " + (tmp_ / "store") + " | tail -n +3 | wc -l");
  EXPECT_EQ(f.output, "15\n");  // 11 sites: 4 with two ALTs, 1 with none → 15 rows
}

TEST_F(BadInput, UnsortedRecords) {
  std::string vcf =
      WithVcfLine("chr1\t5\t.\tC\tT\t.\tPASS\t.\tGT\t0/1\t0/0\t0/0\t0/0\t0/0\t0/0\t0/0\t0/0");
  auto r = IngestTo(vcf, samples_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("sort"), std::string::npos) << r.output;
  ExpectNothingWritten();
}

TEST_F(BadInput, ExistingStoreIsKeptWithoutForceAndAfterFailedForce) {
  ASSERT_EQ(IngestTo(vcf_, samples_).exit_code, 0);
  std::string before = ReadFile(tmp_ / "store/genotypes.bin");
  auto again = IngestTo(vcf_, samples_);
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.output.find("--force"), std::string::npos) << again.output;
  std::string bad = WithVcfLine("chrY\t3000100\t.\tC\tT\t.\tPASS\t.\tGT\t0/3\t.\t0\t.\t1\t.\t.\t.");
  EXPECT_EQ(IngestTo(bad, samples_, "--force").exit_code, 1);
  EXPECT_EQ(ReadFile(tmp_ / "store/genotypes.bin"), before);
  EXPECT_FALSE(fs::exists(tmp_ / "store.partial-0"));
}

TEST_F(BadInput, MissingAndNonVcfInputs) {
  auto r = IngestTo(tmp_ / "nope.vcf", samples_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("nope.vcf"), std::string::npos) << r.output;
  WriteFile(tmp_ / "junk.vcf", "this is not a vcf\n");
  r = IngestTo(tmp_ / "junk.vcf", samples_);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  ExpectNothingWritten();
}

TEST_F(BadInput, SitesOnlyVcfIsRefused) {
  WriteFile(tmp_ / "sites.vcf",
            "##fileformat=VCFv4.2\n##contig=<ID=chr1>\n"
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr1\t5\t.\tA\tG\t.\t.\t.\n");
  auto r = IngestTo(tmp_ / "sites.vcf", samples_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("no samples"), std::string::npos) << r.output;
  ExpectNothingWritten();
}

TEST_F(BadInput, PolyploidCallIsNamed) {
  std::string vcf =
      WithVcfLine("chrY\t3000100\t.\tC\tT\t.\tPASS\t.\tGT\t0/1/1\t.\t0\t.\t1\t.\t.\t.");
  auto r = IngestTo(vcf, samples_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("ploidy 3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("chrY:3000100"), std::string::npos) << r.output;
  ExpectNothingWritten();
}

TEST_F(BadInput, SamplesFileWithCrlfAndBomIsAccepted) {
  std::string text = "\xEF\xBB\xBF" + ReadFile(samples_);
  std::string crlf;
  for (char c : text) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  WriteFile(tmp_ / "samples.tsv", crlf);
  auto r = IngestTo(vcf_, tmp_ / "samples.tsv");
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(BadInput, TruncatedStoreIsReportedAsDataLoss) {
  ASSERT_EQ(IngestTo(vcf_, samples_).exit_code, 0);
  fs::resize_file(tmp_ / "store/genotypes.bin", 10);
  auto r = Shell(Renkei() + " freq --store " + (tmp_ / "store"), true);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("DataLoss"), std::string::npos) << r.output;
}

TEST_F(BadInput, QueryErrorsSayWhatToChange) {
  ASSERT_EQ(IngestTo(vcf_, samples_).exit_code, 0);
  const std::string freq = Renkei() + " freq --store " + (tmp_ / "store");
  struct Case {
    std::string args, needle;
  };
  for (const Case& c : std::vector<Case>{
           {"--cohort 'agee=60-69'", "column 1"},
           {"--cohort 'age=60-69 & sex=mail'", "mail"},
           {"--cohort 'age=65-70'", "65-70"},
           {"--cohort 'icd10=Q99.99'", "Q99.99"},
           {"--cohort '(sex=male'", "column"},
           {"--cohort 'sample=@/no/such/file'", "/no/such/file"},
           {"--region chr9:1-100", "chr9"},
           {"--region chr1:200-100", "end before start"},
           {"--region chr1:abc", "abc"},
           {"--variant chr1:1000:A:T", "not in the store"},
           {"--variant chr1:1000", "CONTIG:POS:REF:ALT"},
           {"--format xml", "xml"},
           {"--out /no/such/dir/f.tsv", "cannot create /no/such/dir/f.tsv"},
       }) {
    auto r = Shell(freq + " " + c.args, true);
    EXPECT_NE(r.exit_code, 0) << c.args;
    EXPECT_NE(r.output.find(c.needle), std::string::npos) << c.args << " → " << r.output;
  }
  auto r = Shell(Renkei() + " freq --store " + (tmp_ / "nostore"), true);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("nostore"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace renkei::testing
