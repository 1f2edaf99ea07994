#include "federation/aggregate.h"

#include <unordered_map>

#include "federation/guarded_json.h"

namespace renkei {

using nlohmann::json;

GuardedSite SumSites(const GuardedSite& a, const GuardedSite& b) {
  GuardedSite s;
  s.cohort_size = a.cohort_size + b.cohort_size;
  s.ns = a.ns + b.ns;
  s.an = a.an + b.an;
  const size_t n = std::max(a.alts.size(), b.alts.size());
  for (size_t i = 0; i < n; ++i) {
    if (i < a.alts.size() && i < b.alts.size()) {
      const GuardedAlt& x = a.alts[i];
      const GuardedAlt& y = b.alts[i];
      s.alts.push_back(
          {x.ac + y.ac, x.ac_het + y.ac_het, x.ac_hom + y.ac_hom, x.ac_hemi + y.ac_hemi});
    } else {
      const GuardedValue w = GuardedValue::Withheld();
      s.alts.push_back({w, w, w, w});
    }
  }
  return s;
}

void Breakdown::Add(const std::string& site, const std::string& biobank, const GuardedSite& v) {
  total_ = total_ ? SumSites(*total_, v) : v;
  auto add = [&](std::map<std::string, GuardedSite>& m, const std::string& key) {
    auto it = m.find(key);
    if (it == m.end()) {
      m.emplace(key, v);
    } else {
      it->second = SumSites(it->second, v);
    }
  };
  add(by_site_, site);
  add(by_biobank_, biobank);
}

json Breakdown::ToJson(const PrivacyPolicy& policy, Tier tier,
                       const std::vector<std::string>& alts) const {
  auto render = [&](const GuardedSite& s) -> json {
    if (alts.empty()) {
      const GuardedValue v = GuardCount(policy, tier, s.cohort_size);
      return v.withheld ? json(nullptr) : json(v.value);
    }
    return GuardedSiteJson(GuardSite(policy, tier, s), alts);
  };
  json out = json::object();
  out["total"] = total_ ? render(*total_) : json(nullptr);
  json by_site = json::object(), by_biobank = json::object();
  for (const auto& [k, v] : by_site_) by_site[k] = render(v);
  for (const auto& [k, v] : by_biobank_) by_biobank[k] = render(v);
  out["by_site"] = std::move(by_site);
  out["by_biobank"] = std::move(by_biobank);
  return out;
}

Status WholeQueryRefusal(const std::vector<SiteAnswer>& answers) {
  for (const SiteAnswer& a : answers) {
    if (a.answer.ok()) continue;
    const StatusCode c = a.answer.status().code();
    if (c == StatusCode::kInvalidArgument || c == StatusCode::kPermissionDenied ||
        c == StatusCode::kFailedPrecondition) {
      return a.answer.status();
    }
  }
  return Status();
}

void AddSiteStatus(const std::vector<SiteAnswer>& answers, json* out) {
  json sites = json::array();
  bool partial = false;
  for (const SiteAnswer& a : answers) {
    json s = {{"id", a.site_id},
              {"name", a.site_name},
              {"elapsed_ms", static_cast<double>(static_cast<int64_t>(a.elapsed_ms * 100)) / 100}};
    if (a.answer.ok()) {
      s["status"] = "ok";
      // Datasets a controlled-tier caller got at the registered tier only, and why (no valid
      // GA4GH Passport visa): passed on so that no answer is lowered silently.
      if (a.answer->is_object() && a.answer->contains("access") &&
          (*a.answer)["access"].is_array()) {
        s["access"] = (*a.answer)["access"];
      }
    } else if (a.answer.status().code() == StatusCode::kNotFound) {
      s["status"] = "no_record";
      s["message"] = a.answer.status().message();
    } else {
      s["status"] = "unavailable";
      s["message"] = a.answer.status().message();
      partial = true;
    }
    sites.push_back(std::move(s));
  }
  (*out)["sites"] = std::move(sites);
  (*out)["partial"] = partial;
}

namespace {

Result<GuardedValue> CellValue(const json& obj, const char* name) {
  return GuardedValueFromJson(obj, name);
}

std::string BiobankLabel(const json& biobanks) {
  std::string label;
  if (!biobanks.is_array()) return "unknown";
  for (const json& b : biobanks) {
    if (!label.empty()) label += "+";
    label += b.is_string() ? b.get<std::string>() : std::string("?");
  }
  return label.empty() ? "unknown" : label;
}

// Allele counts collected per record (contig, pos, ref) and slot (a stratum, or "" for the
// cohort), cell by cell, then expanded to one row per ALT allele.
struct RecordEntry {
  std::string site, biobank;
  GuardedSite base;  // cohort_size, ns, an
  std::map<std::string, GuardedAlt> alts;
};
struct Record {
  std::string contig, id, ref;
  uint64_t pos = 0;
  std::vector<std::string> alt_order;
  std::vector<std::string> slot_order;
  std::map<std::string, json> slot_info;
  std::map<std::string, std::vector<RecordEntry>> slots;
  std::vector<std::string> sites_with_record;
};

class RecordTable {
 public:
  // Adds one node variant object ({"contig","pos","id","ref","counts"}) for a slot.
  Status Add(const std::string& site, const std::string& biobank, const json& variant,
             const std::string& slot, const json& slot_info, const json& counts) {
    if (!variant.is_object() || !variant.contains("contig") || !variant["contig"].is_string() ||
        !variant.contains("pos") || !variant["pos"].is_number_unsigned() ||
        !variant.contains("ref") || !variant["ref"].is_string()) {
      return Internal("site " + site + " sent a variant without contig, pos or ref");
    }
    const std::string contig = variant["contig"].get<std::string>();
    const uint64_t pos = variant["pos"].get<uint64_t>();
    const std::string ref = variant["ref"].get<std::string>();
    const std::string key = contig + ":" + std::to_string(pos) + ":" + ref;
    auto [it, inserted] = index_.emplace(key, records_.size());
    if (inserted) {
      records_.push_back(Record{contig, ".", ref, pos, {}, {}, {}, {}, {}});
    }
    Record& r = records_[it->second];
    if (r.id == "." && variant.contains("id") && variant["id"].is_string()) {
      r.id = variant["id"].get<std::string>();
    }
    Result<GuardedSite> parsed = GuardedSiteFromJson(counts);
    if (!parsed.ok()) return Internal("site " + site + ": " + parsed.status().message());
    RecordEntry e{site, biobank, {parsed->cohort_size, parsed->ns, parsed->an, {}}, {}};
    const json& alts = counts["alts"];
    for (size_t i = 0; i < parsed->alts.size(); ++i) {
      const std::string alt = alts[i].value("alt", ".");
      if (std::find(r.alt_order.begin(), r.alt_order.end(), alt) == r.alt_order.end()) {
        r.alt_order.push_back(alt);
      }
      e.alts[alt] = parsed->alts[i];
    }
    if (!r.slots.count(slot)) {
      r.slot_order.push_back(slot);
      r.slot_info[slot] = slot_info;
    }
    r.slots[slot].push_back(std::move(e));
    if (std::find(r.sites_with_record.begin(), r.sites_with_record.end(), site) ==
        r.sites_with_record.end()) {
      r.sites_with_record.push_back(site);
    }
    return Status();
  }

