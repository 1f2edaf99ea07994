// Configuration files of `renkei node` and `renkei hub` (JSON; see docs/federation.md).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "identity/oidc_client.h"
#include "privacy/guard.h"
#include "privacy/tier.h"

namespace renkei {

struct ListenAddress {
  std::string host = "127.0.0.1";
  int port = 0;
};

struct NodeDatasetConfig {
  std::string id;     // "tmm-tohoku"; unique within the node
  std::string store;  // genotype store directory
};

// How a node checks GA4GH Passport visas (identity/passport.h): the hub's visa issuer and its
// public keys. In the file: "hub_visa": {"issuer": URL, "jwks": {"keys": [...]} or
// "jwks_file": PATH, "revoked_file": PATH (optional: revoked grants survive a restart)}.
struct NodeVisaConfig {
  std::string issuer;
  nlohmann::json jwks;       // a JWK Set document, checked when the configuration is parsed
  std::string revoked_file;  // "" = revocations kept in memory only
};

struct NodeConfig {
  std::string site;  // site id, e.g. "tohoku": the audience hub requests are signed for
  std::string name;  // human-readable
  ListenAddress listen;
  std::string hub_public_key;  // raw 32 bytes (base64 in the file)
  // Absent (older configurations): no dataset is answered at the controlled tier, and answers
  // to controlled callers say why.
  std::optional<NodeVisaConfig> visa;
  std::vector<NodeDatasetConfig> datasets;
  PrivacyPolicy privacy;
  // HTTP worker threads. Each keep-alive connection holds one while open, so at least as many
  // as the hub keeps connections to this node (up to 64).
  int threads = 96;
};

struct SiteConfig {
  std::string id, name, url;  // url: "http://127.0.0.1:9101"
};

struct ApiKeyConfig {
  std::string sha256;  // raw 32 bytes of SHA-256(key) (hex in the file): keys are not stored
  Tier tier = Tier::kRegistered;
  std::string caller;
};

struct HubConfig {
  ListenAddress listen{"127.0.0.1", 8080};
  std::string secret_key;  // raw 64-byte Ed25519 secret key (base64 in the file); never logged
  std::vector<SiteConfig> sites;
  std::vector<ApiKeyConfig> api_keys;
  int timeout_ms = 2000;  // per-site answer timeout
  PrivacyPolicy privacy;
  std::string query_log;  // JSON-lines file of every answered or refused query; "" = none
  int threads = 64;       // HTTP worker threads (one per concurrent keep-alive client)
  // The hub database (accounts, applications, audit): an SQLite file path, "sqlite:PATH",
  // "postgresql://…", or ":memory:" (kept in memory only, lost at exit: for tests).
  std::string database = ":memory:";
  // OpenID Connect provider (docs/accounts.md): the issuer URL clients see ("" = http://HOST:PORT
  // of `listen`) and the RSA signing key's PEM file, made on first start ("" = next to an SQLite
  // database file as DATABASE.oidc.pem; with ":memory:" the provider is off).
  std::string oidc_issuer;
  std::string oidc_signing_key;
  // GA4GH Passport visas for access grants (docs/federation.md): the issuer URL nodes expect
  // ("" = oidc_issuer, else http://HOST:PORT of `listen`), the RS256 key's PEM file (made on
  // first start; "" = next to an SQLite database file as DATABASE.visa.pem; with ":memory:" a
  // fresh key per start), and how long a visa lives (seconds; never past its grant's expiry).
  std::string visa_issuer;
  std::string visa_signing_key;
  int visa_lifetime_s = 300;
  // External OpenID Connect identity providers users may sign in with (docs/accounts.md,
  // "Signing in with a university account"): [{"id", "display_name", "issuer", "client_id",
  // "client_secret_file", "scopes"?, "authorization_endpoint"?, "token_endpoint"?, "jwks_uri"?,
  // "redirect_uri"?, "create_accounts"?, "link_by_verified_email"?, "assume_email_verified"?}].
  std::vector<identity::ExternalIdpSettings> external_idps;
  // The web portal: the directory of its built files (web/dist), served at "/" ("" = no portal;
  // docs/portal.md).
  std::string web_root;
};

// Parse a configuration document. InvalidArgument naming the field for a missing or wrong
// value (bad base64 key, unknown tier, port out of range, duplicate ids...).
Result<NodeConfig> ParseNodeConfig(const nlohmann::json& doc);
Result<HubConfig> ParseHubConfig(const nlohmann::json& doc);

// Reads and parses a JSON file. NotFound if unreadable; InvalidArgument with the parser's
// message (line and column) if it is not JSON.
Result<nlohmann::json> ReadJsonFile(const std::string& path);

// The privacy section: {"floor": 10, "min_difference": 10, "history_limit": 100000,
//  "max_region_bp": {"public": ..., "registered": ..., "controlled": ...}}; absent = defaults.
Result<PrivacyPolicy> ParsePrivacyPolicy(const nlohmann::json& section);

}  // namespace renkei
