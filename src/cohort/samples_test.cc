#include "cohort/samples.h"

#include <gtest/gtest.h>

#include <fstream>

namespace renkei {
namespace {

constexpr std::string_view kHeader = "sample_id\tbiobank\tage_band\tsex\tprefecture\ticd10\n";

Result<SampleTable> Parse(std::string_view body) {
  return SampleTable::ParseTsv(std::string(kHeader) + std::string(body), "s.tsv");
}

// Expects a parse error with this code whose message starts with `prefix` and contains `part`.
void ExpectError(std::string_view text, StatusCode code, std::string_view prefix,
                 std::string_view part = "") {
  Result<SampleTable> t = SampleTable::ParseTsv(text, "s.tsv");
  ASSERT_FALSE(t.ok()) << text;
  EXPECT_EQ(t.status().code(), code) << t.status().message();
  EXPECT_TRUE(t.status().message().starts_with(prefix)) << t.status().message();
  EXPECT_NE(t.status().message().find(part), std::string::npos) << t.status().message();
}

std::string WithHeader(std::string_view body) { return std::string(kHeader) + std::string(body); }

TEST(SampleTable, ParsesAllFieldForms) {
  Result<SampleTable> t = Parse(
      "S1\tTMM\t60-69\tmale\t13\tF00.1,E11\n"
      "S2\tBBJ\t90+\tfemale\tOsaka\t\n"
      "S3\tNCBN\t0-9\tunknown\t北海道\tf001\n"
      "S4\tTMM\t80-89\tFemale\t1\tE11, I10\n");
  ASSERT_TRUE(t.ok()) << t.status().message();
  ASSERT_EQ(t->size(), 4u);
  const Sample& s1 = (*t)[0];
  EXPECT_EQ(s1.id, "S1");
  EXPECT_EQ(s1.biobank, "TMM");
  EXPECT_EQ(s1.age_band, 6);
  EXPECT_EQ(s1.sex, Sex::kMale);
  EXPECT_EQ(s1.prefecture, 13);
  EXPECT_EQ(s1.region, Region::kKanto);
  ASSERT_EQ(s1.icd10.size(), 2u);
  EXPECT_EQ(s1.icd10[0].ToString(), "E11");  // sorted
  EXPECT_EQ(s1.icd10[1].ToString(), "F00.1");
  EXPECT_EQ((*t)[1].age_band, 9);
  EXPECT_EQ((*t)[1].prefecture, 27);
  EXPECT_EQ((*t)[1].region, Region::kKinki);
  EXPECT_TRUE((*t)[1].icd10.empty());
  EXPECT_EQ((*t)[2].region, Region::kHokkaido);
  EXPECT_EQ((*t)[2].icd10[0].ToString(), "F00.1");
  EXPECT_EQ((*t)[3].sex, Sex::kFemale);
  EXPECT_EQ((*t)[3].icd10.size(), 2u);
  EXPECT_EQ(t->IndexOf("S3"), 2u);
  EXPECT_EQ(t->IndexOf("S9"), std::nullopt);
  EXPECT_TRUE(t->extra_columns().empty());
}

TEST(SampleTable, ToleratesBomCrlfAndTrailingBlankLines) {
  std::string text =
      "\xEF\xBB\xBFsample_id\tbiobank\tage_band\tsex\tprefecture\ticd10\r\n"
      "S1\tTMM\t60-69\tmale\t13\tE11\r\n"
      "S2\tTMM\t60-69\tmale\t13\t\r\n"
      "\r\n\n";
  Result<SampleTable> t = SampleTable::ParseTsv(text, "s.tsv");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[0].id, "S1");
  EXPECT_TRUE((*t)[1].icd10.empty());
}

TEST(SampleTable, KeepsExtraColumns) {
  Result<SampleTable> t = SampleTable::ParseTsv(
      "sample_id\tbiobank\tage_band\tsex\tprefecture\ticd10\tsite\tnote\n"
      "S1\tTMM\t60-69\tmale\tTokyo\tE11\tsendai\thello world\n",
      "s.tsv");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->extra_columns(), (std::vector<std::string>{"site", "note"}));
  EXPECT_EQ((*t)[0].extra, (std::vector<std::string>{"sendai", "hello world"}));
  EXPECT_EQ(t->ToTsv(),
            "sample_id\tbiobank\tage_band\tsex\tprefecture\ticd10\tsite\tnote\n"
            "S1\tTMM\t60-69\tmale\t13\tE11\tsendai\thello world\n");
}

