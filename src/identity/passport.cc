#include "identity/passport.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "crypto/sodium.h"

namespace renkei::identity {
namespace {

using nlohmann::json;

constexpr size_t kJtiBytes = 16;
constexpr size_t kMaxRevokedIdBytes = 512;
constexpr std::string_view kDatasetsPath = "/datasets/";

Status Refuse(std::string_view why) { return Unauthenticated("visa " + std::string(why)); }

// The decoded protected header, or Unauthenticated "visa malformed ...".
Result<json> DecodeHeader(std::string_view visa) {
  const size_t dot = visa.find('.');
  if (dot == std::string_view::npos) return Refuse("malformed: not a compact JWS (no '.')");
  Result<std::string> bytes = crypto::Base64UrlDecode(visa.substr(0, dot));
  if (!bytes.ok()) return Refuse("malformed: header is not base64url");
  json header = json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (!header.is_object()) return Refuse("malformed: header is not a JSON object");
  return header;
}

const json* Member(const json& obj, const char* name) {
  auto it = obj.find(name);
  return it == obj.end() ? nullptr : &*it;
}

Result<std::string> StringClaim(const json& obj, const char* name, std::string_view where) {
  const json* v = Member(obj, name);
  if (v == nullptr) return Refuse("lacks \"" + std::string(name) + "\"" + std::string(where));
  if (!v->is_string() || v->get<std::string>().empty()) {
    return Refuse("malformed: \"" + std::string(name) + "\"" + std::string(where) +
                  " must be a non-empty string");
  }
  return v->get<std::string>();
}

Result<int64_t> NumberClaim(const json& obj, const char* name, std::string_view where) {
  const json* v = Member(obj, name);
  if (v == nullptr) return Refuse("lacks \"" + std::string(name) + "\"" + std::string(where));
  if (!v->is_number()) {
    return Refuse("malformed: \"" + std::string(name) + "\"" + std::string(where) +
                  " must be a number (seconds since the epoch)");
  }
  return static_cast<int64_t>(v->get<double>());
}

}  // namespace

std::string GrantId(std::string_view application, std::string_view site, std::string_view dataset,
                    int64_t granted_at) {
  return std::string(application) + "/" + std::string(site) + "/" + std::string(dataset) + "/" +
         std::to_string(granted_at);
}

std::string VisaDatasetUrl(std::string_view issuer, std::string_view site,
                           std::string_view dataset) {
  return std::string(issuer) + std::string(kDatasetsPath) + std::string(site) + "/" +
         std::string(dataset);
}

std::string VisaSource(std::string_view issuer) { return std::string(issuer) + "/dac"; }

std::string VisaJwksUrl(std::string_view issuer) { return std::string(issuer) + "/v1/visas/jwks"; }

Result<std::string> IssueVisa(const VisaGrant& grant, std::string_view issuer,
                              const crypto::RsaSigningKey& key, int64_t now,
                              int64_t lifetime_seconds) {
  for (const auto& [value, name] : {std::pair<std::string_view, const char*>{issuer, "issuer"},
                                    {grant.subject, "subject"},
                                    {grant.site, "site"},
                                    {grant.dataset, "dataset"},
                                    {grant.grant_id, "grant id"}}) {
    if (value.empty()) return InvalidArgument(std::string("visa needs a ") + name);
  }
  if (lifetime_seconds <= 0) return InvalidArgument("visa lifetime must be positive");
  if (grant.expiry <= now) {
    return InvalidArgument("grant " + grant.grant_id + " has ended; no visa is issued for it");
  }
  json visa_object = {{"type", kControlledAccessGrants},
                      {"asserted", grant.asserted},
                      {"value", VisaDatasetUrl(issuer, grant.site, grant.dataset)},
                      {"source", VisaSource(issuer)},
                      {"by", "dac"}};
  json claims = {{"iss", issuer},
                 {"sub", grant.subject},
                 {"iat", now},
                 {"exp", std::min(now + lifetime_seconds, grant.expiry)},
                 {"jti", crypto::Base64UrlEncode(crypto::RandomBytes(kJtiBytes))},
                 {"ga4gh_visa_v1", std::move(visa_object)},
                 {"renkei_grant", grant.grant_id}};
  if (!grant.application.empty()) claims["renkei_application"] = grant.application;
  const json header = {
      {"alg", "RS256"}, {"jku", VisaJwksUrl(issuer)}, {"kid", key.kid()}, {"typ", kVisaMediaType}};
  std::string signing_input;
  try {
    // nlohmann's objects keep members sorted by name: one spelling per visa.
    signing_input =
        crypto::Base64UrlEncode(header.dump()) + "." + crypto::Base64UrlEncode(claims.dump());
  } catch (const json::type_error&) {
    return InvalidArgument("visa claims hold text that is not valid UTF-8");
  }
  ASSIGN_OR_RETURN(const std::string signature, key.SignRs256(signing_input));
  return signing_input + "." + crypto::Base64UrlEncode(signature);
}

Result<VisaGrant> VerifyVisa(std::string_view visa, const JwkSet& keys,
                             const VisaVerifyOptions& options) {
  if (options.issuer.empty() || options.site.empty()) {
    return InvalidArgument("visa verification needs the issuer and this node's site id");
  }
  if (options.leeway_seconds < 0 || options.leeway_seconds > 300) {
    return InvalidArgument("visa leeway must be 0 to 300 seconds");
  }
  if (visa.size() >= kMaxVisaBytes) {
    return Refuse("malformed: longer than " + std::to_string(kMaxVisaBytes) + " bytes");
  }
  // AAI "Visa Document Token Format" and Passport "typ": the header names a visa and the key
  // set's URL. The header is only read here; nothing in it is trusted before the signature.
  ASSIGN_OR_RETURN(const json header, DecodeHeader(visa));
  if (const json* typ = Member(header, "typ"); typ != nullptr) {
    if (!typ->is_string() ||
        (typ->get<std::string>() != kVisaMediaType && typ->get<std::string>() != "JWT")) {
      return Refuse("has the wrong type (header typ " + typ->dump() + ", expected \"" +
                    std::string(kVisaMediaType) + "\")");
    }
  }
  if (const json* jku = Member(header, "jku"); jku == nullptr || !jku->is_string()) {
    return Refuse("is not a Visa Document Token (no jku in its header)");
  }
  JwtVerifyOptions jwt;
  jwt.issuer = options.issuer;
  jwt.now = options.now;
  jwt.leeway_seconds = options.leeway_seconds;
  jwt.allowed_algorithms = {crypto::JwsAlgorithm::kRs256, crypto::JwsAlgorithm::kEs256};
  jwt.max_token_bytes = kMaxVisaBytes;
  Result<json> verified = VerifyJwt(visa, keys, jwt);
  if (!verified.ok()) {
    // Malformed tokens are InvalidArgument in jwt.h; to the node they are all refusals.
    const bool malformed = verified.status().code() == StatusCode::kInvalidArgument;
    return Refuse((malformed ? "malformed: " : "refused: ") + verified.status().message());
  }
  const json& claims = *verified;
  VisaGrant g;
  ASSIGN_OR_RETURN(g.subject, StringClaim(claims, "sub", ""));
  ASSIGN_OR_RETURN(g.jti, StringClaim(claims, "jti", ""));
  ASSIGN_OR_RETURN(const int64_t iat, NumberClaim(claims, "iat", ""));
  (void)iat;  // VerifyJwt refused an iat in the future; here it only has to be present.
  ASSIGN_OR_RETURN(g.visa_expiry, NumberClaim(claims, "exp", ""));
  const json* object = Member(claims, "ga4gh_visa_v1");
  if (object == nullptr) return Refuse("lacks the ga4gh_visa_v1 claim");
  if (!object->is_object()) return Refuse("malformed: ga4gh_visa_v1 must be an object");
  constexpr std::string_view kIn = " in ga4gh_visa_v1";
  ASSIGN_OR_RETURN(const std::string type, StringClaim(*object, "type", kIn));
  if (type != kControlledAccessGrants) {
    return Refuse("has the wrong type (" + type + ", expected " +
                  std::string(kControlledAccessGrants) + ")");
  }
  // Passport "conditions": a clearinghouse that does not evaluate them must refuse any visa
  // that has them.
  if (const json* c = Member(*object, "conditions");
      c != nullptr && !(c->is_null() || (c->is_array() && c->empty()))) {
    return Refuse("has conditions, which this node does not evaluate");
  }
  ASSIGN_OR_RETURN(g.asserted, NumberClaim(*object, "asserted", kIn));
  ASSIGN_OR_RETURN(const std::string by, StringClaim(*object, "by", kIn));
  if (by != "dac") return Refuse("was not asserted by a data access committee (by " + by + ")");
  ASSIGN_OR_RETURN(const std::string source, StringClaim(*object, "source", kIn));
  if (source != VisaSource(options.issuer)) {
    return Refuse("has an unknown source " + source);
  }
  ASSIGN_OR_RETURN(const std::string value, StringClaim(*object, "value", kIn));
  const std::string prefix = options.issuer + std::string(kDatasetsPath);
  const size_t slash = value.find('/', prefix.size());
  if (!value.starts_with(prefix) || slash == std::string::npos || slash == prefix.size() ||
      slash + 1 == value.size() || value.find('/', slash + 1) != std::string::npos) {
    return Refuse("names no dataset of this platform (value " + value + ")");
  }
  g.site = value.substr(prefix.size(), slash - prefix.size());
  g.dataset = value.substr(slash + 1);
  if (g.site != options.site) {
    return PermissionDenied("visa is for dataset " + g.dataset + " at site " + g.site +
                            ", not at this site (" + options.site + ")");
  }
  if (std::find(options.datasets.begin(), options.datasets.end(), g.dataset) ==
      options.datasets.end()) {
    return PermissionDenied("visa is for dataset " + g.dataset + ", which site " + options.site +
                            " does not hold");
  }
  if (const json* grant = Member(claims, "renkei_grant"); grant != nullptr) {
    if (!grant->is_string()) return Refuse("malformed: renkei_grant must be a string");
    g.grant_id = grant->get<std::string>();
  }
  if (const json* app = Member(claims, "renkei_application"); app != nullptr) {
    if (!app->is_string()) return Refuse("malformed: renkei_application must be a string");
    g.application = app->get<std::string>();
  }
  // A grant expiry is not in the visa; its exp is the latest moment the grant is known valid.
  g.expiry = g.visa_expiry;
  if (options.revoked != nullptr) {
    if (options.revoked->Contains(g.jti, options.now)) {
      return PermissionDenied("visa " + g.jti + " has been revoked");
    }
    if (!g.grant_id.empty() && options.revoked->Contains(g.grant_id, options.now)) {
      return PermissionDenied("visa of revoked grant " + g.grant_id);
    }
  }
  return g;
}

std::vector<std::string_view> SplitVisas(std::string_view header) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < header.size()) {
    const size_t end = std::min(header.find(' ', i), header.size());
    if (end > i) out.push_back(header.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

Status RevokedGrants::Load(const std::string& path, int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  path_ = path;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status();
  std::ifstream in(path);
  if (!in) return NotFound("cannot read the revoked-grant list " + path);
  std::stringstream text;
  text << in.rdbuf();
  const json doc = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("revoked") || !doc["revoked"].is_array()) {
    return InvalidArgument(path + ": expected {\"revoked\": [{\"id\", \"until\"}...]}");
  }
  for (const json& e : doc["revoked"]) {
    if (!e.is_object() || !e.contains("id") || !e["id"].is_string() || !e.contains("until") ||
        !e["until"].is_number_integer()) {
      return InvalidArgument(path + ": each revoked entry needs a string id and integer until");
    }
    const int64_t until = e["until"].get<int64_t>();
    if (until > now) until_[e["id"].get<std::string>()] = until;
  }
  return Status();
}

Status RevokedGrants::Add(const std::vector<std::pair<std::string, int64_t>>& ids, int64_t now) {
  for (const auto& [id, until] : ids) {
    if (id.empty() || id.size() > kMaxRevokedIdBytes) {
      return InvalidArgument("revoked ids must be 1 to " + std::to_string(kMaxRevokedIdBytes) +
                             " bytes");
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, until] : ids) {
    if (until <= now) continue;  // no visa of it can be valid any more
    int64_t& kept = until_[id];
    kept = std::max(kept, until);
  }
  std::erase_if(until_, [now](const auto& e) { return e.second <= now; });
  while (until_.size() > capacity_) {
    auto earliest =
        std::min_element(until_.begin(), until_.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; });
    until_.erase(earliest);
  }
  return path_.empty() ? Status() : SaveLocked();
}

Status RevokedGrants::SaveLocked() const {
  json list = json::array();
  for (const auto& [id, until] : until_) list.push_back({{"id", id}, {"until", until}});
  const std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << json{{"revoked", std::move(list)}}.dump(1) << "\n";
    out.flush();
    if (!out) return Internal("cannot write the revoked-grant list " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path_, ec);
  if (ec) return Internal("cannot replace the revoked-grant list " + path_ + ": " + ec.message());
  return Status();
}

bool RevokedGrants::Contains(std::string_view id, int64_t now) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = until_.find(id);
  return it != until_.end() && it->second > now;
}

size_t RevokedGrants::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return until_.size();
}

}  // namespace renkei::identity
