#include "store/genotype_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
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

// The class a call reduces to, computed directly from the definitions.
SampleCall Expected(int32_t g0, int32_t g1) {
  std::vector<uint32_t> called;
  for (int32_t g : {g0, g1}) {
    if (g >= 0) called.push_back(static_cast<uint32_t>(g));
  }
  if (called.empty()) return {GenotypeKind::kMissing, 0, 0};
  if (called.size() == 1) return {GenotypeKind::kHemi, called[0], 0};
  if (called[0] == called[1]) return {GenotypeKind::kHom, called[0], 0};
  return {GenotypeKind::kHet, std::min(called[0], called[1]), std::max(called[0], called[1])};
}

// Sites built to need every list form (varint list, skip bytes with and without 0 bytes,
// bitmap) and both class-key forms decode to the calls they were built from, and count like a
// direct tally for random cohorts.
TEST(GenotypeCodec, EveryFormRoundTrips) {
  std::mt19937_64 rng(11);
  const uint32_t n = 6000;
  struct Case {
    const char* name;
    std::function<void(uint32_t, int32_t*, int32_t*)> call;  // sample → (g0, g1)
  };
  const std::vector<Case> cases = {
      // Carriers 150 apart: one-byte gaps, a skip-byte list without 0 bytes.
      {"skip bytes",
       [](uint32_t i, int32_t* a, int32_t* b) {
         *a = 0;
         *b = i % 150 == 7 ? 1 : 0;
       }},
      // Carriers 200 apart but for one gap of 1,200: a skip-byte list with 0 bytes.
      {"skip bytes with zeros",
       [](uint32_t i, int32_t* a, int32_t* b) {
         *a = 0;
         *b = (i % 200 == 7 && (i < 2000 || i > 3000)) ? 1 : 0;
       }},
      // Carriers 300 apart: two-byte varints beat a 0 byte and a gap byte each.
      {"varint list of long gaps",
       [](uint32_t i, int32_t* a, int32_t* b) {
         *a = 0;
         *b = i % 300 == 5 ? 1 : 0;
       }},
      // Three carriers far apart: a varint list.
      {"varint list",
       [](uint32_t i, int32_t* a, int32_t* b) {
         *a = (i == 17 || i == 4000 || i == 5999) ? 1 : 0;
         *b = i == 4000 ? 1 : 0;
       }},
      // Common alleles: bitmaps; a haploid and half-missing sprinkle.
      {"bitmaps",
       [&rng](uint32_t i, int32_t* a, int32_t* b) {
         *a = static_cast<int32_t>(rng() % 2);
         *b = i % 97 == 0 ? kAlleleEnd : (i % 89 == 0 ? M : static_cast<int32_t>(rng() % 3));
       }},
      // Allele indices of 8 and above: class keys are not packed.
      {"many alleles",
       [&rng](uint32_t i, int32_t* a, int32_t* b) {
         *a = 0;
         *b = i % 50 == 0 ? static_cast<int32_t>(rng() % 12) : 0;
       }},
  };
  for (const Case& c : cases) {
    std::vector<int32_t> gt(2 * n);
    std::vector<SampleCall> expected(n);
    uint32_t max_allele = 0;
    for (uint32_t i = 0; i < n; ++i) {
      c.call(i, &gt[2 * i], &gt[2 * i + 1]);
      const int32_t b = gt[2 * i + 1] == kAlleleEnd ? M : gt[2 * i + 1];
      expected[i] = Expected(gt[2 * i], b);
      max_allele = std::max({max_allele, expected[i].a, expected[i].b});
    }
    std::vector<uint8_t> enc;
    ASSERT_TRUE(EncodeSite(gt, 2, n, &enc).ok()) << c.name;
    auto calls = DecodeSite(enc.data(), enc.size(), n);
    ASSERT_TRUE(calls.ok()) << c.name;
    EXPECT_EQ(*calls, expected) << c.name;
    const size_t n_alts = std::max<size_t>(1, max_allele);
    SiteCounts all;
    all.Reset(n_alts);
    ASSERT_EQ(CountSite(enc.data(), enc.size(), nullptr, n, &all), enc.size()) << c.name;
    for (int trial = 0; trial < 4; ++trial) {
      std::vector<uint64_t> bits((n + 63) / 64, 0);
      SiteCounts tally;
      tally.Reset(n_alts);
      for (uint32_t i = 0; i < n; ++i) {
        if (trial > 0 && rng() % 3) continue;
        bits[i / 64] |= 1ull << (i % 64);
        ++tally.cohort_size;
        const SampleCall& x = expected[i];
        if (x.kind == GenotypeKind::kMissing) continue;
        ++tally.ns;
        if (x.kind == GenotypeKind::kHemi) {
          ++tally.an;
          if (x.a) ++tally.alts[x.a - 1].ac_hemi;
        } else if (x.kind == GenotypeKind::kHom) {
          tally.an += 2;
          if (x.a) tally.alts[x.a - 1].ac_hom += 2;
        } else {
          tally.an += 2;
          if (x.a) ++tally.alts[x.a - 1].ac_het;
          ++tally.alts[x.b - 1].ac_het;
        }
      }
      if (trial == 0) {
        EXPECT_EQ(all, tally) << c.name;
      }
      CountingMask cohort(bits, n);
      SiteCounts counts;
      counts.Reset(n_alts);
      ASSERT_EQ(CountSite(enc.data(), enc.size(), &cohort, n, &counts), enc.size()) << c.name;
      EXPECT_EQ(counts, tally) << c.name << " trial " << trial;
    }
  }
}

