// Tracker attacks (Denning 1979) on a real genotype store: an attacker who knows a target's
// age band, sex and prefecture, but may not name samples, differences exact answers for
// attribute cohorts to read off the target's genotype at every site. Without the guard the
// attack must succeed (so the test is not vacuous); through the registered-tier path of a node
// (CohortHistory before answering, GuardSite on the answer) it must fail.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cohort/cohort.h"
#include "cohort/sample_mask.h"
#include "cohort/vocab.h"
#include "freq/freq.h"
#include "privacy/guard.h"
#include "sim/simulate.h"
#include "store/ingest.h"
#include "store/store.h"

namespace renkei {
namespace {

namespace fs = std::filesystem;

// The registered-tier path of a node: the history decides whether a cohort is answered, the
// guard what each answer shows. As in the node, a cohort below the floor is answered with
// everything withheld and is not remembered (it reveals nothing).
class GuardedEngine {
 public:
  GuardedEngine(const GenotypeStore& store, const PrivacyPolicy& policy)
      : store_(store), policy_(policy), history_(policy) {}

  Result<std::vector<GuardedSite>> Ask(const SampleMask& cohort) {
    if (CountBits(cohort) >= policy_.floor) {
      RETURN_IF_ERROR(history_.CheckAndRecord(Tier::kRegistered, cohort));
    }
    std::vector<GuardedSite> answer;
    for (size_t v = 0; v < store_.num_variants(); ++v) {
      ASSIGN_OR_RETURN(SiteCounts exact, CountCohort(store_, v, cohort));
      answer.push_back(GuardSite(policy_, Tier::kRegistered, exact));
    }
    return answer;
  }

 private:
  const GenotypeStore& store_;
  PrivacyPolicy policy_;
  CohortHistory history_;
};

// What the attacker computes per site: a signed sum of answers (+1 / -1 per answer).
struct Term {
  int sign;
  const std::vector<SiteCounts>* answer;
};
struct GuardedTerm {
  int sign;
  const std::vector<GuardedSite>* answer;
};

// The attacker's estimate of the target's counts at site v from exact answers.
SiteCounts Combine(const std::vector<Term>& terms, size_t v) {
  int64_t an = 0;
  std::vector<std::array<int64_t, 3>> alts((*terms[0].answer)[v].alts.size());
  for (const Term& t : terms) {
    const SiteCounts& s = (*t.answer)[v];
    an += t.sign * static_cast<int64_t>(s.an);
    for (size_t a = 0; a < alts.size(); ++a) {
      alts[a][0] += t.sign * static_cast<int64_t>(s.alts[a].ac_het);
      alts[a][1] += t.sign * static_cast<int64_t>(s.alts[a].ac_hom);
      alts[a][2] += t.sign * static_cast<int64_t>(s.alts[a].ac_hemi);
    }
  }
  SiteCounts out;
  out.an = static_cast<uint32_t>(an);
  for (const auto& a : alts) {
    out.alts.push_back(
        {static_cast<uint32_t>(a[0]), static_cast<uint32_t>(a[1]), static_cast<uint32_t>(a[2])});
  }
  return out;
}

// The attacker's estimate of the target's AC of ALT a at site v from guarded answers, or
// nullopt when a value it needs is withheld.
std::optional<int64_t> CombineAc(const std::vector<GuardedTerm>& terms, size_t v, size_t a) {
  int64_t ac = 0;
  for (const GuardedTerm& t : terms) {
    const GuardedValue& value = (*t.answer)[v].alts[a].ac;
    if (value.withheld) return std::nullopt;
    ac += t.sign * static_cast<int64_t>(value.value);
  }
  return ac;
}

// Samples that no signed sum of answers for `answered` can tell apart from sample t: those
// in exactly the same answered cohorts. Every such sum is constant on these cells, so
// whatever the attacker derives about t is a total over at least this many people.
size_t CellOf(const std::vector<SampleMask>& answered, size_t t, size_t n) {
  size_t same = 0;
  for (size_t j = 0; j < n; ++j) {
    bool equal = true;
    for (const SampleMask& m : answered) equal = equal && TestBit(m, j) == TestBit(m, t);
    same += equal ? 1 : 0;
  }
  return same;
}

// A target and the attribute cohorts that isolate it.
struct Target {
  size_t index = 0;
  std::string base;        // attribute cohort holding the target, e.g. "age=70-79 & sex=male"
  std::string prefecture;  // 2-digit code; the target is the only one of `base` living there
  std::string other_side;  // attribute cohort disjoint from `base`, e.g. "sex!=male"
};

class TrackerAttackTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("renkei-privacy-attack-" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_);
    SimOptions sim;
    sim.site = "TMM";
    sim.samples = 400;
    sim.variants = 300;
    sim.seed = 11;
    sim.out_dir = (*dir_ / "sim").string();
    sim.threads = 1;
    sim.show_progress = false;
    Status simulated = Simulate(sim);
    ASSERT_TRUE(simulated.ok()) << simulated.ToString();
    IngestOptions ingest;
    ingest.vcf_path = (*dir_ / "sim" / "genotypes.bcf").string();
    ingest.samples_path = (*dir_ / "sim" / "samples.tsv").string();
    ingest.out_dir = (*dir_ / "store").string();
    ingest.show_progress = false;
    Result<IngestReport> report = Ingest(ingest);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    Result<GenotypeStore> store = GenotypeStore::Open(ingest.out_dir);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = new GenotypeStore(std::move(store).value());
  }