TEST(SampleTable, HeaderErrors) {
  ExpectError("", StatusCode::kInvalidArgument, "s.tsv: empty samples file");
  ExpectError("\n\n", StatusCode::kInvalidArgument, "s.tsv: empty samples file");
  ExpectError("sample_id\tbiobank\tage\tsex\tprefecture\ticd10\n", StatusCode::kInvalidArgument,
              "s.tsv:1: wrong header", "column 3 is 'age' but should be 'age_band'");
  ExpectError("sample_id\tbiobank\tage_band\tsex\n", StatusCode::kInvalidArgument,
              "s.tsv:1: wrong header", "missing 'prefecture'");
  ExpectError("biobank\tsample_id\tage_band\tsex\tprefecture\ticd10\n",
              StatusCode::kInvalidArgument, "s.tsv:1: wrong header", "column 1 is 'biobank'");
  ExpectError("sample_id,biobank,age_band,sex,prefecture,icd10\n", StatusCode::kInvalidArgument,
              "s.tsv:1: wrong header");
  ExpectError("sample_id\tbiobank\tage_band\tsex\tprefecture\ticd10\tx\tx\n",
              StatusCode::kInvalidArgument, "s.tsv:1: wrong header", "'x' appears twice");
  ExpectError("sample_id\tbiobank\tage_band\tsex\tprefecture\ticd10\t\n",
              StatusCode::kInvalidArgument, "s.tsv:1: wrong header", "empty name");
}

TEST(SampleTable, RowErrorsNameLineAndField) {
  const StatusCode kInvalid = StatusCode::kInvalidArgument;
  ExpectError(WithHeader("S1\tTMM\t60-69\tmale\t13\n"), kInvalid,
              "s.tsv:2: expected 6 tab-separated fields as in the header, found 5");
  ExpectError(WithHeader("S1\tTMM\t60-69\tmale\t13\tE11\textra\n"), kInvalid,
              "s.tsv:2: expected 6 tab-separated fields as in the header, found 7");
  ExpectError(WithHeader("S1\tTMM\t60-69\tmale\t13\tE11\n\tTMM\t60-69\tmale\t13\tE11\n"), kInvalid,
              "s.tsv:3: field 'sample_id': empty sample id");
  ExpectError(WithHeader("S1\t\t60-69\tmale\t13\tE11\n"), kInvalid,
              "s.tsv:2: field 'biobank': empty biobank");
  ExpectError(WithHeader("S1\tTMM\t65-74\tmale\t13\tE11\n"), kInvalid,
              "s.tsv:2: field 'age_band': unknown age band '65-74'");
  ExpectError(WithHeader("S1\tTMM\t60-69\tM\t13\tE11\n"), kInvalid,
              "s.tsv:2: field 'sex': unknown sex 'M'; expected male, female or unknown");
  ExpectError(WithHeader("S1\tTMM\t60-69\tmale\t48\tE11\n"), kInvalid,
              "s.tsv:2: field 'prefecture': unknown prefecture code '48'");
  ExpectError(WithHeader("S1\tTMM\t60-69\tmale\tTokio\tE11\n"), kInvalid,
              "s.tsv:2: field 'prefecture': unknown prefecture 'Tokio'");
  ExpectError(WithHeader("S1\tTMM\t60-69\tmale\t13\tE1X\n"), kInvalid,
              "s.tsv:2: field 'icd10': malformed ICD-10 code 'E1X'");
  ExpectError(WithHeader("S1\tTMM\t60-69\tmale\t13\tE11,F99.9\n"), kInvalid,
              "s.tsv:2: field 'icd10': unknown ICD-10 code 'F99.9'");
  ExpectError(WithHeader("S1\tTMM\t60-69\tmale\t13\tE11,,I10\n"), kInvalid,
              "s.tsv:2: field 'icd10': empty ICD-10 code");
  ExpectError(WithHeader("S1\tTMM\t60-69\tmale\t13\tE11\n\nS2\tTMM\t60-69\tmale\t13\tE11\n"),
              kInvalid, "s.tsv:3: blank line");
}

