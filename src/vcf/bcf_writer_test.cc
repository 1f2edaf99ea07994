#include "vcf/bcf_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace renkei {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBcftools = "/usr/bin/bcftools";

// Runs a shell command and returns its stdout; `exit_code` receives the exit status.
std::string Sh(const std::string& command, int* exit_code = nullptr) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    if (exit_code != nullptr) *exit_code = -1;
    return out;
  }
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  int rc = pclose(pipe);
  if (exit_code != nullptr) *exit_code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

class BcfWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("renkei_bcf_writer_test_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Writes the reference records to `name` and returns the path.
  std::string WriteExample(const std::string& name, WriterOptions options = {}) {
    std::string path = (dir_ / name).string();
    auto writer = BcfWriter::Open(path, samples_, contigs_, options);
    EXPECT_TRUE(writer.ok()) << writer.status().ToString();
    if (!writer.ok()) return path;

    const int32_t e = kGtVectorEnd;
    std::vector<std::string_view> alt_t = {"T"};
    std::vector<std::string_view> alt_multi = {"C", "CTGTG"};
    std::vector<std::string_view> alt_del = {"C"};
    // chr1:100 A>T, diploid: 0/0 0/1 1/1 ./.
    EXPECT_TRUE(writer
                    ->Write({0, 100, "", "A", alt_t},
                            std::vector<int32_t>{GtAllele(0), GtAllele(0), GtAllele(0), GtAllele(1),
                                                 GtAllele(1), GtAllele(1), kGtMissing, kGtMissing})
                    .ok());
    // chr1:200 CTG>C,CTGTG with ID: 0|1 1|2 0/. 2/2
    EXPECT_TRUE(writer
                    ->Write({0, 200, "rs1", "CTG", alt_multi},
                            std::vector<int32_t>{GtAllele(0), GtAllele(1, true), GtAllele(1),
                                                 GtAllele(2, true), GtAllele(0), kGtMissing,
                                                 GtAllele(2), GtAllele(2)})
                    .ok());
    // chr1:300 CTG>C, all haploid: 0 1 . 0
    EXPECT_TRUE(writer
                    ->Write({0, 300, "", "CTG", alt_del},
                            std::vector<int32_t>{GtAllele(0), GtAllele(1), kGtMissing, GtAllele(0)})
                    .ok());
    // chrX:5000000 G>T, mixed ploidy: 1 (male), 0/1, . (male missing), 1|1
    std::vector<std::string_view> alt_gt = {"T"};
    EXPECT_TRUE(writer
                    ->Write({1, 5000000, "", "G", alt_gt},
                            std::vector<int32_t>{GtAllele(1), e, GtAllele(0), GtAllele(1),
                                                 kGtMissing, e, GtAllele(1), GtAllele(1, true)})
                    .ok());
    EXPECT_EQ(writer->records_written(), 4);
    Status st = writer->Close();
    EXPECT_TRUE(st.ok()) << st.ToString();
    EXPECT_TRUE(writer->Close().ok());  // idempotent
    return path;
  }

  fs::path dir_;
  std::vector<std::string> samples_ = {"S1", "S2", "S3", "S4"};
  std::vector<VcfContig> contigs_ = {{"chr1", 248956422}, {"chrX", 156040895}};
};

constexpr const char* kExpected =
    "chr1\t100\tA\tT\t0/0\t0/1\t1/1\t./.\n"
    "chr1\t200\tCTG\tC,CTGTG\t0|1\t1|2\t0/.\t2/2\n"
    "chr1\t300\tCTG\tC\t0\t1\t.\t0\n"
    "chrX\t5000000\tG\tT\t1\t0/1\t.\t1|1\n";

std::string Query(const std::string& path) {
  int rc = 0;
  std::string out = Sh(std::string(kBcftools) +
                           " query -f '%CHROM\\t%POS\\t%REF\\t%ALT[\\t%GT]\\n' " + path + " 2>&1",
                       &rc);
  EXPECT_EQ(rc, 0) << out;
  return out;
}

TEST_F(BcfWriterTest, BcfRoundTripsThroughBcftools) {
  std::string path = WriteExample("out.bcf");
  EXPECT_EQ(Query(path), kExpected);
  EXPECT_EQ(Sh(std::string(kBcftools) + " query -l " + path), "S1\nS2\nS3\nS4\n");
  // Really BCF, and indexed: a region query uses the .csi.
  EXPECT_TRUE(fs::exists(path + ".csi"));
  EXPECT_NE(Sh("file " + path).find("gzip"), std::string::npos);
  EXPECT_EQ(Sh(std::string(kBcftools) + " view -H -r chrX " + path + " | wc -l"), "1\n");
  EXPECT_EQ(Sh(std::string(kBcftools) + " index -n " + path), "4\n");
  std::string header = Sh(std::string(kBcftools) + " view -h " + path);
  EXPECT_NE(header.find("##contig=<ID=chr1,length=248956422>"), std::string::npos);
  EXPECT_NE(header.find("##contig=<ID=chrX,length=156040895>"), std::string::npos);
  EXPECT_NE(header.find("##FORMAT=<ID=GT,Number=1,Type=String"), std::string::npos);
  EXPECT_NE(header.find("##source=renkei\n"), std::string::npos);
  // The ID column.
  EXPECT_EQ(Sh(std::string(kBcftools) + " query -f '%ID\\n' " + path), ".\nrs1\n.\n.\n");
}