  // One JSON row per record and ALT: {"contig","pos","id","ref","alt", ...slot breakdowns
  // via `emit_slots`, "sites_without_record": [...]}.
  json Rows(const PrivacyPolicy& policy, Tier tier, const std::vector<std::string>& answered,
            bool strata) const {
    json rows = json::array();
    for (const Record& r : records_) {
      json without = json::array();
      for (const std::string& s : answered) {
        if (std::find(r.sites_with_record.begin(), r.sites_with_record.end(), s) ==
            r.sites_with_record.end()) {
          without.push_back(s);
        }
      }
      for (const std::string& alt : r.alt_order) {
        json row = {
            {"contig", r.contig}, {"pos", r.pos}, {"id", r.id}, {"ref", r.ref}, {"alt", alt}};
        json strata_rows = json::array();
        for (const std::string& slot : r.slot_order) {
          Breakdown b;
          for (const RecordEntry& e : r.slots.at(slot)) {
            GuardedSite one = e.base;
            auto it = e.alts.find(alt);
            if (it != e.alts.end()) {
              one.alts = {it->second};
            } else {
              // The site has the record but not this ALT: its count is 0, guarded as any count.
              const GuardedValue zero = GuardCount(policy, tier, uint64_t{0});
              one.alts = {{zero, zero, zero, zero}};
            }
            b.Add(e.site, e.biobank, one);
          }
          json counts = b.ToJson(policy, tier, {alt});
          if (strata) {
            json s = r.slot_info.at(slot);
            s.update(counts);
            strata_rows.push_back(std::move(s));
          } else {
            row.update(counts);
          }
        }
        if (strata) row["strata"] = std::move(strata_rows);
        row["sites_without_record"] = without;
        rows.push_back(std::move(row));
      }
    }
    return rows;
  }

 private:
  std::vector<Record> records_;
  std::unordered_map<std::string, size_t> index_;
};

std::vector<std::string> AnsweredSites(const std::vector<SiteAnswer>& answers) {
  std::vector<std::string> out;
  for (const SiteAnswer& a : answers) {
    if (a.answer.ok() || a.answer.status().code() == StatusCode::kNotFound) {
      out.push_back(a.site_id);
    }
  }
  return out;
}

Status CheckArray(const json& obj, const char* key, const std::string& site) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_array()) {
    return Internal("site " + site + " sent an answer without '" + key + "'");
  }
  return Status();
}

}  // namespace