TEST(SampleTable, DuplicateIdNamesBothLines) {
  ExpectError(WithHeader("S1\tTMM\t60-69\tmale\t13\tE11\n"
                         "S2\tTMM\t60-69\tmale\t13\tE11\n"
                         "S1\tBBJ\t60-69\tmale\t13\tE11\n"),
              StatusCode::kFailedPrecondition,
              "s.tsv:4: duplicate sample id 'S1' (first on line 2)");
}

TEST(SampleTable, AReportListsEveryBadLineInOrder) {
  std::vector<Status> problems;
  Result<SampleTable> t = SampleTable::ParseTsv(WithHeader("S1\tTMM\t60-69\tM\t13\tE11\n"
                                                           "S2\tTMM\t60-69\tmale\t13\tE11\n"
                                                           "S3\tTMM\t65-74\tmale\t48\tE11\n"
                                                           "S2\tTMM\t60-69\tmale\t13\tE11\n"
                                                           "S4\tTMM\t60-69\tmale\t13\n"),
                                                "s.tsv", &problems);
  ASSERT_FALSE(t.ok());
  ASSERT_EQ(problems.size(), 4u);
  // The first problem is also the one returned; one per bad line (the first bad field of it).
  EXPECT_EQ(t.status().message(), problems[0].message());
  EXPECT_EQ(problems[0].message(),
            "s.tsv:2: field 'sex': unknown sex 'M'; expected male, female or unknown");
  EXPECT_TRUE(problems[1].message().starts_with("s.tsv:4: field 'age_band'"))
      << problems[1].message();
  EXPECT_EQ(problems[2].code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(problems[2].message(), "s.tsv:5: duplicate sample id 'S2' (first on line 3)");
  EXPECT_TRUE(problems[3].message().starts_with("s.tsv:6: expected 6 tab-separated fields"))
      << problems[3].message();
  // At most max_problems are collected.
  problems.clear();
  std::string many;
  for (int i = 0; i < 50; ++i) many += "S" + std::to_string(i) + "\tTMM\told\tmale\t13\t\n";
  EXPECT_FALSE(SampleTable::ParseTsv(WithHeader(many), "s.tsv", &problems, 10).ok());
  EXPECT_EQ(problems.size(), 10u);
  // A header problem is the only one; a good file leaves the list empty.
  EXPECT_FALSE(SampleTable::ParseTsv("sample\tbiobank\n" + many, "s.tsv", &problems).ok());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_TRUE(problems[0].message().starts_with("s.tsv:1: wrong header")) << problems[0].message();
  problems.clear();
  EXPECT_TRUE(
      SampleTable::ParseTsv(WithHeader("S1\tTMM\t60-69\tmale\t13\tE11\n"), "s.tsv", &problems)
          .ok());
  EXPECT_TRUE(problems.empty());
}

TEST(SampleTable, WriteAndReadRoundTripNormalised) {
  Result<SampleTable> t = Parse(
      "S1\tTMM\t60-69\tMale\tTokyo\tf001,E11\n"
      "S2\tBBJ\t90+\tfemale\t東京\t\n");
  ASSERT_TRUE(t.ok()) << t.status().message();
  const std::string expected = std::string(kHeader) +
                               "S1\tTMM\t60-69\tmale\t13\tE11,F00.1\n"
                               "S2\tBBJ\t90+\tfemale\t13\t\n";
  EXPECT_EQ(t->ToTsv(), expected);
  const std::string path = ::testing::TempDir() + "/cohort_samples_roundtrip.tsv";
  ASSERT_TRUE(t->WriteTsv(path).ok());
  Result<SampleTable> back = SampleTable::ReadTsv(path);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->ToTsv(), expected);
  std::remove(path.c_str());
}

