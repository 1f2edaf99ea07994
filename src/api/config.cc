#include "api/config.h"

#include <fstream>
#include <set>
#include <sstream>

#include "crypto/sodium.h"

namespace renkei {

using nlohmann::json;

namespace {

Result<std::string> GetString(const json& obj, const std::string& key, bool required = true,
                              const std::string& fallback = "") {
  if (!obj.contains(key)) {
    if (required) return InvalidArgument("missing field '" + key + "'");
    return fallback;
  }
  if (!obj[key].is_string() || (required && obj[key].get<std::string>().empty())) {
    return InvalidArgument("field '" + key + "' must be a non-empty string");
  }
  return obj[key].get<std::string>();
}

Result<int64_t> GetInt(const json& obj, const std::string& key, int64_t fallback, int64_t lo,
                       int64_t hi) {
  if (!obj.contains(key)) return fallback;
  if (!obj[key].is_number_integer())
    return InvalidArgument("field '" + key + "' must be an integer");
  const int64_t v = obj[key].get<int64_t>();
  if (v < lo || v > hi) {
    return InvalidArgument("field '" + key + "' must be between " + std::to_string(lo) + " and " +
                           std::to_string(hi) + ", got " + std::to_string(v));
  }
  return v;
}

Result<ListenAddress> ParseListen(const json& obj, ListenAddress fallback) {
  if (!obj.contains("listen")) return fallback;
  const json& l = obj["listen"];
  if (!l.is_object()) return InvalidArgument("field 'listen' must be {\"host\": …, \"port\": …}");
  ListenAddress a;
  ASSIGN_OR_RETURN(a.host, GetString(l, "host", false, fallback.host));
  ASSIGN_OR_RETURN(const int64_t port, GetInt(l, "port", fallback.port, 0, 65535));
  a.port = static_cast<int>(port);
  return a;
}

Result<std::string> GetKey(const json& obj, const std::string& key, size_t size) {
  ASSIGN_OR_RETURN(const std::string text, GetString(obj, key));
  Result<std::string> raw = crypto::Base64Decode(text);
  if (!raw.ok() || raw->size() != size) {
    return InvalidArgument("field '" + key + "' must be the base64 of a " + std::to_string(size) +
                           "-byte key");
  }
  return *raw;
}

Status Context(const Status& s, const std::string& where) {
  return s.ok() ? s : s.WithContext(where);
}

}  // namespace

Result<PrivacyPolicy> ParsePrivacyPolicy(const json& section) {
  PrivacyPolicy p;
  if (section.is_null()) return p;
  if (!section.is_object()) return InvalidArgument("field 'privacy' must be an object");
  ASSIGN_OR_RETURN(const int64_t floor, GetInt(section, "floor", p.floor, 1, 1000000));
  p.floor = static_cast<uint32_t>(floor);
  ASSIGN_OR_RETURN(const int64_t diff,
                   GetInt(section, "min_difference", p.min_difference, 0, 1000000));
  p.min_difference = static_cast<uint32_t>(diff);
  ASSIGN_OR_RETURN(
      const int64_t limit,
      GetInt(section, "history_limit", static_cast<int64_t>(p.history_limit), 1, 100000000));
  p.history_limit = static_cast<size_t>(limit);
  if (section.contains("max_region_bp")) {
    const json& m = section["max_region_bp"];
    if (!m.is_object()) return InvalidArgument("field 'max_region_bp' must be an object");
    for (Tier t : {Tier::kPublic, Tier::kRegistered, Tier::kControlled}) {
      const int i = static_cast<int>(t);
      ASSIGN_OR_RETURN(const int64_t bp,
                       GetInt(m, std::string(TierName(t)), static_cast<int64_t>(p.max_region_bp[i]),
                              1, 4'000'000'000));
      p.max_region_bp[i] = static_cast<uint64_t>(bp);
    }
  }
  return p;
}

Result<NodeConfig> ParseNodeConfig(const json& doc) {
  if (!doc.is_object()) return InvalidArgument("node configuration must be a JSON object");
  NodeConfig c;
  ASSIGN_OR_RETURN(c.site, GetString(doc, "site"));
  ASSIGN_OR_RETURN(c.name, GetString(doc, "name", false, c.site));
  ASSIGN_OR_RETURN(c.listen, ParseListen(doc, c.listen));
  ASSIGN_OR_RETURN(c.hub_public_key, GetKey(doc, "hub_public_key", crypto::kEd25519PublicKeyBytes));
  ASSIGN_OR_RETURN(const int64_t threads, GetInt(doc, "threads", c.threads, 1, 1024));
  c.threads = static_cast<int>(threads);
  if (!doc.contains("datasets") || !doc["datasets"].is_array() || doc["datasets"].empty()) {
    return InvalidArgument("field 'datasets' must list at least one {\"id\", \"store\"}");
  }
  std::set<std::string> ids;
  for (const json& d : doc["datasets"]) {
    NodeDatasetConfig ds;
    if (!d.is_object()) return InvalidArgument("each dataset must be an object");
    ASSIGN_OR_RETURN(ds.id, GetString(d, "id"));
    ASSIGN_OR_RETURN(ds.store, GetString(d, "store"));
    if (!ids.insert(ds.id).second) return InvalidArgument("duplicate dataset id '" + ds.id + "'");
    c.datasets.push_back(std::move(ds));
  }
  Result<PrivacyPolicy> p = ParsePrivacyPolicy(doc.value("privacy", json()));
  RETURN_IF_ERROR(Context(p.status(), "privacy"));
  c.privacy = *p;
  return c;
}

Result<HubConfig> ParseHubConfig(const json& doc) {
  if (!doc.is_object()) return InvalidArgument("hub configuration must be a JSON object");
  HubConfig c;
  ASSIGN_OR_RETURN(c.listen, ParseListen(doc, c.listen));
  ASSIGN_OR_RETURN(c.secret_key, GetKey(doc, "secret_key", crypto::kEd25519SecretKeyBytes));
  ASSIGN_OR_RETURN(const int64_t timeout, GetInt(doc, "timeout_ms", c.timeout_ms, 10, 600000));
  c.timeout_ms = static_cast<int>(timeout);
  ASSIGN_OR_RETURN(const int64_t threads, GetInt(doc, "threads", c.threads, 1, 1024));
  c.threads = static_cast<int>(threads);
  ASSIGN_OR_RETURN(c.query_log, GetString(doc, "query_log", false));
  ASSIGN_OR_RETURN(c.database, GetString(doc, "database", false, c.database));
  ASSIGN_OR_RETURN(c.oidc_issuer, GetString(doc, "oidc_issuer", false));
  ASSIGN_OR_RETURN(c.oidc_signing_key, GetString(doc, "oidc_signing_key", false));
  if (!doc.contains("sites") || !doc["sites"].is_array()) {
    return InvalidArgument("field 'sites' must list the sites {\"id\", \"name\", \"url\"}");
  }
  std::set<std::string> ids;
  for (const json& s : doc["sites"]) {
    SiteConfig site;
    if (!s.is_object()) return InvalidArgument("each site must be an object");
    ASSIGN_OR_RETURN(site.id, GetString(s, "id"));
    ASSIGN_OR_RETURN(site.name, GetString(s, "name", false, site.id));
    ASSIGN_OR_RETURN(site.url, GetString(s, "url"));
    if (site.url.rfind("http://", 0) != 0 && site.url.rfind("https://", 0) != 0) {
      return InvalidArgument("site '" + site.id + "': url must start with http:// or https://");
    }
    if (!ids.insert(site.id).second) return InvalidArgument("duplicate site id '" + site.id + "'");
    c.sites.push_back(std::move(site));
  }
  if (doc.contains("api_keys")) {
    if (!doc["api_keys"].is_array()) return InvalidArgument("field 'api_keys' must be an array");
    for (const json& k : doc["api_keys"]) {
      ApiKeyConfig key;
      if (!k.is_object()) return InvalidArgument("each api key must be an object");
      ASSIGN_OR_RETURN(const std::string hex, GetString(k, "sha256"));
      Result<std::string> raw = crypto::HexDecode(hex);
      if (!raw.ok() || raw->size() != 32) {
        return InvalidArgument("api key 'sha256' must be 64 hex digits (SHA-256 of the key)");
      }
      key.sha256 = *raw;
      ASSIGN_OR_RETURN(const std::string tier, GetString(k, "tier"));
      ASSIGN_OR_RETURN(key.tier, ParseTier(tier));
      ASSIGN_OR_RETURN(key.caller, GetString(k, "caller"));
      c.api_keys.push_back(std::move(key));
    }
  }
  Result<PrivacyPolicy> p = ParsePrivacyPolicy(doc.value("privacy", json()));
  RETURN_IF_ERROR(Context(p.status(), "privacy"));
  c.privacy = *p;
  return c;
}

Result<json> ReadJsonFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFound("cannot read " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  try {
    return json::parse(buf.str());
  } catch (const json::parse_error& e) {
    return InvalidArgument(path + ": not valid JSON: " + e.what());
  }
}

}  // namespace renkei
