#include "store/strata_plan.h"

#include <bit>
#include <charconv>

namespace renkei {
namespace {

uint32_t PopCount(const std::vector<uint64_t>& mask) {
  uint64_t n = 0;
  for (uint64_t w : mask) n += static_cast<uint64_t>(std::popcount(w));
  return static_cast<uint32_t>(n);
}

// Indices of the strata with each attribute, attributes in order of first appearance.
std::vector<std::vector<uint32_t>> GroupByAttribute(std::span<const StratumDef> defs) {
  std::vector<std::vector<uint32_t>> groups;
  std::vector<std::string_view> names;
  for (uint32_t s = 0; s < defs.size(); ++s) {
    size_t g = 0;
    while (g < names.size() && names[g] != defs[s].attribute) ++g;
    if (g == names.size()) {
      names.push_back(defs[s].attribute);
      groups.emplace_back();
    }
    groups[g].push_back(s);
  }
  return groups;
}

}  // namespace

StrataPlan StrataPlan::Choose(std::span<const StratumDef> defs,
                              std::span<const std::vector<uint64_t>> masks, uint32_t n_samples) {
  StrataPlan plan;
  plan.entries_.resize(defs.size());
  for (size_t s = 0; s < defs.size(); ++s) {
    plan.sizes_.push_back(PopCount(masks[s]));
    if (plan.sizes_[s] == 0) plan.entries_[s].source = StratumSource::kEmpty;
  }
  // The largest stratum carries the largest numbers, so deriving it saves the most.
  for (const auto& group : GroupByAttribute(defs)) {
    uint64_t sum = 0;
    std::vector<uint64_t> all((n_samples + 63) / 64, 0);
    uint32_t largest = group[0];
    for (uint32_t s : group) {
      sum += plan.sizes_[s];
      for (size_t w = 0; w < all.size() && w < masks[s].size(); ++w) all[w] |= masks[s][w];
      if (plan.sizes_[s] > plan.sizes_[largest]) largest = s;
    }
    // Sizes adding up to the union's size means no sample is in two strata.
    if (n_samples > 0 && sum == n_samples && PopCount(all) == n_samples) {
      plan.entries_[largest].source = StratumSource::kRest;
    }
  }
  for (uint32_t s = 0; s < defs.size(); ++s) {
    if (plan.entries_[s].source != StratumSource::kStored) continue;
    for (uint32_t t = 0; t < s; ++t) {
      if (plan.entries_[t].source == StratumSource::kStored && masks[t] == masks[s]) {
        plan.entries_[s] = {StratumSource::kCopy, t, {}};
        break;
      }
    }
  }
  plan.Index(defs);
  return plan;
}

Result<StrataPlan> StrataPlan::Parse(std::span<const StratumDef> defs,
                                     std::span<const uint32_t> sizes,
                                     std::span<const std::string_view> sources,
                                     uint32_t n_samples) {
  if (defs.size() != sizes.size() || defs.size() != sources.size()) {
    return InvalidArgument("strata definitions, sizes and sources differ in number");
  }
  StrataPlan plan;
  plan.sizes_.assign(sizes.begin(), sizes.end());
  plan.entries_.resize(defs.size());
  for (uint32_t s = 0; s < defs.size(); ++s) {
    const std::string_view text = sources[s];
    Entry& e = plan.entries_[s];
    const std::string row = "stratum " + std::to_string(s) + " (" + defs[s].attribute + "=" +
                            defs[s].value + ", source '" + std::string(text) + "')";
    if (text == "stored") {
      e.source = StratumSource::kStored;
    } else if (text == "empty") {
      e.source = StratumSource::kEmpty;
      if (sizes[s] != 0) return InvalidArgument(row + ": empty but has samples");
    } else if (text == "rest") {
      e.source = StratumSource::kRest;
    } else if (text.starts_with("copy:")) {
      e.source = StratumSource::kCopy;
      const std::string_view k = text.substr(5);
      auto [end, ec] = std::from_chars(k.data(), k.data() + k.size(), e.copy_of);
      if (ec != std::errc() || end != k.data() + k.size() || k.empty() || e.copy_of >= s ||
          plan.entries_[e.copy_of].source != StratumSource::kStored ||
          sizes[e.copy_of] != sizes[s]) {
        return InvalidArgument(row + ": not a copy of an earlier stored stratum of its size");
      }
    } else {
      return InvalidArgument(row + ": unknown source");
    }
  }
  for (const auto& group : GroupByAttribute(defs)) {
    uint64_t sum = 0;
    int rests = 0;
    for (uint32_t s : group) {
      sum += sizes[s];
      rests += plan.entries_[s].source == StratumSource::kRest;
    }
    if (rests > 1 || (rests == 1 && sum != n_samples)) {
      return InvalidArgument("attribute " + defs[group[0]].attribute +
                             ": a rest stratum needs strata that partition the samples");
    }
  }
  plan.Index(defs);
  return plan;
}

void StrataPlan::Index(std::span<const StratumDef> defs) {
  stored_.clear();
  for (uint32_t s = 0; s < entries_.size(); ++s) {
    if (entries_[s].source == StratumSource::kStored) stored_.push_back(s);
  }
  for (const auto& group : GroupByAttribute(defs)) {
    for (uint32_t s : group) {
      if (entries_[s].source != StratumSource::kRest) continue;
      for (uint32_t t : group) {
        if (t != s) entries_[s].siblings.push_back(t);
      }
    }
  }
}

std::string StrataPlan::SourceText(size_t s) const {
  switch (entries_[s].source) {
    case StratumSource::kStored:
      return "stored";
    case StratumSource::kEmpty:
      return "empty";
    case StratumSource::kRest:
      return "rest";
    case StratumSource::kCopy:
      return "copy:" + std::to_string(entries_[s].copy_of);
  }
  return "";
}

bool StrataPlan::Derive(const SiteCounts& total, std::vector<SiteCounts>* out) const {
  if (out->size() != entries_.size()) return false;
  const size_t n_alts = total.alts.size();
  // Copies and empty strata first: rest strata subtract them.
  for (size_t s = 0; s < entries_.size(); ++s) {
    SiteCounts& c = (*out)[s];
    if (entries_[s].source == StratumSource::kEmpty) {
      c.Reset(n_alts);
    } else if (entries_[s].source == StratumSource::kCopy) {
      c = (*out)[entries_[s].copy_of];
    }
  }
  for (size_t s = 0; s < entries_.size(); ++s) {
    if (entries_[s].source != StratumSource::kRest) continue;
    // 64-bit sums, so that corrupt numbers cannot wrap into plausible ones.
    int64_t ns = total.ns, an = total.an;
    std::vector<int64_t> het(n_alts), hom(n_alts), hemi(n_alts);
    for (size_t a = 0; a < n_alts; ++a) {
      het[a] = total.alts[a].ac_het;
      hom[a] = total.alts[a].ac_hom;
      hemi[a] = total.alts[a].ac_hemi;
    }
    for (uint32_t t : entries_[s].siblings) {
      const SiteCounts& o = (*out)[t];
      if (o.alts.size() != n_alts) return false;
      ns -= o.ns;
      an -= o.an;
      for (size_t a = 0; a < n_alts; ++a) {
        het[a] -= o.alts[a].ac_het;
        hom[a] -= o.alts[a].ac_hom;
        hemi[a] -= o.alts[a].ac_hemi;
      }
    }
    const int64_t size = sizes_[s];
    if (ns < 0 || ns > size || an < ns || an > 2 * ns) return false;
    SiteCounts& c = (*out)[s];
    c.Reset(n_alts);
    c.cohort_size = sizes_[s];
    c.ns = static_cast<uint32_t>(ns);
    c.an = static_cast<uint32_t>(an);
    for (size_t a = 0; a < n_alts; ++a) {
      if (het[a] < 0 || hom[a] < 0 || hemi[a] < 0 || het[a] + hom[a] + hemi[a] > an) return false;
      c.alts[a] = {static_cast<uint32_t>(het[a]), static_cast<uint32_t>(hom[a]),
                   static_cast<uint32_t>(hemi[a])};
    }
  }
  return true;
}

}  // namespace renkei
