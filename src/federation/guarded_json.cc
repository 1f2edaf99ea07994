#include "federation/guarded_json.h"

namespace renkei {

using nlohmann::json;

void PutGuarded(std::string_view name, GuardedValue value, json* obj,
                std::vector<std::string>* withheld, std::string_view prefix) {
  if (value.withheld) {
    (*obj)[std::string(name)] = nullptr;
    if (withheld) withheld->push_back(std::string(prefix) + std::string(name));
  } else {
    (*obj)[std::string(name)] = value.value;
  }
}

json GuardedSiteJson(const GuardedSite& site, const std::vector<std::string>& alts) {
  json out = json::object();
  std::vector<std::string> withheld;
  PutGuarded("cohort_size", site.cohort_size, &out, &withheld);
  PutGuarded("ns", site.ns, &out, &withheld);
  PutGuarded("an", site.an, &out, &withheld);
  json list = json::array();
  for (size_t i = 0; i < site.alts.size(); ++i) {
    const GuardedAlt& a = site.alts[i];
    json alt = json::object();
    alt["alt"] = i < alts.size() ? alts[i] : std::string(".");
    const std::string prefix = "alts." + std::to_string(i) + ".";
    PutGuarded("ac", a.ac, &alt, &withheld, prefix);
    PutGuarded("ac_het", a.ac_het, &alt, &withheld, prefix);
    PutGuarded("ac_hom", a.ac_hom, &alt, &withheld, prefix);
    PutGuarded("ac_hemi", a.ac_hemi, &alt, &withheld, prefix);
    if (a.ac.withheld || site.an.withheld || site.an.value == 0) {
      alt["af"] = nullptr;
    } else {
      alt["af"] = static_cast<double>(a.ac.value) / static_cast<double>(site.an.value);
    }
    list.push_back(std::move(alt));
  }
  out["alts"] = std::move(list);
  out["withheld"] = withheld;
  return out;
}

Result<GuardedValue> GuardedValueFromJson(const json& obj, std::string_view name) {
  const std::string key(name);
  if (!obj.is_object() || !obj.contains(key)) {
    return InvalidArgument("missing field '" + key + "'");
  }
  const json& v = obj[key];
  if (v.is_null()) return GuardedValue::Withheld();
  if (!v.is_number_unsigned()) {
    return InvalidArgument("field '" + key + "' must be a non-negative integer or null");
  }
  return GuardedValue::Shown(v.get<uint64_t>());
}

Result<GuardedSite> GuardedSiteFromJson(const json& obj) {
  GuardedSite site;
  ASSIGN_OR_RETURN(site.cohort_size, GuardedValueFromJson(obj, "cohort_size"));
  ASSIGN_OR_RETURN(site.ns, GuardedValueFromJson(obj, "ns"));
  ASSIGN_OR_RETURN(site.an, GuardedValueFromJson(obj, "an"));
  if (!obj.contains("alts") || !obj["alts"].is_array()) {
    return InvalidArgument("missing array 'alts'");
  }
  for (const json& a : obj["alts"]) {
    GuardedAlt alt;
    ASSIGN_OR_RETURN(alt.ac, GuardedValueFromJson(a, "ac"));
    ASSIGN_OR_RETURN(alt.ac_het, GuardedValueFromJson(a, "ac_het"));
    ASSIGN_OR_RETURN(alt.ac_hom, GuardedValueFromJson(a, "ac_hom"));
    ASSIGN_OR_RETURN(alt.ac_hemi, GuardedValueFromJson(a, "ac_hemi"));
    site.alts.push_back(alt);
  }
  return site;
}

}  // namespace renkei
