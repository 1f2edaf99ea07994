#include "api/config.h"

#include <fstream>
#include <set>
#include <sstream>

#include "crypto/sodium.h"
#include "identity/jwt.h"

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

Result<bool> GetBool(const json& obj, const std::string& key, bool fallback) {
  if (!obj.contains(key)) return fallback;
  if (!obj[key].is_boolean()) return InvalidArgument("field '" + key + "' must be true or false");
  return obj[key].get<bool>();
}

// "external_idps": see HubConfig. The client secret stays in its file (read when the hub
// starts), so it never sits in the configuration or its backups.
Result<std::vector<identity::ExternalIdpSettings>> ParseExternalIdps(const json& doc) {
  std::vector<identity::ExternalIdpSettings> out;
  if (!doc.contains("external_idps")) return out;
  if (!doc["external_idps"].is_array()) {
    return InvalidArgument("field 'external_idps' must be an array");
  }
  std::set<std::string> ids;
  for (const json& e : doc["external_idps"]) {
    if (!e.is_object()) return InvalidArgument("each external IdP must be an object");
    if (e.contains("client_secret")) {
      return InvalidArgument(
          "external IdP: put the client secret in a file named by 'client_secret_file' "
          "(mode 0600), not in the configuration");
    }
    identity::ExternalIdpSettings s;
    ASSIGN_OR_RETURN(s.id, GetString(e, "id"));
    ASSIGN_OR_RETURN(s.display_name, GetString(e, "display_name", false, s.id));
    ASSIGN_OR_RETURN(s.issuer, GetString(e, "issuer"));
    while (s.issuer.size() > 8 && s.issuer.back() == '/') s.issuer.pop_back();
    ASSIGN_OR_RETURN(s.client_id, GetString(e, "client_id"));
    ASSIGN_OR_RETURN(s.client_secret_file, GetString(e, "client_secret_file"));
    ASSIGN_OR_RETURN(s.authorization_endpoint, GetString(e, "authorization_endpoint", false));
    ASSIGN_OR_RETURN(s.token_endpoint, GetString(e, "token_endpoint", false));
    ASSIGN_OR_RETURN(s.jwks_uri, GetString(e, "jwks_uri", false));
    ASSIGN_OR_RETURN(s.redirect_uri, GetString(e, "redirect_uri", false));
    if (e.contains("scopes")) {
      if (!e["scopes"].is_array()) return InvalidArgument("field 'scopes' must be an array");
      s.scopes.clear();
      for (const json& scope : e["scopes"]) {
        if (!scope.is_string()) return InvalidArgument("each scope must be a string");
        s.scopes.push_back(scope.get<std::string>());
      }
    }
    ASSIGN_OR_RETURN(s.create_accounts, GetBool(e, "create_accounts", s.create_accounts));
    ASSIGN_OR_RETURN(s.link_by_verified_email,
                     GetBool(e, "link_by_verified_email", s.link_by_verified_email));
    ASSIGN_OR_RETURN(s.assume_email_verified,
                     GetBool(e, "assume_email_verified", s.assume_email_verified));
    RETURN_IF_ERROR(identity::CheckExternalIdpSettings(s));
    if (!ids.insert(s.id).second)
      return InvalidArgument("duplicate external IdP id '" + s.id + "'");
    out.push_back(std::move(s));
  }
  return out;
}

// "hub_visa" of a node configuration (NodeVisaConfig).
Result<NodeVisaConfig> ParseNodeVisa(const json& section) {
  if (!section.is_object()) {
    return InvalidArgument("must be {\"issuer\": URL, \"jwks\": {...} or \"jwks_file\": PATH}");
  }
  NodeVisaConfig v;
  ASSIGN_OR_RETURN(v.issuer, GetString(section, "issuer"));
  ASSIGN_OR_RETURN(v.revoked_file, GetString(section, "revoked_file", false));
  if (section.contains("jwks") == section.contains("jwks_file")) {
    return InvalidArgument("give exactly one of 'jwks' (the hub's visa JWK Set) or 'jwks_file'");
  }
  if (section.contains("jwks")) {
    v.jwks = section["jwks"];
  } else {
    ASSIGN_OR_RETURN(const std::string path, GetString(section, "jwks_file"));
    ASSIGN_OR_RETURN(v.jwks, ReadJsonFile(path));
  }
  Result<identity::JwkSet> keys = identity::JwkSet::FromJson(v.jwks);
  RETURN_IF_ERROR(Context(keys.status(), "jwks"));
  return v;
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
  if (doc.contains("hub_visa")) {
    Result<NodeVisaConfig> visa = ParseNodeVisa(doc["hub_visa"]);
    RETURN_IF_ERROR(Context(visa.status(), "hub_visa"));
    c.visa = std::move(*visa);
  }
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
  ASSIGN_OR_RETURN(c.visa_issuer, GetString(doc, "visa_issuer", false));
  ASSIGN_OR_RETURN(c.visa_signing_key, GetString(doc, "visa_signing_key", false));
  ASSIGN_OR_RETURN(const int64_t visa_lifetime,
                   GetInt(doc, "visa_lifetime_s", c.visa_lifetime_s, 10, 86400));
  c.visa_lifetime_s = static_cast<int>(visa_lifetime);
  ASSIGN_OR_RETURN(c.external_idps, ParseExternalIdps(doc));
  ASSIGN_OR_RETURN(c.web_root, GetString(doc, "web_root", false));
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