  static void TearDownTestSuite() {
    delete store_;
    store_ = nullptr;
    if (dir_ != nullptr) fs::remove_all(*dir_);
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(store_, nullptr) << "the simulated store could not be built";
    const std::optional<Target> target = FindTarget();
    ASSERT_TRUE(target.has_value()) << "no sample is isolated by its attributes";
    target_ = *target;
    RecordProperty("target", store_->samples()[target_.index].id + " in " + target_.base +
                                 ", prefecture " + target_.prefecture);
    target_mask_ = EmptyMask(store_->num_samples());
    SetBit(target_mask_, target_.index);
  }

  static SampleMask Eval(const std::string& expr) {
    Result<Cohort> cohort = Cohort::Parse(expr);
    EXPECT_TRUE(cohort.ok()) << expr << ": " << cohort.status().ToString();
    if (!cohort.ok()) return {};
    Result<std::vector<uint64_t>> mask = cohort->Evaluate(store_->samples());
    EXPECT_TRUE(mask.ok()) << expr << ": " << mask.status().ToString();
    return mask.ok() ? *mask : SampleMask{};
  }

  // Searches the metadata, as the attacker would with public facet counts, for a sample that
  // is the only one of its base cohort (age band and sex, else age band) in its prefecture,
  // with a base cohort large enough that every answer the attack needs is above the floor.
  static std::optional<Target> FindTarget() {
    const SampleTable& samples = store_->samples();
    const PrivacyPolicy policy;
    for (bool with_sex : {true, false}) {
      for (size_t t = 0; t < samples.size(); ++t) {
        const Sample& s = samples[t];
        auto in_base = [&](const Sample& o) {
          return o.age_band == s.age_band && (!with_sex || o.sex == s.sex);
        };
        size_t base = 0, same_prefecture = 0;
        for (const Sample& o : samples.samples()) {
          if (!in_base(o)) continue;
          ++base;
          if (o.prefecture == s.prefecture) ++same_prefecture;
        }
        if (same_prefecture != 1 || base < 2 * policy.floor) continue;
        Target target;
        target.index = t;
        target.base = "age=" + std::string(AgeBandName(s.age_band));
        target.other_side = "age!=" + std::string(AgeBandName(s.age_band));
        if (with_sex) {
          target.base += " & sex=" + std::string(SexName(s.sex));
          target.other_side = "sex!=" + std::string(SexName(s.sex));
        }
        target.prefecture = (s.prefecture < 10 ? "0" : "") + std::to_string(s.prefecture);
        return target;
      }
    }
    return std::nullopt;
  }

