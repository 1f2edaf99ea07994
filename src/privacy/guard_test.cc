#include "privacy/guard.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "privacy/tier.h"

namespace renkei {
namespace {

const GuardedValue kW = GuardedValue::Withheld();
GuardedValue S(uint64_t v) { return GuardedValue::Shown(v); }

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// ---------------------------------------------------------------------------------------------
// Tiers

TEST(TierTest, NamesRoundTrip) {
  for (Tier t : {Tier::kPublic, Tier::kRegistered, Tier::kControlled}) {
    Result<Tier> parsed = ParseTier(TierName(t));
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(*parsed, t);
  }
  EXPECT_EQ(TierName(Tier::kPublic), "public");
  EXPECT_EQ(TierName(Tier::kRegistered), "registered");
  EXPECT_EQ(TierName(Tier::kControlled), "controlled");
}

TEST(TierTest, ParseIgnoresAsciiCase) {
  EXPECT_EQ(*ParseTier("PUBLIC"), Tier::kPublic);
  EXPECT_EQ(*ParseTier("Registered"), Tier::kRegistered);
  EXPECT_EQ(*ParseTier("conTROLLed"), Tier::kControlled);
}

TEST(TierTest, UnknownNameIsInvalidArgumentNamingTheThree) {
  for (const char* bad : {"", "admin", " public", "public ", "registere", "controlled1"}) {
    Result<Tier> parsed = ParseTier(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << bad;
    const std::string m = parsed.status().message();
    EXPECT_TRUE(Contains(m, "'" + std::string(bad) + "'")) << m;
    EXPECT_TRUE(Contains(m, "public") && Contains(m, "registered") && Contains(m, "controlled"))
        << m;
  }
}

// ---------------------------------------------------------------------------------------------
// Guarded values

TEST(GuardedValueTest, SumIsWithheldWhenEitherPartIs) {
  EXPECT_EQ(S(3) + S(4), S(7));
  EXPECT_EQ(S(3) + kW, kW);
  EXPECT_EQ(kW + S(4), kW);
  EXPECT_EQ(kW + kW, kW);
  EXPECT_EQ((kW + S(4)).value, 0u);  // never a partial total in disguise
}

// ---------------------------------------------------------------------------------------------
// Access and size

TEST(CheckAccessTest, PresetStrataAtEveryTier) {
  for (Tier t : {Tier::kPublic, Tier::kRegistered, Tier::kControlled}) {
    EXPECT_TRUE(CheckAccess(t, QueryKind::kPresetStrata, false).ok()) << TierName(t);
  }
}

TEST(CheckAccessTest, OnDemandCohortsNeedRegistered) {
  for (QueryKind k : {QueryKind::kCohortCounts, QueryKind::kCohortFrequencies}) {
    Status s = CheckAccess(Tier::kPublic, k, false);
    EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
    EXPECT_TRUE(Contains(s.message(), "registered tier: sign in or use an API key")) << s.message();
    EXPECT_TRUE(CheckAccess(Tier::kRegistered, k, false).ok());
    EXPECT_TRUE(CheckAccess(Tier::kControlled, k, false).ok());
  }
  EXPECT_TRUE(
      Contains(CheckAccess(Tier::kPublic, QueryKind::kCohortCounts, false).message(), "counts"));
  EXPECT_TRUE(Contains(CheckAccess(Tier::kPublic, QueryKind::kCohortFrequencies, false).message(),
                       "frequencies"));
}

TEST(CheckAccessTest, NamingSamplesNeedsControlled) {
  for (QueryKind k :
       {QueryKind::kPresetStrata, QueryKind::kCohortCounts, QueryKind::kCohortFrequencies}) {
    for (Tier t : {Tier::kPublic, Tier::kRegistered}) {
      Status s = CheckAccess(t, k, true);
      EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << TierName(t);
      // The whole requirement at once, even for a public caller.
      EXPECT_TRUE(Contains(s.message(), "controlled tier")) << s.message();
    }
    EXPECT_TRUE(CheckAccess(Tier::kControlled, k, true).ok());
  }
}

TEST(CheckAccessTest, TierOutOfRangeIsRefused) {
  EXPECT_EQ(CheckAccess(static_cast<Tier>(7), QueryKind::kPresetStrata, false).code(),
            StatusCode::kPermissionDenied);
}

TEST(CheckSizeTest, LimitsPerTierAreInclusive) {
  PrivacyPolicy p;
  EXPECT_TRUE(CheckSize(p, Tier::kPublic, 1'000'000, 1'000).ok());
  EXPECT_TRUE(CheckSize(p, Tier::kRegistered, 5'000'000, 10'000).ok());
  EXPECT_TRUE(CheckSize(p, Tier::kControlled, 100'000'000, 1'000'000).ok());

  Status bp = CheckSize(p, Tier::kPublic, 1'000'001, 1);
  EXPECT_EQ(bp.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(bp.message(), "1,000,001 bp")) << bp.message();
  EXPECT_TRUE(Contains(bp.message(), "public tier")) << bp.message();
  EXPECT_TRUE(Contains(bp.message(), "split the region or narrow it to at most 1,000,000 bp"))
      << bp.message();

  Status sites = CheckSize(p, Tier::kRegistered, 10, 10'001);
  EXPECT_EQ(sites.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(sites.message(), "10,001 sites")) << sites.message();
  EXPECT_TRUE(Contains(sites.message(), "at most 10,000 sites")) << sites.message();

  EXPECT_EQ(CheckSize(p, Tier::kControlled, 100'000'001, 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckSize(p, Tier::kControlled, 1, 1'000'001).code(), StatusCode::kInvalidArgument);
}

TEST(CheckSizeTest, OpenEndedRegionAndPolicyOverrides) {
  PrivacyPolicy p;
  Status open = CheckSize(p, Tier::kRegistered, std::numeric_limits<uint64_t>::max(), 1);
  EXPECT_EQ(open.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(open.message(), "without an end")) << open.message();

  p.max_region_bp[0] = 50;
  p.max_sites[0] = 2;
  EXPECT_TRUE(CheckSize(p, Tier::kPublic, 50, 2).ok());
  EXPECT_FALSE(CheckSize(p, Tier::kPublic, 51, 2).ok());
  EXPECT_FALSE(CheckSize(p, Tier::kPublic, 50, 3).ok());
  EXPECT_EQ(CheckSize(p, static_cast<Tier>(3), 1, 1).code(), StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Counts

TEST(GuardCountTest, FloorIsExclusiveAndZeroIsWithheld) {
  PrivacyPolicy p;  // floor 10
  for (Tier t : {Tier::kPublic, Tier::kRegistered}) {
    EXPECT_EQ(GuardCount(p, t, uint64_t{0}), kW);
    EXPECT_EQ(GuardCount(p, t, uint64_t{9}), kW);
    EXPECT_EQ(GuardCount(p, t, uint64_t{10}), S(10));
    EXPECT_EQ(GuardCount(p, t, uint64_t{12345}), S(12345));
  }
  EXPECT_EQ(GuardCount(p, Tier::kControlled, uint64_t{0}), S(0));
  EXPECT_EQ(GuardCount(p, Tier::kControlled, uint64_t{1}), S(1));
  p.floor = 0;  // no floor: zero is shown
  EXPECT_EQ(GuardCount(p, Tier::kPublic, uint64_t{0}), S(0));
}

TEST(GuardCountTest, GuardedInput) {
  PrivacyPolicy p;
  EXPECT_EQ(GuardCount(p, Tier::kRegistered, S(9)), kW);
  EXPECT_EQ(GuardCount(p, Tier::kRegistered, S(10)), S(10));
  EXPECT_EQ(GuardCount(p, Tier::kRegistered, kW), kW);
  EXPECT_EQ(GuardCount(p, Tier::kControlled, S(1)), S(1));
  EXPECT_EQ(GuardCount(p, Tier::kControlled, kW), kW);  // unknown stays unknown
}

// ---------------------------------------------------------------------------------------------
// Sites

SiteCounts Site(uint32_t cohort, uint32_t ns, uint32_t an, std::vector<AltCounts> alts) {
  SiteCounts s;
  s.cohort_size = cohort;
  s.ns = ns;
  s.an = an;
  s.alts = std::move(alts);
  return s;
}

AltCounts Alt(uint32_t het, uint32_t hom, uint32_t hemi) { return {het, hom, hemi}; }

TEST(GuardSiteTest, ControlledShowsEverythingExactly) {
  PrivacyPolicy p;
  GuardedSite g = GuardSite(p, Tier::kControlled, Site(3, 2, 3, {Alt(1, 0, 1), Alt(0, 0, 0)}));
  EXPECT_EQ(g.cohort_size, S(3));
  EXPECT_EQ(g.ns, S(2));
  EXPECT_EQ(g.an, S(3));
  ASSERT_EQ(g.alts.size(), 2u);
  EXPECT_EQ(g.alts[0], (GuardedAlt{S(2), S(1), S(0), S(1)}));
  EXPECT_EQ(g.alts[1], (GuardedAlt{S(0), S(0), S(0), S(0)}));
}

TEST(GuardSiteTest, CohortBelowFloorWithholdsEverything) {
  PrivacyPolicy p;
  // Nine samples, yet AN and the counts of the first ALT are above the floor: all withheld.
  GuardedSite g = GuardSite(p, Tier::kRegistered, Site(9, 9, 18, {Alt(4, 10, 0), Alt(0, 0, 0)}));
  EXPECT_EQ(g.cohort_size, kW);
  EXPECT_EQ(g.ns, kW);
  EXPECT_EQ(g.an, kW);
  ASSERT_EQ(g.alts.size(), 2u);  // the ALTs are still listed, by position
  for (const GuardedAlt& a : g.alts) EXPECT_EQ(a, (GuardedAlt{kW, kW, kW, kW}));
}

TEST(GuardSiteTest, FewCalledSamplesWithholdAlleleCounts) {
  PrivacyPolicy p;
  // 100 samples but only 6 called: AN 12 and AC 12 describe those six.
  GuardedSite g = GuardSite(p, Tier::kPublic, Site(100, 6, 12, {Alt(2, 10, 0)}));
  EXPECT_EQ(g.cohort_size, S(100));
  EXPECT_EQ(g.ns, kW);
  EXPECT_EQ(g.an, kW);
  EXPECT_EQ(g.alts[0], (GuardedAlt{kW, kW, kW, kW}));
}

TEST(GuardSiteTest, EveryValueAtOrAboveFloorIsShown) {
  PrivacyPolicy p;
  GuardedSite g = GuardSite(p, Tier::kRegistered, Site(500, 498, 990, {Alt(40, 20, 12)}));
  EXPECT_EQ(g.cohort_size, S(500));
  EXPECT_EQ(g.ns, S(498));
  EXPECT_EQ(g.an, S(990));
  EXPECT_EQ(g.alts[0], (GuardedAlt{S(72), S(40), S(20), S(12)}));
}

TEST(GuardSiteTest, AbsentAlleleIsWithheldNotZero) {
  PrivacyPolicy p;
  GuardedSite g = GuardSite(p, Tier::kRegistered, Site(500, 500, 1000, {Alt(0, 0, 0)}));
  EXPECT_EQ(g.alts[0], (GuardedAlt{kW, kW, kW, kW}));
  // A rare allele: AC 3 and all its parts below the floor.
  g = GuardSite(p, Tier::kRegistered, Site(500, 500, 1000, {Alt(3, 0, 0)}));
  EXPECT_EQ(g.alts[0], (GuardedAlt{kW, kW, kW, kW}));
}

// The complementary-disclosure rule, case by case (floor 10).
TEST(GuardSiteTest, OneWithheldPartWouldBeDerivableSoAnotherIsWithheld) {
  PrivacyPolicy p;
  // AC 60 = 45 + 12 + 3: only AC_Hemi is below the floor, and 60 - 45 - 12 = 3 would give it
  // away. The smallest shown part (AC_Hom 12) goes too: the withheld parts sum to 15.
  GuardedSite g = GuardSite(p, Tier::kRegistered, Site(500, 500, 1000, {Alt(45, 12, 3)}));
  EXPECT_EQ(g.alts[0], (GuardedAlt{S(60), S(45), kW, kW}));
}

TEST(GuardSiteTest, SmallSumOfWithheldPartsIsWithheldToo) {
  PrivacyPolicy p;
  // An autosomal site: AC 38 = 30 + 8 + 0. AC_Hom and AC_Hemi are withheld, but 38 - 30 = 8
  // is their sum, and anyone who knows AC_Hemi is 0 on autosomes reads AC_Hom = 8. So AC_Het
  // is withheld as well; AC (and AF) stays.
  GuardedSite g = GuardSite(p, Tier::kRegistered, Site(500, 500, 1000, {Alt(30, 8, 0)}));
  EXPECT_EQ(g.alts[0], (GuardedAlt{S(38), kW, kW, kW}));
}

TEST(GuardSiteTest, WithheldPartsSummingToFloorNeedNothingMore) {
  PrivacyPolicy p;
  // AC 51 = 40 + 6 + 5: the two withheld parts sum to 11 >= 10, which is a count of at least
  // the floor, so AC_Het stays shown.
  GuardedSite g = GuardSite(p, Tier::kRegistered, Site(500, 500, 1000, {Alt(40, 6, 5)}));
  EXPECT_EQ(g.alts[0], (GuardedAlt{S(51), S(40), kW, kW}));
  // Exactly at the floor: 5 + 5 = 10.
  g = GuardSite(p, Tier::kRegistered, Site(500, 500, 1000, {Alt(40, 5, 5)}));
  EXPECT_EQ(g.alts[0], (GuardedAlt{S(50), S(40), kW, kW}));
  // 5 + 4 = 9: the smallest shown part goes.
  g = GuardSite(p, Tier::kRegistered, Site(500, 500, 1000, {Alt(40, 5, 4)}));
  EXPECT_EQ(g.alts[0], (GuardedAlt{S(49), kW, kW, kW}));
}

TEST(GuardSiteTest, HaploidOnlyAlleleShowsAcButNotItsOnePart) {
  PrivacyPolicy p;
  // Males on chrX: AC 25 = 0 + 0 + 25. Showing AC_Hemi 25 would show that the withheld
  // AC_Het and AC_Hom are both 0.
  GuardedSite g = GuardSite(p, Tier::kRegistered, Site(300, 300, 300, {Alt(0, 0, 25)}));
  EXPECT_EQ(g.alts[0], (GuardedAlt{S(25), kW, kW, kW}));
}

TEST(GuardSiteTest, AltsAreGuardedIndependently) {
  PrivacyPolicy p;
  GuardedSite g = GuardSite(p, Tier::kRegistered,
                            Site(500, 500, 1000, {Alt(40, 20, 12), Alt(45, 12, 3), Alt(2, 0, 0)}));
  ASSERT_EQ(g.alts.size(), 3u);
  EXPECT_EQ(g.alts[0], (GuardedAlt{S(72), S(40), S(20), S(12)}));
  EXPECT_EQ(g.alts[1], (GuardedAlt{S(60), S(45), kW, kW}));
  EXPECT_EQ(g.alts[2], (GuardedAlt{kW, kW, kW, kW}));
}

// Every split of AC into parts 0..24 at floor 10: the rule's guarantees, checked exhaustively.
TEST(GuardSiteTest, NoWithheldValueIsDerivableFromShownOnes) {
  PrivacyPolicy p;
  for (uint32_t het = 0; het < 25; ++het) {
    for (uint32_t hom = 0; hom < 25; ++hom) {
      for (uint32_t hemi = 0; hemi < 25; ++hemi) {
        const AltCounts exact = Alt(het, hom, hemi);
        const GuardedAlt g =
            GuardSite(p, Tier::kRegistered, Site(1000, 1000, 2000, {exact})).alts[0];
        SCOPED_TRACE(std::to_string(het) + "/" + std::to_string(hom) + "/" + std::to_string(hemi));
        const GuardedValue* values[4] = {&g.ac, &g.ac_het, &g.ac_hom, &g.ac_hemi};
        const uint32_t truth[4] = {exact.ac(), het, hom, hemi};
        int withheld = 0;
        for (int i = 0; i < 4; ++i) {
          if (values[i]->withheld) {
            ++withheld;
          } else {
            EXPECT_EQ(values[i]->value, truth[i]);  // shown means exact
            EXPECT_GE(values[i]->value, p.floor);   // and at least the floor
          }
        }
        // One unknown in AC = AC_Het + AC_Hom + AC_Hemi would be solvable.
        EXPECT_NE(withheld, 1);
        // AC is kept whenever it reaches the floor (AF depends on it).
        EXPECT_EQ(g.ac.withheld, exact.ac() < p.floor);
        if (!g.ac.withheld && withheld > 0) {
          uint64_t derivable = g.ac.value;
          for (int i = 1; i < 4; ++i) {
            if (!values[i]->withheld) derivable -= values[i]->value;
          }
          EXPECT_GE(derivable, p.floor);
        }
      }
    }
  }
}

TEST(GuardSiteGuardedTest, ControlledIsUnchanged) {
  PrivacyPolicy p;
  GuardedSite in{S(3), S(2), kW, {{S(1), kW, S(0), S(1)}}};
  EXPECT_EQ(GuardSite(p, Tier::kControlled, in), in);
}

TEST(GuardSiteGuardedTest, FloorIsReappliedToSums) {
  PrivacyPolicy p;
  // E.g. a sum of answers given at the controlled tier, shown now at the registered tier.
  GuardedSite in{S(400), S(400), S(800), {{S(72), S(40), S(20), S(12)}, {S(9), S(9), S(0), S(0)}}};
  GuardedSite g = GuardSite(p, Tier::kRegistered, in);
  EXPECT_EQ(g.cohort_size, S(400));
  EXPECT_EQ(g.ns, S(400));
  EXPECT_EQ(g.an, S(800));
  EXPECT_EQ(g.alts[0], (GuardedAlt{S(72), S(40), S(20), S(12)}));
  EXPECT_EQ(g.alts[1], (GuardedAlt{kW, kW, kW, kW}));
}

TEST(GuardSiteGuardedTest, WithheldCohortSizeWithholdsEverything) {
  PrivacyPolicy p;
  GuardedSite in{kW, S(400), S(800), {{S(72), S(40), S(20), S(12)}}};
  GuardedSite g = GuardSite(p, Tier::kPublic, in);
  EXPECT_EQ(g, (GuardedSite{kW, kW, kW, {{kW, kW, kW, kW}}}));
  // A withheld NS withholds AN and the allele counts only.
  in = {S(500), kW, S(800), {{S(72), S(40), S(20), S(12)}}};
  EXPECT_EQ(GuardSite(p, Tier::kPublic, in), (GuardedSite{S(500), kW, kW, {{kW, kW, kW, kW}}}));
}

TEST(GuardSiteGuardedTest, LargeWithheldPartOfASumIsNotDerivable) {
  PrivacyPolicy p;
  // A total whose AC_Het is withheld because one site withheld its part, although the total
  // is large: 50 - 30 - 12 = 8 would give it away. The smallest shown part (12) goes too.
  GuardedSite in{S(500), S(500), S(1000), {{S(50), kW, S(30), S(12)}}};
  EXPECT_EQ(GuardSite(p, Tier::kRegistered, in).alts[0], (GuardedAlt{S(50), kW, S(30), kW}));
}

TEST(GuardSiteGuardedTest, WithheldAcWithAllPartsShownLosesAPart) {
  PrivacyPolicy p;
  GuardedSite in{S(500), S(500), S(1000), {{kW, S(20), S(14), S(11)}}};
  EXPECT_EQ(GuardSite(p, Tier::kRegistered, in).alts[0], (GuardedAlt{kW, S(20), S(14), kW}));
}

TEST(GuardSiteGuardedTest, InconsistentPartsWithholdTheAlt) {
  PrivacyPolicy p;
  // 15 + 12 > 20: not a count anyone computed honestly.
  GuardedSite in{S(500), S(500), S(1000), {{S(20), S(15), S(12), kW}, {S(30), S(30), kW, kW}}};
  GuardedSite g = GuardSite(p, Tier::kRegistered, in);
  EXPECT_EQ(g.alts[0], (GuardedAlt{kW, kW, kW, kW}));
  // 30 = 30 + withheld parts that sum to 0: withheld sum below the floor, so AC_Het goes.
  EXPECT_EQ(g.alts[1], (GuardedAlt{S(30), kW, kW, kW}));
}

TEST(GuardSiteGuardedTest, GuardingTwiceChangesNothing) {
  PrivacyPolicy p;
  for (const SiteCounts& exact :
       {Site(500, 500, 1000, {Alt(45, 12, 3)}), Site(500, 500, 1000, {Alt(30, 8, 0)}),
        Site(9, 9, 18, {Alt(4, 10, 0)}), Site(100, 6, 12, {Alt(2, 10, 0)})}) {
    const GuardedSite once = GuardSite(p, Tier::kRegistered, exact);
    EXPECT_EQ(GuardSite(p, Tier::kRegistered, once), once);
  }
}

// ---------------------------------------------------------------------------------------------
// Cohort history

// The mask of samples [begin, end) out of n.
SampleMask Range(size_t n, size_t begin, size_t end) {
  SampleMask m = EmptyMask(n);
  for (size_t i = begin; i < end; ++i) SetBit(m, i);
  return m;
}

SampleMask Without(SampleMask m, std::initializer_list<size_t> samples) {
  for (size_t i : samples) m[i / 64] &= ~(uint64_t{1} << (i % 64));
  return m;
}

constexpr size_t kN = 200;

TEST(CohortHistoryTest, RefusesACohortAFewSamplesFromAnEarlierOne) {
  PrivacyPolicy p;  // min_difference 10
  CohortHistory h(p);
  const SampleMask a = Range(kN, 0, 100);
  ASSERT_TRUE(h.CheckAndRecord(Tier::kRegistered, a).ok());
  Status s = h.CheckAndRecord(Tier::kRegistered, Without(a, {3, 50, 99}));
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "this cohort differs from an earlier answered cohort by 3 samples; cohorts must "
            "differ by at least 10 samples from every earlier one, so that no answer isolates a "
            "few people: widen or narrow it by more");
  // One sample added is refused as well, and said in the singular.
  s = h.CheckAndRecord(Tier::kRegistered, Range(kN, 0, 101));
  EXPECT_TRUE(Contains(s.message(), "by 1 sample;")) << s.message();
  EXPECT_EQ(h.size(), 1u);  // refused cohorts are not remembered
  // Ten away (in either direction) is enough.
  EXPECT_TRUE(h.CheckAndRecord(Tier::kRegistered, Range(kN, 0, 90)).ok());
  EXPECT_TRUE(h.CheckAndRecord(Tier::kRegistered, Range(kN, 0, 110)).ok());
  EXPECT_EQ(h.size(), 3u);
}

TEST(CohortHistoryTest, RefusesACohortSharingAFewSamplesWithAnEarlierOne) {
  PrivacyPolicy p;
  CohortHistory h(p);
  ASSERT_TRUE(h.CheckAndRecord(Tier::kRegistered, Range(kN, 0, 100)).ok());
  // 97..196 is 194 samples away from 0..99, but A + B - (A | B) would give 97, 98, 99.
  Status s = h.CheckAndRecord(Tier::kRegistered, Range(kN, 97, 197));
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(s.message(), "shares 3 samples with an earlier answered cohort"))
      << s.message();
  EXPECT_TRUE(Contains(s.message(), "at least 10 samples")) << s.message();
  // Ten shared, or none, is fine.
  EXPECT_TRUE(h.CheckAndRecord(Tier::kRegistered, Range(kN, 90, 190)).ok());
  CohortHistory h2(p);
  ASSERT_TRUE(h2.CheckAndRecord(Tier::kRegistered, Range(kN, 0, 100)).ok());
  EXPECT_TRUE(h2.CheckAndRecord(Tier::kRegistered, Range(kN, 100, 200)).ok());
}

TEST(CohortHistoryTest, IdenticalCohortsAreStoredOnce) {
  PrivacyPolicy p;
  CohortHistory h(p);
  const SampleMask a = Range(kN, 0, 100);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(h.CheckAndRecord(Tier::kRegistered, a).ok());
  EXPECT_EQ(h.size(), 1u);
  // The empty cohort is a cohort like any other (it differs from a by 100 and shares none).
  EXPECT_TRUE(h.CheckAndRecord(Tier::kRegistered, EmptyMask(kN)).ok());
  EXPECT_EQ(h.size(), 2u);
}

TEST(CohortHistoryTest, OtherTiersAreNeitherCheckedNorRemembered) {
  PrivacyPolicy p;
  CohortHistory h(p);
  const SampleMask a = Range(kN, 0, 100);
  EXPECT_TRUE(h.CheckAndRecord(Tier::kPublic, a).ok());
  EXPECT_TRUE(h.CheckAndRecord(Tier::kControlled, a).ok());
  EXPECT_EQ(h.size(), 0u);
  ASSERT_TRUE(h.CheckAndRecord(Tier::kRegistered, a).ok());
  EXPECT_TRUE(h.CheckAndRecord(Tier::kControlled, Without(a, {0})).ok());
  EXPECT_EQ(h.size(), 1u);
  // A mask of another size at another tier is not the history's business either.
  EXPECT_TRUE(h.CheckAndRecord(Tier::kControlled, SampleMask(1, 1)).ok());
}

TEST(CohortHistoryTest, MaskSizeMismatchIsInvalidArgument) {
  PrivacyPolicy p;
  CohortHistory h(p);
  ASSERT_TRUE(h.CheckAndRecord(Tier::kRegistered, Range(kN, 0, 100)).ok());  // 4 words
  Status s = h.CheckAndRecord(Tier::kRegistered, Range(kN - 64, 0, 100));    // 3 words
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(s.message(), "3 words")) << s.message();
  EXPECT_TRUE(Contains(s.message(), "one history per genotype store")) << s.message();
  EXPECT_EQ(h.size(), 1u);
}

TEST(CohortHistoryTest, OldestCohortIsForgottenAtTheLimit) {
  PrivacyPolicy p;
  p.history_limit = 2;
  CohortHistory h(p);
  const SampleMask a = Range(kN, 0, 50), b = Range(kN, 50, 100), c = Range(kN, 100, 150);
  ASSERT_TRUE(h.CheckAndRecord(Tier::kRegistered, a).ok());
  ASSERT_TRUE(h.CheckAndRecord(Tier::kRegistered, b).ok());
  ASSERT_TRUE(h.CheckAndRecord(Tier::kRegistered, c).ok());
  EXPECT_EQ(h.size(), 2u);
  // b is remembered (the refused cohort is not recorded), a is forgotten.
  EXPECT_FALSE(h.CheckAndRecord(Tier::kRegistered, Without(b, {50})).ok());
  EXPECT_TRUE(h.CheckAndRecord(Tier::kRegistered, Without(a, {0})).ok());
}

TEST(CohortHistoryTest, AskingAgainMakesACohortRecent) {
  PrivacyPolicy p;
  p.history_limit = 2;
  CohortHistory h(p);
  const SampleMask a = Range(kN, 0, 50), b = Range(kN, 50, 100), c = Range(kN, 100, 150);
  ASSERT_TRUE(h.CheckAndRecord(Tier::kRegistered, a).ok());
  ASSERT_TRUE(h.CheckAndRecord(Tier::kRegistered, b).ok());
  ASSERT_TRUE(h.CheckAndRecord(Tier::kRegistered, a).ok());  // a is now the most recent
  ASSERT_TRUE(h.CheckAndRecord(Tier::kRegistered, c).ok());  // so b goes
  EXPECT_FALSE(h.CheckAndRecord(Tier::kRegistered, Without(a, {0})).ok());
  EXPECT_TRUE(h.CheckAndRecord(Tier::kRegistered, Without(b, {50})).ok());
}

TEST(CohortHistoryTest, MinDifferenceZeroTurnsTheCheckOff) {
  PrivacyPolicy p;
  p.min_difference = 0;
  CohortHistory h(p);
  const SampleMask a = Range(kN, 0, 100);
  EXPECT_TRUE(h.CheckAndRecord(Tier::kRegistered, a).ok());
  EXPECT_TRUE(h.CheckAndRecord(Tier::kRegistered, Without(a, {0})).ok());
  EXPECT_EQ(h.size(), 0u);
}

TEST(CohortHistoryTest, HistoryLimitZeroRemembersNothing) {
  PrivacyPolicy p;
  p.history_limit = 0;
  CohortHistory h(p);
  const SampleMask a = Range(kN, 0, 100);
  EXPECT_TRUE(h.CheckAndRecord(Tier::kRegistered, a).ok());
  EXPECT_TRUE(h.CheckAndRecord(Tier::kRegistered, Without(a, {0})).ok());
  EXPECT_EQ(h.size(), 0u);
}

TEST(CohortHistoryTest, ConcurrentCallersShareOneHistory) {
  PrivacyPolicy p;
  CohortHistory h(p);
  // Four callers, 50 disjoint-size cohorts each, all far apart: 0..k*10 for distinct k.
  std::vector<std::thread> threads;
  for (size_t t = 0; t < 4; ++t) {
    threads.emplace_back([&h, t] {
      for (size_t k = 0; k < 5; ++k) {
        const size_t end = 10 * (1 + t * 5 + k);  // 10, 20, ..., 200
        EXPECT_TRUE(h.CheckAndRecord(Tier::kRegistered, Range(kN, 0, end)).ok());
        EXPECT_TRUE(h.CheckAndRecord(Tier::kRegistered, Range(kN, 0, end)).ok());
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(h.size(), 20u);
}

}  // namespace
}  // namespace renkei