TEST_F(BcfWriterTest, VcfGzIsBgzippedAndIndexed) {
  WriterOptions options;
  options.threads = 2;
  options.source = "renkei-simulate";
  options.extra_header_lines = {"##renkei_test=1"};
  std::string path = WriteExample("out.vcf.gz", options);
  EXPECT_EQ(Query(path), kExpected);
  EXPECT_TRUE(fs::exists(path + ".csi"));
  EXPECT_EQ(Sh(std::string(kBcftools) + " view -H -r chr1:150-350 " + path + " | wc -l"), "2\n");
  std::string text = Sh("gzip -dc " + path);
  EXPECT_NE(text.find("##source=renkei-simulate\n"), std::string::npos);
  EXPECT_NE(text.find("##renkei_test=1\n"), std::string::npos);
  EXPECT_NE(text.find("\tGT\t0|1\t1|2\t0/.\t2/2\n"), std::string::npos);
}

TEST_F(BcfWriterTest, PlainVcfHasNoIndex) {
  std::string path = WriteExample("out.vcf");
  EXPECT_EQ(Query(path), kExpected);
  EXPECT_FALSE(fs::exists(path + ".csi"));
  std::string text = Sh("cat " + path);
  EXPECT_EQ(text.rfind("##fileformat=VCF", 0), 0u);
  EXPECT_NE(text.find("chrX\t5000000\t.\tG\tT\t.\t.\t.\tGT\t1\t0/1\t.\t1|1\n"), std::string::npos)
      << text;
}

TEST_F(BcfWriterTest, CompressionLevelZeroStillReadable) {
  WriterOptions options;
  options.compression_level = 0;
  options.index_path = (dir_ / "custom.csi").string();
  std::string path = WriteExample("stored.bcf", options);
  EXPECT_EQ(Query(path), kExpected);
  EXPECT_TRUE(fs::exists(dir_ / "custom.csi"));
  EXPECT_FALSE(fs::exists(path + ".csi"));
}