// A singleton's header is one byte per class key and one tag per stored class.
TEST(GenotypeCodec, HeadersArePacked) {
  const uint32_t n = 100;
  std::vector<int32_t> gt(2 * n, 0);
  gt[2 * 40 + 1] = 1;  // 0/1 at sample 40: classes 0/0 (implicit) and 0/1
  std::vector<uint8_t> enc;
  ASSERT_TRUE(EncodeSite(gt, 2, n, &enc).ok());
  // n_classes, two keys, the tag (count 1, a skip-byte list: as small as a varint list and
  // faster to walk), the gap from -1.
  EXPECT_EQ(enc, (std::vector<uint8_t>{2 << 1 | 1, 2 << 6, 3 << 6 | 1, 1 << 2 | 2, 41}));
  std::vector<uint8_t> missing;
  EncodeAllMissing(n, &missing);
  SiteCounts c;
  c.Reset(1);
  ASSERT_EQ(CountSite(missing.data(), missing.size(), nullptr, n, &c), missing.size());
  EXPECT_EQ(c.ns, 0u);
  EXPECT_EQ(c.cohort_size, n);
}

// Any changed byte or truncation of an encoded site gives an error or some counts, never a
// read outside the data (the sanitizer build checks).
TEST(GenotypeCodec, CorruptSitesNeverReadOutOfBounds) {
  std::mt19937_64 rng(5);
  const uint32_t n = 700;
  std::vector<uint64_t> bits((n + 63) / 64, 0x5555555555555555ull);
  bits.back() &= (1ull << (n % 64)) - 1;
  CountingMask cohort(bits, n);
  for (double freq : {0.002, 0.02, 0.4}) {
    std::vector<int32_t> gt(2 * n);
    for (auto& g : gt) {
      double u = std::uniform_real_distribution<>(0, 1)(rng);
      g = u < 0.01 ? M : (u < 0.01 + freq ? static_cast<int32_t>(1 + rng() % 9) : 0);
    }
    std::vector<uint8_t> enc;
    ASSERT_TRUE(EncodeSite(gt, 2, n, &enc).ok());
    for (size_t at = 0; at < enc.size(); ++at) {
      for (uint8_t x : {uint8_t{0}, uint8_t{0xff}, static_cast<uint8_t>(rng())}) {
        std::vector<uint8_t> bad(enc.begin(), enc.end());
        bad[at] = x;
        for (size_t len : {bad.size(), at + 1}) {
          // An exactly sized copy, so that reading past `len` is caught.
          std::vector<uint8_t> cut(bad.begin(), bad.begin() + static_cast<ptrdiff_t>(len));
          SiteCounts c;
          c.Reset(9);
          (void)CountSite(cut.data(), cut.size(), &cohort, n, &c);
          c.Reset(9);
          (void)CountSite(cut.data(), cut.size(), nullptr, n, &c);
          (void)DecodeSite(cut.data(), cut.size(), n);
        }
      }
    }
  }
}

}  // namespace
}  // namespace renkei
