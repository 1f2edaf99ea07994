// The command line as a user meets it: help, exit codes, quiet pipes, the four output forms.
#include <gtest/gtest.h>

#include "test_util.h"

namespace renkei::testing {
namespace {

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = Shell(Renkei() + " ingest --vcf " + TestData() + "/edge_cases.vcf --samples " +
                       TestData() + "/edge_cases.samples.tsv --out " + (tmp_ / "store"),
                   true);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  std::string Store() const { return tmp_ / "store"; }
  TempDir tmp_;
};

TEST_F(Cli, HelpListsEverySubcommand) {
  auto r = Shell(Renkei() + " --help", true);
  EXPECT_EQ(r.exit_code, 0);
  for (const char* sub : {"simulate", "ingest", "freq", "strata"}) {
    EXPECT_NE(r.output.find(sub), std::string::npos) << sub;
  }
  auto f = Shell(Renkei() + " freq --help", true);
  EXPECT_EQ(f.exit_code, 0);
  EXPECT_NE(f.output.find("--cohort"), std::string::npos);
}

TEST_F(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(Shell(Renkei(), true).exit_code, 2);
  EXPECT_EQ(Shell(Renkei() + " freq", true).exit_code, 2);  // --store missing
  EXPECT_EQ(Shell(Renkei() + " frq --store x", true).exit_code, 2);
  EXPECT_EQ(Shell(Renkei() + " freq --store x --region chr1 --variant chr1:1:A:G", true).exit_code,
            2);
}

TEST_F(Cli, QuietInPipes) {
  // stdout and stderr are pipes here: no progress line, no chatter on success.
  auto r = Shell(Renkei() + " freq --store " + Store() + " 2>&1 >/dev/null");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, "");
}

TEST_F(Cli, TsvJsonAndVcfCarryTheSameCounts) {
  const std::string freq =
      Renkei() + " freq --store " + Store() + " --variant chr1:1500:C:G --cohort 'sex=male'";
  auto tsv = Shell(freq);
  ASSERT_EQ(tsv.exit_code, 0);
  // Males S1 S3 S5 S7 at chr1:1500 C>T,G: 1/2, 2/2, ./., 0/0 → G: het 1, hom 2; AN 6, NS 3.
  EXPECT_NE(tsv.output.find("chr1\t1500\t.\tC\tG\t3\t6\t0.5\t2\t1\t0\t3\t4\n"), std::string::npos)
      << tsv.output;
  auto json = Shell(freq + " --format json");
  ASSERT_EQ(json.exit_code, 0);
  EXPECT_NE(json.output.find("\"alt\": \"G\", \"ac\": 3, \"an\": 6, \"af\": 0.5"),
            std::string::npos)
      << json.output;
  EXPECT_NE(json.output.find("\"cohort_size\": 4"), std::string::npos) << json.output;
  auto vcf = Shell(freq + " --format vcf | bcftools view -H");  // any VCF tool reads it
  ASSERT_EQ(vcf.exit_code, 0);
  EXPECT_NE(vcf.output.find("AC=1,3;AC_Het=1,1;AC_Hom=0,2;AC_Hemi=0,0"), std::string::npos)
      << vcf.output;
}

TEST_F(Cli, OutputFileAndStrataJson) {
  auto r = Shell(Renkei() + " freq --store " + Store() + " --out " + (tmp_ / "f.tsv"));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, "");
  EXPECT_NE(ReadFile(tmp_ / "f.tsv").find("chrY\t3000000"), std::string::npos);
  auto s =
      Shell(Renkei() + " strata --store " + Store() + " --variant chr1:1000:A:G --format json");
  ASSERT_EQ(s.exit_code, 0);
  // Stratum sex=male: S1 0/0, S3 1/1, S5 0|1, S7 0/0 → AC 3 of AN 8.
  EXPECT_NE(s.output.find("\"attribute\": \"sex\""), std::string::npos) << s.output;
  EXPECT_NE(s.output.find("\"ac\": 3"), std::string::npos) << s.output;
}

}  // namespace
}  // namespace renkei::testing