TEST(SampleTable, ReadErrorsNameThePath) {
  Result<SampleTable> missing = SampleTable::ReadTsv("/nonexistent/dir/samples.tsv");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("/nonexistent/dir/samples.tsv"), std::string::npos);

  const std::string path = ::testing::TempDir() + "/cohort_samples_bad.tsv";
  {
    std::ofstream out(path);
    out << kHeader << "S1\tTMM\t60-69\tmale\t13\tE11\nS2\tTMM\t60-69\tmale\t99\tE11\n";
  }
  Result<SampleTable> bad = SampleTable::ReadTsv(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(bad.status().message().starts_with(path + ":3: field 'prefecture'"))
      << bad.status().message();
  std::remove(path.c_str());
  EXPECT_EQ(SampleTable().WriteTsv("/nonexistent/dir/out.tsv").code(), StatusCode::kNotFound);
}

SampleTable ThreeSamples() {
  return *Parse(
      "A\tTMM\t60-69\tmale\t13\t\n"
      "B\tTMM\t60-69\tmale\t13\t\n"
      "C\tTMM\t60-69\tmale\t13\t\n");
}

TEST(SampleTable, ReorderFollowsTheGivenOrder) {
  SampleTable t = ThreeSamples();
  std::vector<std::string> ids = {"C", "A", "B"};
  Result<SampleTable> r = t.Reorder(ids);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)[0].id, "C");
  EXPECT_EQ((*r)[1].id, "A");
  EXPECT_EQ((*r)[2].id, "B");
  EXPECT_EQ(r->IndexOf("C"), 0u);
  EXPECT_EQ(r->IndexOf("B"), 2u);
}

TEST(SampleTable, ReorderMismatchMessages) {
  SampleTable t = ThreeSamples();
  std::vector<std::string> extra = {"C", "A", "B", "X", "Y"};
  Result<SampleTable> r1 = t.Reorder(extra);
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r1.status().message(), "2 samples in the VCF are not in the metadata: X, Y");

  std::vector<std::string> fewer = {"B"};
  Result<SampleTable> r2 = t.Reorder(fewer);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.status().message(), "2 samples in the metadata are not in the VCF: A, C");

  std::vector<std::string> both = {"A", "Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7"};
  Result<SampleTable> r3 = t.Reorder(both);
  ASSERT_FALSE(r3.ok());
  EXPECT_EQ(r3.status().message(),
            "7 samples in the VCF are not in the metadata: Q1, Q2, Q3, Q4, Q5 and 2 more; "
            "2 samples in the metadata are not in the VCF: B, C");

  std::vector<std::string> repeated = {"A", "B", "C", "A"};
  Result<SampleTable> r4 = t.Reorder(repeated);
  ASSERT_FALSE(r4.ok());
  EXPECT_EQ(r4.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r4.status().message().find("'A' appears more than once"), std::string::npos);
}

TEST(SampleTable, FromSamplesValidates) {
  Sample a;
  a.id = "A";
  a.biobank = "TMM";
  a.age_band = 3;
  a.prefecture = 40;
  a.icd10 = {*Icd10Code::Parse("I10"), *Icd10Code::Parse("E11"), *Icd10Code::Parse("E11")};
  Result<SampleTable> t = SampleTable::FromSamples({a});
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ((*t)[0].region, Region::kKyushuOkinawa);  // set from the prefecture
  EXPECT_EQ((*t)[0].icd10.size(), 2u);                // deduplicated

  EXPECT_EQ(SampleTable::FromSamples({a, a}).status().code(), StatusCode::kFailedPrecondition);
  Sample bad = a;
  bad.prefecture = 0;
  EXPECT_EQ(SampleTable::FromSamples({bad}).status().code(), StatusCode::kInvalidArgument);
  bad = a;
  bad.icd10 = {*Icd10Code::Parse("F99.9")};
  EXPECT_EQ(SampleTable::FromSamples({bad}).status().code(), StatusCode::kInvalidArgument);
  bad = a;
  bad.id = "A\tB";
  EXPECT_EQ(SampleTable::FromSamples({bad}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SampleTable::FromSamples({a}, {"site"}).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace renkei
