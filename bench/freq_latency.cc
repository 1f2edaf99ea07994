// In-process latency of the frequency engine on an existing store, and the machine's memory
// read bandwidth for the per-core cost comparison. Prints one TSV line per measurement:
//   measurement  median_ms  min_ms  runs  detail
// Usage: freq_latency STORE [COHORT]
#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "cohort/cohort.h"
#include "freq/freq.h"
#include "store/store.h"

namespace {

using Clock = std::chrono::steady_clock;

template <typename Fn>
void Measure(const char* name, int runs, const std::string& detail, Fn fn) {
  std::vector<double> ms;
  for (int r = 0; r < runs; ++r) {
    auto t0 = Clock::now();
    fn(r);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  std::printf("%s\t%.4f\t%.4f\t%d\t%s\n", name, ms[ms.size() / 2], ms[0], runs, detail.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  using namespace renkei;
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s STORE [COHORT]\n", argv[0]);
    return 2;
  }
  auto store = GenotypeStore::Open(argv[1]);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  const std::string cohort_text = argc > 2 ? argv[2] : "age=60-69 & sex=male & region=kanto";
  std::mt19937_64 rng(1);
  const size_t n = store->num_variants();

  // Memory read bandwidth, one core: sum a 1 GiB buffer.
  {
    std::vector<uint64_t> buf((1u << 30) / 8);
    std::iota(buf.begin(), buf.end(), 0);
    volatile uint64_t sink = 0;
    Measure("memory_read_1GiB_one_core", 5, "bytes=1073741824", [&](int) {
      uint64_t s = 0;
      for (uint64_t v : buf) s += v;
      sink = sink + s;
    });
  }

  // One variant, cohort parsed and evaluated each time (as a request would).
  Measure("one_variant_with_cohort", 201, cohort_text, [&](int) {
    size_t i = rng() % n;
    auto cohort = Cohort::Parse(cohort_text);
    auto mask = cohort->Evaluate(store->samples());
    auto c = CountCohort(*store, i, *mask);
    if (!c.ok()) std::abort();
  });

  // A 1 Mb region for the same cohort, counts for every site.
  size_t total_sites = 0;
  Measure("region_1Mb_with_cohort", 101, cohort_text, [&](int) {
    size_t i = rng() % n;
    VariantView v = store->Variant(i);
    auto range = store->FindRegion(v.contig, v.pos, v.pos + 1000000);
    auto cohort = Cohort::Parse(cohort_text);
    auto mask = cohort->Evaluate(store->samples());
    SiteCounts c;
    CountingMask cohort_mask(*mask, store->num_samples());
    for (size_t k = range->first; k < range->second; ++k) {
      if (!store->Count(k, &cohort_mask, &c).ok()) std::abort();
    }
    total_sites += range->second - range->first;
  });
  std::printf("region_1Mb_mean_sites\t%.1f\t\t\t\n", static_cast<double>(total_sites) / 101.0);

  // Whole store, counting only (no formatting), one thread: the per-core engine cost.
  std::vector<uint64_t> third_bits((store->num_samples() + 63) / 64, 0);
  for (uint32_t s = 0; s < store->num_samples(); ++s) {
    if (rng() % 3 == 0) third_bits[s / 64] |= 1ull << (s % 64);
  }
  CountingMask third(third_bits, store->num_samples());
  Measure("whole_store_count_one_core_random_third", 5, "variants=" + std::to_string(n), [&](int) {
    SiteCounts c;
    for (size_t k = 0; k < n; ++k) {
      if (!store->Count(k, &third, &c).ok()) std::abort();
    }
  });
  return 0;
}