TEST_F(BcfWriterTest, OpenRejectsBadArguments) {
  WriterOptions options;
  EXPECT_EQ(BcfWriter::Open((dir_ / "x.txt").string(), samples_, contigs_, options).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(BcfWriter::Open((dir_ / "missing" / "x.bcf").string(), samples_, contigs_, options)
                .status()
                .code(),
            StatusCode::kNotFound);
  std::vector<std::string> dup = {"A", "A"};
  EXPECT_EQ(BcfWriter::Open((dir_ / "x.bcf").string(), dup, contigs_, options).status().code(),
            StatusCode::kInvalidArgument);
  std::vector<std::string> none;
  EXPECT_EQ(BcfWriter::Open((dir_ / "x.bcf").string(), none, contigs_, options).status().code(),
            StatusCode::kInvalidArgument);
  std::vector<VcfContig> bad_contig = {{"chr 1", 10}};
  EXPECT_EQ(
      BcfWriter::Open((dir_ / "x.bcf").string(), samples_, bad_contig, options).status().code(),
      StatusCode::kInvalidArgument);
  options.compression_level = 12;
  EXPECT_EQ(BcfWriter::Open((dir_ / "x.bcf").string(), samples_, contigs_, options).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(BcfWriterTest, WriteRejectsBadRecords) {
  auto writer = BcfWriter::Open((dir_ / "x.bcf").string(), samples_, contigs_, {});
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  std::vector<std::string_view> alt = {"T"};
  std::vector<int32_t> ok_gt(8, GtAllele(0));
  EXPECT_EQ(writer->Write({5, 100, "", "A", alt}, ok_gt).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(writer->Write({0, 0, "", "A", alt}, ok_gt).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(writer->Write({0, 100, "", "", alt}, ok_gt).code(), StatusCode::kInvalidArgument);
  std::vector<std::string_view> bad_alt = {"T,G"};
  EXPECT_EQ(writer->Write({0, 100, "", "A", bad_alt}, ok_gt).code(), StatusCode::kInvalidArgument);
  // 7 codes for 4 samples.
  EXPECT_EQ(writer->Write({0, 100, "", "A", alt}, std::span(ok_gt).first(7)).code(),
            StatusCode::kInvalidArgument);
  // Allele 2 with a single ALT.
  std::vector<int32_t> bad_gt(8, GtAllele(2));
  EXPECT_EQ(writer->Write({0, 100, "", "A", alt}, bad_gt).code(), StatusCode::kInvalidArgument);
  std::vector<int32_t> negative_gt(8, -5);
  EXPECT_EQ(writer->Write({0, 100, "", "A", alt}, negative_gt).code(),
            StatusCode::kInvalidArgument);
  // Order: chr1:200, then chr1:100 is unsorted; chrX then chr1 again is not contiguous.
  EXPECT_TRUE(writer->Write({0, 200, "", "A", alt}, ok_gt).ok());
  EXPECT_EQ(writer->Write({0, 100, "", "A", alt}, ok_gt).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(writer->Write({1, 50, "", "A", alt}, ok_gt).ok());
  EXPECT_EQ(writer->Write({0, 300, "", "A", alt}, ok_gt).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(writer->Close().ok());
  EXPECT_EQ(writer->Write({1, 60, "", "A", alt}, ok_gt).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Sh(std::string(kBcftools) + " view -H " + (dir_ / "x.bcf").string() + " | wc -l"),
            "2\n");
}

// Enough records for many BGZF blocks, written with compression threads: every region query
// through the index must land on a record boundary (htslib < 1.19 got this wrong on the fly).
TEST_F(BcfWriterTest, IndexIsRightWithThreadsAndManyBlocks) {
  for (const char* name : {"many.bcf", "many.vcf.gz"}) {
    std::string path = (dir_ / name).string();
    WriterOptions options;
    options.threads = 2;
    auto writer = BcfWriter::Open(path, samples_, contigs_, options);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    std::vector<std::string_view> alt = {"T"};
    std::vector<int32_t> gt(8);
    uint32_t x = 1;
    for (int c = 0; c < 2; ++c) {
      for (int i = 1; i <= 20000; ++i) {
        for (int32_t& g : gt) {
          x = x * 1664525u + 1013904223u;  // vary the data so that blocks fill up
          g = GtAllele(static_cast<int>(x >> 31));
        }
        ASSERT_TRUE(writer->Write({c, i * 100, "", "A", alt}, gt).ok());
      }
    }
    ASSERT_TRUE(writer->Close().ok());
    EXPECT_EQ(Sh(std::string(kBcftools) + " view -H -r chr1:1500001-1500100 " + path +
                 " 2>&1 | cut -f1,2"),
              "chr1\t1500100\n")
        << name;
    EXPECT_EQ(Sh(std::string(kBcftools) + " view -H -r chrX:1999901-2000000 " + path +
                 " 2>&1 | cut -f1,2"),
              "chrX\t2000000\n")
        << name;
    EXPECT_EQ(Sh(std::string(kBcftools) + " view -H -r chrX " + path + " 2>&1 | wc -l"), "20000\n")
        << name;
  }
}

TEST_F(BcfWriterTest, AlleleIndicesBeyondInt8UseWideEncoding) {
  // GT codes above 127 (allele 63) do not fit BCF int8; the writer must fall back to int16.
  std::string path = (dir_ / "wide.bcf").string();
  auto writer = BcfWriter::Open(path, samples_, contigs_, {});
  ASSERT_TRUE(writer.ok());
  std::vector<std::string> alt_storage;
  std::string allele = "A";
  for (int i = 0; i < kMaxAlleles - 1; ++i) {
    allele += 'C';
    alt_storage.push_back(allele);
  }
  std::vector<std::string_view> alts(alt_storage.begin(), alt_storage.end());
  std::vector<int32_t> gt = {GtAllele(0), GtAllele(63, true), GtAllele(62), GtAllele(63),
                             GtAllele(1), kGtVectorEnd,       kGtMissing,   kGtMissing};
  ASSERT_TRUE(writer->Write({0, 1000, "", "A", alts}, gt).ok());
  std::vector<std::string_view> too_many(alts);
  too_many.push_back("G");
  EXPECT_EQ(writer->Write({0, 1001, "", "A", too_many}, gt).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(writer->Close().ok());
  EXPECT_EQ(Sh(std::string(kBcftools) + " query -f '[%GT\\t]\\n' " + path),
            "0|63\t62/63\t1\t./.\t\n");
}

TEST_F(BcfWriterTest, DestructorClosesAndMoveKeepsState) {
  std::string path = (dir_ / "moved.bcf").string();
  {
    auto opened = BcfWriter::Open(path, samples_, contigs_, {});
    ASSERT_TRUE(opened.ok());
    BcfWriter writer = std::move(opened).value();
    std::vector<std::string_view> alt = {"G"};
    ASSERT_TRUE(writer.Write({0, 10, "", "A", alt}, std::vector<int32_t>(8, GtAllele(1))).ok());
    EXPECT_EQ(writer.sample_count(), 4u);
  }
  EXPECT_EQ(Query(path), "chr1\t10\tA\tG\t1/1\t1/1\t1/1\t1/1\n");
}

}  // namespace
}  // namespace renkei