Result<json> AggregateCount(const std::vector<SiteAnswer>& answers, const PrivacyPolicy& policy,
                            Tier tier) {
  RETURN_IF_ERROR(WholeQueryRefusal(answers));
  Breakdown sizes;
  std::vector<std::pair<std::string, std::string>> facet_order;
  std::map<std::pair<std::string, std::string>, Breakdown> facets;
  std::string cohort;
  for (const SiteAnswer& a : answers) {
    if (!a.answer.ok()) continue;
    const json& ans = *a.answer;
    RETURN_IF_ERROR(CheckArray(ans, "cells", a.site_id));
    if (cohort.empty()) cohort = ans.value("cohort", "");
    for (const json& cell : ans["cells"]) {
      const std::string biobank = cell.value("biobank", "unknown");
      ASSIGN_OR_RETURN(const GuardedValue size, CellValue(cell, "cohort_size"));
      sizes.Add(a.site_id, biobank, GuardedSite{size, {}, {}, {}});
      RETURN_IF_ERROR(CheckArray(cell, "facets", a.site_id));
      for (const json& f : cell["facets"]) {
        const auto key = std::make_pair(f.value("attribute", ""), f.value("value", ""));
        ASSIGN_OR_RETURN(const GuardedValue count, CellValue(f, "count"));
        if (!facets.count(key)) facet_order.push_back(key);
        facets[key].Add(a.site_id, biobank, GuardedSite{count, {}, {}, {}});
      }
    }
  }
  json out = {{"cohort", cohort}, {"tier", TierName(tier)}};
  AddSiteStatus(answers, &out);
  out["cohort_size"] = sizes.ToJson(policy, tier, {});
  json list = json::array();
  for (const auto& key : facet_order) {
    json f = {{"attribute", key.first}, {"value", key.second}};
    f.update(facets[key].ToJson(policy, tier, {}));
    list.push_back(std::move(f));
  }
  out["facets"] = std::move(list);
  return out;
}

Result<json> AggregateFreq(const std::vector<SiteAnswer>& answers, const PrivacyPolicy& policy,
                           Tier tier) {
  RETURN_IF_ERROR(WholeQueryRefusal(answers));
  Breakdown sizes;
  RecordTable table;
  std::string cohort;
  for (const SiteAnswer& a : answers) {
    if (!a.answer.ok()) continue;
    const json& ans = *a.answer;
    RETURN_IF_ERROR(CheckArray(ans, "cells", a.site_id));
    if (cohort.empty()) cohort = ans.value("cohort", "");
    for (const json& cell : ans["cells"]) {
      const std::string biobank = cell.value("biobank", "unknown");
      ASSIGN_OR_RETURN(const GuardedValue size, CellValue(cell, "cohort_size"));
      sizes.Add(a.site_id, biobank, GuardedSite{size, {}, {}, {}});
      RETURN_IF_ERROR(CheckArray(cell, "variants", a.site_id));
      for (const json& v : cell["variants"]) {
        if (!v.contains("counts")) return Internal("site " + a.site_id + " sent no counts");
        RETURN_IF_ERROR(table.Add(a.site_id, biobank, v, "", json(), v["counts"]));
      }
    }
  }
  json out = {{"cohort", cohort}, {"tier", TierName(tier)}};
  AddSiteStatus(answers, &out);
  out["cohort_size"] = sizes.ToJson(policy, tier, {});
  out["variants"] = table.Rows(policy, tier, AnsweredSites(answers), /*strata=*/false);
  return out;
}

Result<json> AggregateStrata(const std::vector<SiteAnswer>& answers, const PrivacyPolicy& policy,
                             Tier tier) {
  RETURN_IF_ERROR(WholeQueryRefusal(answers));
  RecordTable table;
  for (const SiteAnswer& a : answers) {
    if (!a.answer.ok()) continue;
    const json& ans = *a.answer;
    RETURN_IF_ERROR(CheckArray(ans, "datasets", a.site_id));
    for (const json& ds : ans["datasets"]) {
      const std::string biobank = BiobankLabel(ds.value("biobanks", json::array()));
      RETURN_IF_ERROR(CheckArray(ds, "variants", a.site_id));
      for (const json& v : ds["variants"]) {
        RETURN_IF_ERROR(CheckArray(v, "strata", a.site_id));
        for (const json& s : v["strata"]) {
          if (!s.contains("counts")) return Internal("site " + a.site_id + " sent no counts");
          const json info = {{"attribute", s.value("attribute", "")},
                             {"value", s.value("value", "")}};
          const std::string slot =
              info["attribute"].get<std::string>() + "=" + info["value"].get<std::string>();
          RETURN_IF_ERROR(table.Add(a.site_id, biobank, v, slot, info, s["counts"]));
        }
      }
    }
  }
  json out = {{"tier", TierName(tier)}};
  AddSiteStatus(answers, &out);
  out["variants"] = table.Rows(policy, tier, AnsweredSites(answers), /*strata=*/true);
  return out;
}

}  // namespace renkei