  static std::vector<SiteCounts> RawAnswer(const SampleMask& cohort) {
    std::vector<SiteCounts> answer;
    for (size_t v = 0; v < store_->num_variants(); ++v) {
      Result<SiteCounts> counts = CountCohort(*store_, v, cohort);
      EXPECT_TRUE(counts.ok()) << counts.status().ToString();
      answer.push_back(counts.ok() ? *counts : SiteCounts{});
    }
    return answer;
  }

  // Checks that `terms` give the target's exact genotype at every site; returns the number of
  // sites where the target carries an ALT allele (to show the test is not vacuous).
  void ExpectRecovered(const std::vector<Term>& terms) {
    const std::vector<SiteCounts> truth = RawAnswer(target_mask_);
    size_t wrong = 0, carried = 0;
    for (size_t v = 0; v < truth.size(); ++v) {
      const SiteCounts got = Combine(terms, v);
      if (got.an != truth[v].an || got.alts != truth[v].alts) ++wrong;
      for (const AltCounts& a : truth[v].alts) carried += a.ac() > 0 ? 1 : 0;
    }
    EXPECT_EQ(wrong, 0u) << "of " << truth.size() << " sites";
    EXPECT_GT(carried, 10u) << "the target carries too few ALT alleles for a meaningful test";
  }

  // Counts the sites where the guarded answers give the target's AC for every ALT.
  size_t SitesRecovered(const std::vector<GuardedTerm>& terms) {
    const std::vector<SiteCounts> truth = RawAnswer(target_mask_);
    size_t recovered = 0;
    for (size_t v = 0; v < truth.size(); ++v) {
      bool all = true;
      for (size_t a = 0; a < truth[v].alts.size(); ++a) {
        const std::optional<int64_t> ac = CombineAc(terms, v, a);
        all = all && ac.has_value() && *ac == truth[v].alts[a].ac();
      }
      recovered += all ? 1 : 0;
    }
    return recovered;
  }

  // The isolating pair: C1 = base, C2 = base & prefecture != P; C1 \ C2 = {target}.
  std::string C1() const { return target_.base; }
  std::string C2() const { return target_.base + " & prefecture!=" + target_.prefecture; }
  // The chain: A = base, B = prefecture=P | other side (disjoint from base), so A ∩ B =
  // {target} while A, B and A ∪ B are all large and far apart; AC(A) + AC(B) − AC(A ∪ B).
  std::string ChainA() const { return target_.base; }
  std::string ChainB() const {
    return "prefecture=" + target_.prefecture + " | " + target_.other_side;
  }
  std::string ChainUnion() const { return "(" + ChainA() + ") | " + ChainB(); }

  static fs::path* dir_;
  static GenotypeStore* store_;
  Target target_;
  SampleMask target_mask_;
  PrivacyPolicy policy_;
};

fs::path* TrackerAttackTest::dir_ = nullptr;
GenotypeStore* TrackerAttackTest::store_ = nullptr;

TEST_F(TrackerAttackTest, IsolatingPairRecoversGenotypeWithoutGuard) {
  const SampleMask c1 = Eval(C1()), c2 = Eval(C2());
  SampleMask diff = c1;
  for (size_t i = 0; i < diff.size(); ++i) diff[i] ^= c2[i];
  ASSERT_EQ(diff, target_mask_) << C1() << " vs " << C2();
  ASSERT_GE(CountBits(c2), policy_.floor);

  const std::vector<SiteCounts> a1 = RawAnswer(c1), a2 = RawAnswer(c2);
  ExpectRecovered({{+1, &a1}, {-1, &a2}});
}

TEST_F(TrackerAttackTest, IsolatingPairIsRefusedByGuard) {
  const SampleMask c1 = Eval(C1()), c2 = Eval(C2());
  for (bool c1_first : {true, false}) {
    GuardedEngine engine(*store_, policy_);
    Result<std::vector<GuardedSite>> first = engine.Ask(c1_first ? c1 : c2);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    Result<std::vector<GuardedSite>> second = engine.Ask(c1_first ? c2 : c1);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(second.status().message().find("differs from an earlier answered cohort by 1 "
                                             "sample;"),
              std::string::npos)
        << second.status().message();
    // The answer given is useful (common alleles shown) yet mixes the target with the rest
    // of its cohort: no sum of it singles the target out.
    size_t shown = 0;
    for (const GuardedSite& s : *first) shown += s.alts.empty() || s.alts[0].ac.withheld ? 0 : 1;
    EXPECT_GT(shown, 0u);
    EXPECT_GE(CellOf({c1_first ? c1 : c2}, target_.index, store_->num_samples()),
              policy_.min_difference);
    EXPECT_EQ(SitesRecovered({{+1, &*first}}), 0u);
  }
}

