#include "sim/genotypes.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>

#include "sim/random.h"

namespace renkei {
namespace {

struct ContigSpec {
  const char* name;
  int64_t length;
  double weight;  // relative variant density
};

// GRCh38 lengths. chrX has ~3/4 of the autosomal diversity; chrY is mostly uncallable.
constexpr std::array<ContigSpec, 24> kGrch38 = {{
    {"chr1", 248956422, 1},  {"chr2", 242193529, 1},    {"chr3", 198295559, 1},
    {"chr4", 190214555, 1},  {"chr5", 181538259, 1},    {"chr6", 170805979, 1},
    {"chr7", 159345973, 1},  {"chr8", 145138636, 1},    {"chr9", 138394717, 1},
    {"chr10", 133797422, 1}, {"chr11", 135086622, 1},   {"chr12", 133275309, 1},
    {"chr13", 114364328, 1}, {"chr14", 107043718, 1},   {"chr15", 101991189, 1},
    {"chr16", 90338345, 1},  {"chr17", 83257441, 1},    {"chr18", 80373285, 1},
    {"chr19", 58617616, 1},  {"chr20", 64444167, 1},    {"chr21", 46709983, 1},
    {"chr22", 50818468, 1},  {"chrX", 156040895, 0.75}, {"chrY", 57227415, 0.02},
}};
constexpr size_t kChrX = 22;
constexpr size_t kChrY = 23;

// Model constants (see README.md).
constexpr double kFounderSiteShare = 0.30;  // sites copied from the founder pool
constexpr double kMultiallelicShare = 0.02;
constexpr double kIndelShare = 0.10;
constexpr double kRelatedCarrierShare = 0.75;  // extra carriers found among same-founder copies
constexpr double kPhasedHetRate = 0.05;        // heterozygous calls written phased
constexpr double kHalfMissingRate = 3e-5;      // diploid calls written 0/.
constexpr double kTransitionShare = 2.0 / 3.0;
constexpr char kBases[4] = {'A', 'C', 'G', 'T'};

// Ploidy of a stretch of genome by sex (named so as not to clash with the prefecture Region).
enum class Ploidy { kDiploid, kXHaploidMales, kY };

// Draws from a truncated power law P(k) ∝ k^-2 over 1..kmax by a cumulative table.
class CarrierCount {
 public:
  explicit CarrierCount(uint32_t kmax) {
    double total = 0;
    for (uint32_t k = 1; k <= kmax; ++k) {
      total += 1.0 / (static_cast<double>(k) * k);
      cum_.push_back(total);
    }
    for (double& c : cum_) c /= total;
  }
  uint32_t Draw(Rng& rng) const {
    const double u = rng.Uniform();
    return static_cast<uint32_t>(std::upper_bound(cum_.begin(), cum_.end(), u) - cum_.begin()) + 1;
  }

 private:
  std::vector<double> cum_;
};

// Number of trials before the next success of a Bernoulli(p) process, via Exp/-log(1-p).
class Geometric {
 public:
  explicit Geometric(double p) : scale_(p > 0 ? -1.0 / std::log1p(-std::min(p, 0.999)) : 0) {}
  int64_t Draw(Rng& rng) const {
    if (scale_ == 0) return std::numeric_limits<int64_t>::max() / 4;
    return static_cast<int64_t>(rng.Exponential() * scale_);
  }

 private:
  double scale_;
};

}  // namespace

std::vector<VcfContig> Grch38Contigs(bool with_y) {
  std::vector<VcfContig> out;
  for (size_t i = 0; i < kGrch38.size(); ++i) {
    if (i == kChrY && !with_y) continue;
    out.push_back({kGrch38[i].name, kGrch38[i].length});
  }
  return out;
}

struct GenotypeSimulator::State {
  GenomeOptions genome;
  uint64_t sample_seed = 0;
  std::vector<VcfContig> contigs;
  std::vector<uint32_t> per_contig;  // sites per contig
  uint32_t n_samples = 0;
  uint32_t n_haps = 0;
  uint32_t k = 0;  // founders
  double segment_bp = 0;
  double block_bp = 0;
  std::vector<uint32_t> males;
  std::vector<uint32_t> females;
  std::vector<uint8_t> active_x;  // haplotypes that exist outside the chrX PARs
  std::vector<uint8_t> active_y;  // haplotypes that exist on chrY
  CarrierCount carrier_count{3};
  Geometric phase_gap{kPhasedHetRate};
  Geometric half_missing_gap{kHalfMissingRate};
  SimCounts counts;

