#include "store/genotype_codec.h"

#include <gtest/gtest.h>

#include <random>

#include "vcf/reader.h"

namespace renkei {
namespace {

constexpr int32_t M = kAlleleMissing;
constexpr int32_t E = kAlleleEnd;

// Hand-computed truth for bcftools +fill-tags semantics.
TEST(GenotypeCodec, CountsMatchFillTagsDefinitions) {
  // 0/1, 1/1, 0/0, ./., 0/., 1 (haploid), 1/2
  std::vector<int32_t> gt = {0, 1, 1, 1, 0, 0, M, M, 0, M, 1, E, 1, 2};
  std::vector<uint8_t> enc;
  ASSERT_TRUE(EncodeSite(gt, 2, 7, &enc).ok());
  SiteCounts c;
  c.Reset(2);
  ASSERT_EQ(CountSite(enc.data(), enc.size(), nullptr, 7, &c), enc.size());
  EXPECT_EQ(c.cohort_size, 7u);
  EXPECT_EQ(c.ns, 6u);
  EXPECT_EQ(c.an, 2u + 2 + 2 + 0 + 1 + 1 + 2);
  EXPECT_EQ(c.alts[0].ac_het, 2u);   // 0/1 and 1/2
  EXPECT_EQ(c.alts[0].ac_hom, 2u);   // 1/1
  EXPECT_EQ(c.alts[0].ac_hemi, 1u);  // haploid 1
  EXPECT_EQ(c.alts[0].ac(), 5u);
  EXPECT_EQ(c.alts[1].ac_het, 1u);  // 1/2
  EXPECT_EQ(c.alts[1].ac(), 1u);
}

TEST(GenotypeCodec, HalfMissingIsHemizygousLikeBcftools) {
  std::vector<int32_t> gt = {M, 1, 0, M};  // ./1 and 0/.
  std::vector<uint8_t> enc;
  ASSERT_TRUE(EncodeSite(gt, 2, 2, &enc).ok());
  SiteCounts c;
  c.Reset(1);
  ASSERT_GT(CountSite(enc.data(), enc.size(), nullptr, 2, &c), 0u);
  EXPECT_EQ(c.ns, 2u);
  EXPECT_EQ(c.an, 2u);
  EXPECT_EQ(c.alts[0].ac_hemi, 1u);
  EXPECT_EQ(c.alts[0].ac_het, 0u);
}

TEST(GenotypeCodec, RejectsPolyploid) {
  std::vector<int32_t> gt = {0, 1, 1};
  std::vector<uint8_t> enc;
  Status st = EncodeSite(gt, 3, 1, &enc);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("ploidy 3"), std::string::npos);
}

// Subset counts over random data and random masks equal a direct per-sample tally, for both
// the sparse (rare) and dense (common) encodings.
TEST(GenotypeCodec, SubsetCountsEqualDirectTally) {
  std::mt19937_64 rng(7);
  for (double alt_freq : {0.0005, 0.01, 0.3, 0.9}) {
    const uint32_t n = 1000;
    std::vector<int32_t> gt(2 * n);
    for (auto& g : gt) {
      double u = std::uniform_real_distribution<>(0, 1)(rng);
      g = u < 0.02 ? M : (u < 0.02 + alt_freq ? 1 : 0);
    }
    std::vector<uint8_t> enc;
    ASSERT_TRUE(EncodeSite(gt, 2, n, &enc).ok());
    auto calls = DecodeSite(enc.data(), enc.size(), n);
    ASSERT_TRUE(calls.ok());
    for (int trial = 0; trial < 5; ++trial) {
      std::vector<uint64_t> mask((n + 63) / 64, 0);
      uint32_t size = 0, ns = 0, an = 0, ac = 0;
      for (uint32_t i = 0; i < n; ++i) {
        if (rng() % 3) continue;
        mask[i / 64] |= 1ull << (i % 64);
        ++size;
        int called = (gt[2 * i] >= 0) + (gt[2 * i + 1] >= 0);
        ns += called > 0;
        an += static_cast<uint32_t>(called);
        ac += (gt[2 * i] == 1) + (gt[2 * i + 1] == 1);
      }
      SiteCounts c;
      c.Reset(1);
      CountingMask cohort(mask, n);
      ASSERT_EQ(CountSite(enc.data(), enc.size(), &cohort, n, &c), enc.size());
      EXPECT_EQ(c.cohort_size, size);
      EXPECT_EQ(c.ns, ns);
      EXPECT_EQ(c.an, an);
      EXPECT_EQ(c.alts[0].ac(), ac);
    }
  }
}

TEST(GenotypeCodec, RareVariantIsCompact) {
  const uint32_t n = 20000;
  std::vector<int32_t> gt(2 * n, 0);
  gt[2 * 123 + 1] = 1;
  std::vector<uint8_t> enc;
  ASSERT_TRUE(EncodeSite(gt, 2, n, &enc).ok());
  EXPECT_LT(enc.size(), 16u);
}

TEST(GenotypeCodec, CorruptDataIsDetected) {
  std::vector<int32_t> gt(200, 0);
  for (int i = 0; i < 200; i += 3) gt[static_cast<size_t>(i)] = 1;
  std::vector<uint8_t> enc;
  ASSERT_TRUE(EncodeSite(gt, 2, 100, &enc).ok());
  SiteCounts c;
  for (size_t cut = 0; cut < enc.size(); ++cut) {
    c.Reset(1);
    EXPECT_EQ(CountSite(enc.data(), cut, nullptr, 100, &c), 0u) << cut;
  }
  c.Reset(0);  // wrong ALT count: allele 1 is out of range
  EXPECT_EQ(CountSite(enc.data(), enc.size(), nullptr, 100, &c), 0u);
}

// Lists that point past the last sample are caught, not read out of bounds (ASan checks).
TEST(GenotypeCodec, ListIndicesBeyondTheSampleCountAreCorrupt) {
  for (uint32_t carriers : {1u, 40u}) {  // a varint list and a skip-byte list
    const uint32_t n = 5000;
    std::vector<int32_t> gt(2 * n, 0);
    for (uint32_t i = 0; i < carriers; ++i) gt[2 * (n - 1 - i * 3)] = 1;
    std::vector<uint8_t> enc;
    ASSERT_TRUE(EncodeSite(gt, 2, n, &enc).ok());
    // Claim fewer samples than were encoded: the highest indices are now out of range.
    const uint32_t fewer = n - 64 * 40;
    std::vector<uint64_t> bits((fewer + 63) / 64, ~0ull);
    bits.back() = (1ull << (fewer % 64)) - 1;
    CountingMask cohort(bits, fewer);
    SiteCounts c;
    c.Reset(1);
    EXPECT_EQ(CountSite(enc.data(), enc.size(), &cohort, fewer, &c), 0u) << carriers;
  }
}

}  // namespace
}  // namespace renkei