TEST_F(TrackerAttackTest, InclusionExclusionChainRecoversGenotypeWithoutGuard) {
  const SampleMask a = Eval(ChainA()), b = Eval(ChainB()), u = Eval(ChainUnion());
  SampleMask both = a;
  AndInPlace(both, b);
  ASSERT_EQ(both, target_mask_) << ChainA() << " and " << ChainB();
  // Far apart pairwise: a check on symmetric differences alone lets all three through.
  for (const auto& [x, y] : {std::pair{&a, &b}, std::pair{&a, &u}, std::pair{&b, &u}}) {
    size_t differ = 0;
    for (size_t i = 0; i < x->size(); ++i) {
      differ += static_cast<size_t>(std::popcount((*x)[i] ^ (*y)[i]));
    }
    EXPECT_GE(differ, policy_.min_difference);
  }

  const std::vector<SiteCounts> ra = RawAnswer(a), rb = RawAnswer(b), ru = RawAnswer(u);
  ExpectRecovered({{+1, &ra}, {+1, &rb}, {-1, &ru}});
}

TEST_F(TrackerAttackTest, InclusionExclusionChainIsRefusedByGuard) {
  const std::vector<SampleMask> cohorts = {Eval(ChainUnion()), Eval(ChainA()), Eval(ChainB())};
  std::array<size_t, 3> order = {0, 1, 2};
  do {  // every order the attacker might ask in
    GuardedEngine engine(*store_, policy_);
    std::vector<std::optional<std::vector<GuardedSite>>> answers(3);
    std::vector<SampleMask> answered;
    int refused = 0;
    for (size_t q : order) {
      Result<std::vector<GuardedSite>> answer = engine.Ask(cohorts[q]);
      if (answer.ok()) {
        answers[q] = std::move(answer).value();
        answered.push_back(cohorts[q]);
      } else {
        ++refused;
        EXPECT_EQ(answer.status().code(), StatusCode::kFailedPrecondition);
        EXPECT_NE(answer.status().message().find("shares 1 sample with an earlier answered"),
                  std::string::npos)
            << answer.status().message();
      }
    }
    SCOPED_TRACE("order " + std::to_string(order[0]) + std::to_string(order[1]) +
                 std::to_string(order[2]));
    // A and B never both: the one asked second is refused, the union is answered.
    EXPECT_EQ(refused, 1);
    EXPECT_TRUE(answers[0].has_value());
    EXPECT_FALSE(answers[1].has_value() && answers[2].has_value());
    // What was answered mixes the target with at least min_difference people in any sum.
    EXPECT_GE(CellOf(answered, target_.index, store_->num_samples()), policy_.min_difference);
  } while (std::next_permutation(order.begin(), order.end()));
}

TEST_F(TrackerAttackTest, TargetsOwnCellIsBelowFloorAndFullyWithheld) {
  const std::string cell = target_.base + " & prefecture=" + target_.prefecture;
  const SampleMask m = Eval(cell);
  ASSERT_EQ(m, target_mask_) << cell;
  GuardedEngine engine(*store_, policy_);
  Result<std::vector<GuardedSite>> answer = engine.Ask(m);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  ASSERT_EQ(answer->size(), store_->num_variants());
  const GuardedValue w = GuardedValue::Withheld();
  for (const GuardedSite& s : *answer) {
    EXPECT_EQ(s.cohort_size, w);
    EXPECT_EQ(s.ns, w);
    EXPECT_EQ(s.an, w);
    for (const GuardedAlt& a : s.alts) EXPECT_EQ(a, (GuardedAlt{w, w, w, w}));
  }
}

}  // namespace
}  // namespace renkei