  // Current contig.
  int32_t contig = -1;
  int64_t contig_begin = 0;
  int64_t contig_end = 0;
  std::vector<int64_t> positions;
  size_t next_index = 0;
  Rng layout_rng{0};
  Rng sample_rng{0};
  int64_t block_end = 0;
  int64_t phase_skip = 0;
  int64_t half_missing_skip = 0;

  // Local genealogy of the founders (nodes 0..k-1 are leaves, the last node is the root).
  std::vector<double> node_time;
  std::vector<uint32_t> left, right, size, lo;
  std::vector<uint32_t> leaf_order;
  std::vector<double> branch_cum;

  // Mosaic state per sample haplotype.
  std::vector<uint16_t> founder_of;
  std::vector<int64_t> next_switch;

  // Per-site buffers.
  std::vector<uint8_t> founder_allele;
  std::vector<uint8_t> haps;
  std::vector<int32_t> gt;

  bool StartContig(int32_t c);
  void BuildTree();
  void Advance(uint32_t h, int64_t pos) {
    while (pos >= next_switch[h]) {
      founder_of[h] = static_cast<uint16_t>(sample_rng.Below(k));
      next_switch[h] += 1 + static_cast<int64_t>(sample_rng.Exponential() * segment_bp);
    }
  }
  void MakeAlleles(SimSite* site, int n_alts, int64_t gap);
  bool PickCarrier(const uint8_t* active, uint32_t* out);
  void PlaceNewMutation(const uint8_t* active, uint8_t allele, int64_t pos, bool related);
  void Encode(Ploidy ploidy, double missing_rate);
};

void GenotypeSimulator::State::BuildTree() {
  const uint32_t nodes = 2 * k - 1;
  node_time.assign(nodes, 0.0);
  left.assign(nodes, 0);
  right.assign(nodes, 0);
  size.assign(nodes, 1);
  lo.assign(nodes, 0);
  std::vector<uint32_t> lineages(k);
  for (uint32_t i = 0; i < k; ++i) lineages[i] = i;
  double t = 0;
  uint32_t next = k;
  for (uint32_t n = k; n >= 2; --n) {
    t += layout_rng.Exponential() / (static_cast<double>(n) * (n - 1) / 2);
    const uint32_t i = layout_rng.Below(n);
    uint32_t j = layout_rng.Below(n - 1);
    if (j >= i) ++j;
    const uint32_t node = next++;
    left[node] = lineages[i];
    right[node] = lineages[j];
    node_time[node] = t;
    size[node] = size[left[node]] + size[right[node]];
    lineages[i] = node;
    lineages[j] = lineages[n - 1];
  }
  // Children always have smaller ids than parents, so walking down from the root assigns each
  // subtree a contiguous range of leaf_order.
  const uint32_t root = nodes - 1;
  lo[root] = 0;
  leaf_order.assign(k, 0);
  for (uint32_t node = root + 1; node-- > 0;) {
    if (node < k) {
      leaf_order[lo[node]] = node;
      continue;
    }
    lo[left[node]] = lo[node];
    lo[right[node]] = lo[node] + size[left[node]];
  }
  branch_cum.assign(root, 0.0);
  std::vector<double> parent_time(nodes, 0.0);
  for (uint32_t node = k; node < nodes; ++node) {
    parent_time[left[node]] = node_time[node];
    parent_time[right[node]] = node_time[node];
  }
  double total = 0;
  for (uint32_t node = 0; node < root; ++node) {
    total += parent_time[node] - node_time[node];
    branch_cum[node] = total;
  }
}

bool GenotypeSimulator::State::StartContig(int32_t c) {
  contig = c;
  // contigs() is kGrch38 in order, possibly without its last entry (chrY).
  const auto spec_index = static_cast<size_t>(c);
  const ContigSpec& spec = kGrch38[spec_index];
  if (spec_index == kChrY) {
    contig_begin = kChrXNonParBegin;  // chrY PAR1 ends at the same coordinate as on chrX
    contig_end = 56887902;
  } else {
    contig_begin = 10001;
    contig_end = spec.length - 10000;
  }
  layout_rng = Rng(MixSeed(genome.seed, HashLabel("layout") + static_cast<uint64_t>(c)));
  sample_rng = Rng(MixSeed(sample_seed, HashLabel("haplotypes") + static_cast<uint64_t>(c)));

  // Sorted distinct positions: normalised cumulative exponential gaps, plus the rank.
  const uint32_t n = per_contig[c];
  positions.resize(n);
  next_index = 0;
  if (n > 0) {
    std::vector<double> cum(n + 1);
    double total = 0;
    for (uint32_t i = 0; i <= n; ++i) {
      total += layout_rng.Exponential() + 1e-9;
      cum[i] = total;
    }
    const auto room = static_cast<double>(contig_end - contig_begin + 1 - n);
    for (uint32_t i = 0; i < n; ++i) {
      positions[i] = contig_begin + i + static_cast<int64_t>(std::floor(cum[i] / total * room));
    }
  }
  block_end = 0;

  const bool is_y = spec_index == kChrY;
  for (uint32_t h = 0; h < n_haps; ++h) {
    founder_of[h] = static_cast<uint16_t>(sample_rng.Below(k));
    next_switch[h] =
        is_y ? std::numeric_limits<int64_t>::max()
             : contig_begin + static_cast<int64_t>(sample_rng.Exponential() * segment_bp);
  }
  phase_skip = phase_gap.Draw(sample_rng);
  half_missing_skip = half_missing_gap.Draw(sample_rng);
  return n > 0;
}

void GenotypeSimulator::State::MakeAlleles(SimSite* site, int n_alts, int64_t gap) {
  Rng& rng = layout_rng;
  const uint32_t ref_base = rng.Below(4);
  site->alts.resize(static_cast<size_t>(n_alts));
  const bool indel = rng.Bernoulli(n_alts > 1 ? 0.4 : kIndelShare);
  if (indel && n_alts > 1) {
    // Short tandem repeat: REF = anchor + unit×r, ALTs with other repeat counts.
    const uint32_t unit_len = 1 + rng.Below(3);
    const uint32_t repeats = 2 + rng.Below(4);
    if (1 + static_cast<int64_t>(unit_len * repeats) <= gap) {
      std::string unit;
      for (uint32_t i = 0; i < unit_len; ++i) unit += kBases[rng.Below(4)];
      site->ref.assign(1, kBases[ref_base]);
      for (uint32_t r = 0; r < repeats; ++r) site->ref += unit;
      const std::array<int, 3> repeat_counts = {static_cast<int>(repeats) - 1,
                                                static_cast<int>(repeats) + 1,
                                                static_cast<int>(repeats) - 2};
      for (int a = 0; a < n_alts; ++a) {
        std::string& alt = site->alts[static_cast<size_t>(a)];
        alt.assign(1, kBases[ref_base]);
        for (int r = 0; r < repeat_counts[static_cast<size_t>(a)]; ++r) alt += unit;
      }
      ++counts.indel_sites;
      return;
    }
  }
  if (indel && n_alts == 1) {
    uint32_t len = 1;
    while (len < 20 && rng.Bernoulli(0.45)) ++len;
    std::string extra;
    for (uint32_t i = 0; i < len; ++i) extra += kBases[rng.Below(4)];
    const bool deletion = rng.Bernoulli(0.55) && gap > 1;
    if (deletion) extra.resize(std::min<size_t>(extra.size(), static_cast<size_t>(gap - 1)));
    site->ref.assign(1, kBases[ref_base]);
    site->alts[0].assign(1, kBases[ref_base]);
    (deletion ? site->ref : site->alts[0]) += extra;
    ++counts.indel_sites;
    return;
  }
  // SNV: the first ALT is a transition two times in three; further ALTs are the other bases.
  site->ref.assign(1, kBases[ref_base]);
  std::array<uint32_t, 3> others;
  const bool transition = rng.Bernoulli(kTransitionShare);
  others[0] = ref_base ^ (transition ? 2u : (rng.Bernoulli(0.5) ? 1u : 3u));
  uint32_t fill = 1;
  for (uint32_t b = 0; b < 4; ++b) {
    if (b != ref_base && b != others[0]) others[fill++] = b;
  }
  if (rng.Bernoulli(0.5)) std::swap(others[1], others[2]);
  for (int a = 0; a < n_alts; ++a) {
    site->alts[static_cast<size_t>(a)].assign(1, kBases[others[static_cast<size_t>(a)]]);
  }
}

bool GenotypeSimulator::State::PickCarrier(const uint8_t* active, uint32_t* out) {
  for (int attempt = 0; attempt < 2000; ++attempt) {
    const uint32_t h = sample_rng.Below(n_haps);
    if ((active == nullptr || active[h] != 0) && haps[h] == 0) {
      *out = h;
      return true;
    }
  }
  return false;
}

void GenotypeSimulator::State::PlaceNewMutation(const uint8_t* active, uint8_t allele, int64_t pos,
                                                bool related) {
  const uint32_t want = carrier_count.Draw(sample_rng);
  uint32_t first = 0;
  if (!PickCarrier(active, &first)) return;
  haps[first] = allele;
  Advance(first, pos);
  const uint16_t founder = founder_of[first];
  for (uint32_t c = 1; c < want; ++c) {
    uint32_t h = 0;
    bool found = false;
    if (related && sample_rng.Bernoulli(kRelatedCarrierShare)) {
      // Rejection sampling for a haplotype copying the same founder here: ~k tries on average.
      for (uint32_t attempt = 0; attempt < 16 * k && !found; ++attempt) {
        h = sample_rng.Below(n_haps);
        if ((active != nullptr && active[h] == 0) || haps[h] != 0) continue;
        Advance(h, pos);
        found = founder_of[h] == founder;
      }
    }
    if (!found && !PickCarrier(active, &h)) return;
    haps[h] = allele;
  }
}

void GenotypeSimulator::State::Encode(Ploidy ploidy, double missing_rate) {
  const uint8_t* hp = haps.data();
  int32_t* g = gt.data();
  const uint32_t n = n_samples;
  for (uint32_t i = 0; i < n; ++i) {
    const int32_t a = hp[2 * i];
    const int32_t b = hp[2 * i + 1];
    g[2 * i] = (std::min(a, b) + 1) << 1;
    g[2 * i + 1] = (std::max(a, b) + 1) << 1;
  }
  if (ploidy != Ploidy::kDiploid) {
    for (uint32_t i : males) {
      g[2 * i] = GtAllele(hp[2 * i]);
      g[2 * i + 1] = kGtVectorEnd;
    }
  }
  if (ploidy == Ploidy::kY) {
    for (uint32_t i : females) {
      g[2 * i] = kGtMissing;
      g[2 * i + 1] = kGtVectorEnd;
    }
  }
  // Phased heterozygous calls, in haplotype order (htslib keeps the phase bit on slot 2).
  int64_t i = phase_skip;
  for (; i < n; i += 1 + phase_gap.Draw(sample_rng)) {
    const auto s = static_cast<uint32_t>(i);
    if (g[2 * s + 1] == kGtVectorEnd || hp[2 * s] == hp[2 * s + 1]) continue;
    g[2 * s] = GtAllele(hp[2 * s]);
    g[2 * s + 1] = GtAllele(hp[2 * s + 1], true);
    ++counts.phased_calls;
  }
  phase_skip = i - n;
  // Missing calls at this site's rate; an absent chrY in a female is already missing.
  const Geometric missing_gap(missing_rate);
  for (int64_t m = missing_gap.Draw(sample_rng); m < n; m += 1 + missing_gap.Draw(sample_rng)) {
    const auto s = static_cast<uint32_t>(m);
    if (g[2 * s] == kGtMissing) continue;
    g[2 * s] = kGtMissing;
    if (g[2 * s + 1] != kGtVectorEnd) g[2 * s + 1] = kGtMissing;
    ++counts.missing_calls;
  }
  // Half-missing diploid calls (0/.), which some callers emit after merging.
  i = half_missing_skip;
  for (; i < n; i += 1 + half_missing_gap.Draw(sample_rng)) {
    const auto s = static_cast<uint32_t>(i);
    if (g[2 * s] == kGtMissing || g[2 * s + 1] == kGtVectorEnd) continue;
    g[2 * s + 1] = kGtMissing;
    ++counts.half_missing_calls;
  }
  half_missing_skip = i - n;
}

Result<GenotypeSimulator> GenotypeSimulator::Create(const GenomeOptions& genome,
                                                    uint64_t sample_seed,
                                                    std::span<const Sex> sexes) {
  if (sexes.empty()) return InvalidArgument("no samples to simulate");
  if (sexes.size() > (1u << 30)) return InvalidArgument("too many samples");
  if (genome.variants == 0) return InvalidArgument("no variants to simulate");
  if (genome.founders < 2 || genome.founders > 65535) {
    return InvalidArgument("founders must be 2-65535, got " + std::to_string(genome.founders));
  }
  if (!(genome.segment_kb >= 0)) return InvalidArgument("segment length must be >= 0");

  auto st = std::make_unique<State>();
  st->genome = genome;
  st->sample_seed = sample_seed;
  st->contigs = Grch38Contigs(genome.include_chr_y);
  st->n_samples = static_cast<uint32_t>(sexes.size());
  st->n_haps = 2 * st->n_samples;
  st->k = genome.founders;

  // Sites per contig by weighted length, largest remainder first.
  const size_t n_contigs = st->contigs.size();
  std::vector<double> weight(n_contigs);
  double total_weight = 0;
  double mappable = 0;
  for (size_t c = 0; c < n_contigs; ++c) {
    weight[c] = static_cast<double>(kGrch38[c].length) * kGrch38[c].weight;
    total_weight += weight[c];
    if (c <= kChrX) mappable += static_cast<double>(kGrch38[c].length);
  }
  st->per_contig.assign(n_contigs, 0);
  std::vector<std::pair<double, size_t>> remainders;
  uint64_t assigned = 0;
  for (size_t c = 0; c < n_contigs; ++c) {
    const double exact = weight[c] / total_weight * genome.variants;
    st->per_contig[c] = static_cast<uint32_t>(exact);
    assigned += st->per_contig[c];
    remainders.emplace_back(exact - std::floor(exact), c);
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t r = 0; assigned < genome.variants; ++r, ++assigned) {
    ++st->per_contig[remainders[r % n_contigs].second];
  }
  for (size_t c = 0; c < n_contigs; ++c) {
    const int64_t room = c == kChrY ? 56887902 - kChrXNonParBegin : kGrch38[c].length - 20000;
    if (st->per_contig[c] > room) {
      return InvalidArgument("too many variants for " + st->contigs[c].name);
    }
  }

  st->segment_bp = genome.segment_kb > 0
                       ? genome.segment_kb * 1000.0
                       : std::max(50e3, 25.0 * mappable / static_cast<double>(genome.variants));
  st->block_bp = 2 * st->segment_bp;

  st->active_x.assign(st->n_haps, 1);
  st->active_y.assign(st->n_haps, 0);
  for (uint32_t i = 0; i < st->n_samples; ++i) {
    switch (sexes[i]) {
      case Sex::kMale:
        st->males.push_back(i);
        st->active_x[2 * i + 1] = 0;
        st->active_y[2 * i] = 1;
        break;
      case Sex::kFemale:
        st->females.push_back(i);
        break;
      case Sex::kUnknown:
        st->active_y[2 * i] = 1;
        st->active_y[2 * i + 1] = 1;
        break;
    }
  }
  // New mutations reach at most about the frequency of one founder (2N/k copies), so that the
  // spectrum has no gap below the founder sites; at least 20 so that small simulations keep
  // the same share of singletons and doubletons (~3/4 of new mutations) as large ones.
  st->carrier_count = CarrierCount(std::max<uint32_t>(20, st->n_haps / st->k));
  st->founder_of.assign(st->n_haps, 0);
  st->next_switch.assign(st->n_haps, 0);
  st->founder_allele.assign(st->k, 0);
  st->haps.assign(st->n_haps, 0);
  st->gt.assign(st->n_haps, 0);
  return GenotypeSimulator(std::move(st));
}

GenotypeSimulator::GenotypeSimulator(std::unique_ptr<State> state) : state_(std::move(state)) {}
GenotypeSimulator::GenotypeSimulator(GenotypeSimulator&&) noexcept = default;
GenotypeSimulator& GenotypeSimulator::operator=(GenotypeSimulator&&) noexcept = default;
GenotypeSimulator::~GenotypeSimulator() = default;

const std::vector<VcfContig>& GenotypeSimulator::contigs() const { return state_->contigs; }
uint64_t GenotypeSimulator::total_sites() const { return state_->genome.variants; }
const SimCounts& GenotypeSimulator::counts() const { return state_->counts; }

bool GenotypeSimulator::Next(SimSite* site, std::span<const int32_t>* gt) {
  State& s = *state_;
  while (s.contig < 0 || s.next_index >= s.positions.size()) {
    if (s.contig + 1 >= static_cast<int32_t>(s.contigs.size())) return false;
    s.StartContig(s.contig + 1);
  }
  const int64_t pos = s.positions[s.next_index];
  const int64_t next_pos =
      s.next_index + 1 < s.positions.size() ? s.positions[s.next_index + 1] : s.contig_end + 1;
  ++s.next_index;
  const auto contig_index = static_cast<size_t>(s.contig);

  // Layout: everything here depends only on GenomeOptions.
  Rng& rng = s.layout_rng;
  if (pos >= s.block_end) {
    s.BuildTree();
    s.block_end = contig_index == kChrY
                      ? std::numeric_limits<int64_t>::max()
                      : pos + 1 + static_cast<int64_t>(rng.Exponential() * s.block_bp);
  }
  const bool multi = rng.Bernoulli(kMultiallelicShare);
  const int n_alts = multi ? (rng.Bernoulli(0.8) ? 2 : 3) : 1;
  const bool founder_class = multi || rng.Bernoulli(kFounderSiteShare);
  uint32_t branch = 0;
  if (founder_class) {
    const double u = rng.Uniform() * s.branch_cum.back();
    branch = static_cast<uint32_t>(std::upper_bound(s.branch_cum.begin(), s.branch_cum.end(), u) -
                                   s.branch_cum.begin());
    branch = std::min<uint32_t>(branch, static_cast<uint32_t>(s.branch_cum.size() - 1));
  }
  const double missing_rate =
      rng.Bernoulli(0.87) ? 0.001 + 0.007 * rng.Uniform() : std::min(0.6, 0.12 * rng.Exponential());
  site->contig = s.contig;
  site->pos = pos;
  site->founder_class = founder_class;
  site->missing_rate = missing_rate;
  s.MakeAlleles(site, n_alts, next_pos - pos);

  // Samples.
  Ploidy ploidy = Ploidy::kDiploid;
  const uint8_t* active = nullptr;
  if (contig_index == kChrX && pos >= kChrXNonParBegin && pos <= kChrXNonParEnd) {
    ploidy = Ploidy::kXHaploidMales;
    active = s.active_x.data();
  } else if (contig_index == kChrY) {
    ploidy = Ploidy::kY;
    active = s.active_y.data();
  }
  if (founder_class) {
    std::fill(s.founder_allele.begin(), s.founder_allele.end(), 0);
    const uint32_t begin = s.lo[branch];
    for (uint32_t j = begin; j < begin + s.size[branch]; ++j) {
      s.founder_allele[s.leaf_order[j]] = 1;
    }
    const uint8_t* fa = s.founder_allele.data();
    uint8_t* hp = s.haps.data();
    for (uint32_t h = 0; h < s.n_haps; ++h) {
      if (pos >= s.next_switch[h]) [[unlikely]]
        s.Advance(h, pos);
      hp[h] = fa[s.founder_of[h]];
    }
  } else {
    std::fill(s.haps.begin(), s.haps.end(), 0);
    s.PlaceNewMutation(active, 1, pos, true);
  }
  for (int a = 2; a <= n_alts; ++a) {
    s.PlaceNewMutation(active, static_cast<uint8_t>(a), pos, false);
  }
  s.Encode(ploidy, missing_rate);

  ++s.counts.sites;
  if (founder_class) ++s.counts.founder_sites;
  if (multi) ++s.counts.multiallelic_sites;
  *gt = s.gt;
  return true;
}

}  // namespace renkei
