#include "freq/strata_report.h"

#include <nlohmann/json.hpp>

#include "freq/freq.h"

namespace renkei {

Result<std::string> StrataReport(const GenotypeStore& store, const VariantSelector& variant,
                                 bool json) {
  ASSIGN_OR_RETURN(Selection sel, Select(store, variant));
  std::string out = json ? ""
                         : "attribute\tvalue\tsamples\tchrom\tpos\tid\tref\talt\tac\tan\taf\tac_"
                           "hom\tac_het\tac_hemi\tns\n";
  nlohmann::json rows = nlohmann::json::array();
  std::vector<SiteCounts> counts;
  for (const SelectedSite& site : sel.sites) {
    RETURN_IF_ERROR(store.StrataCounts(site.index, &counts));
    VariantView v = store.Variant(site.index);
    for (uint32_t a = 0; a < v.n_alts; ++a) {
      if (site.only_alt && *site.only_alt != a) continue;
      for (size_t s = 0; s < counts.size(); ++s) {
        const StratumInfo& info = store.strata()[s];
        const SiteCounts& c = counts[s];
        const AltCounts& ac = c.alts[a];
        std::string af;
        AppendAf(ac.ac(), c.an, &af);
        if (json) {
          rows.push_back({{"attribute", info.def.attribute},
                          {"value", info.def.value},
                          {"samples", info.size},
                          {"chrom", v.contig},
                          {"pos", v.pos},
                          {"id", v.id},
                          {"ref", v.ref},
                          {"alt", v.Alt(a)},
                          {"ac", ac.ac()},
                          {"an", c.an},
                          {"af", c.an ? nlohmann::json(std::stod(af)) : nlohmann::json(nullptr)},
                          {"ac_hom", ac.ac_hom},
                          {"ac_het", ac.ac_het},
                          {"ac_hemi", ac.ac_hemi},
                          {"ns", c.ns}});
        } else {
          out += info.def.attribute + "\t" + info.def.value + "\t" + std::to_string(info.size) +
                 "\t" + std::string(v.contig) + "\t" + std::to_string(v.pos) + "\t" +
                 std::string(v.id) + "\t" + std::string(v.ref) + "\t" + std::string(v.Alt(a)) +
                 "\t" + std::to_string(ac.ac()) + "\t" + std::to_string(c.an) + "\t" + af + "\t" +
                 std::to_string(ac.ac_hom) + "\t" + std::to_string(ac.ac_het) + "\t" +
                 std::to_string(ac.ac_hemi) + "\t" + std::to_string(c.ns) + "\n";
        }
      }
    }
  }
  if (json) {
    // IDs and alleles come from the VCF: replace invalid UTF-8 rather than throw.
    out = nlohmann::json{{"variant", variant.ToString()}, {"strata", rows}}.dump(
              2, ' ', false, nlohmann::json::error_handler_t::replace) +
          "\n";
  }
  return out;
}

}  // namespace renkei
