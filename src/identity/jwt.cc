#include "identity/jwt.h"

#include <algorithm>
#include <utility>

#include "crypto/sodium.h"

namespace renkei::identity {
namespace {

using nlohmann::json;

// Private members of RSA and EC JWKs (RFC 7518 §6.2.2, §6.3.2) and symmetric keys (§6.4).
constexpr std::string_view kPrivateMembers[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};

// Names an untrusted string in a message without letting it grow the message unboundedly.
std::string Quote(std::string_view s) {
  constexpr size_t kMax = 64;
  return "\"" + std::string(s.substr(0, kMax)) + (s.size() > kMax ? "...\"" : "\"");
}

// Parses JSON text without exceptions; nullopt if it is not JSON.
std::optional<json> ParseJson(std::string_view text) {
  json parsed = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

// Decodes and parses one base64url JSON-object segment; `what` names it ("header", "payload").
Result<json> DecodeJsonSegment(std::string_view segment, std::string_view what) {
  auto bytes = crypto::Base64UrlDecode(segment);
  if (!bytes.ok())
    return InvalidArgument("malformed JWT: " + std::string(what) + " is not base64url");
  auto parsed = ParseJson(*bytes);
  if (!parsed || !parsed->is_object()) {
    return InvalidArgument("malformed JWT: " + std::string(what) + " is not a JSON object");
  }
  return std::move(*parsed);
}

// A NumericDate claim (RFC 7519 §2): absent (nullopt) or a JSON number.
Result<std::optional<double>> NumericDate(const json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::optional<double>();
  if (!it->is_number()) {
    return InvalidArgument("JWT \"" + std::string(name) + "\" is not a number");
  }
  return std::optional<double>(it->get<double>());
}

Status CheckAudience(const json& claims, const std::optional<std::string>& expected) {
  auto it = claims.find("aud");
  if (it == claims.end()) {
    if (expected) return Unauthenticated("JWT lacks \"aud\" (expected " + Quote(*expected) + ")");
    return Status::Ok();
  }
  std::vector<std::string> audiences;
  if (it->is_string()) {
    audiences.push_back(it->get<std::string>());
  } else if (it->is_array()) {
    for (const json& a : *it) {
      if (!a.is_string()) return InvalidArgument("JWT \"aud\" array holds a non-string");
      audiences.push_back(a.get<std::string>());
    }
  } else {
    return InvalidArgument("JWT \"aud\" is neither a string nor an array of strings");
  }
  if (!expected) return Unauthenticated("JWT has an audience but none is expected here");
  if (std::find(audiences.begin(), audiences.end(), *expected) == audiences.end()) {
    return Unauthenticated("JWT audience does not include " + Quote(*expected));
  }
  return Status::Ok();
}

Status CheckClaims(const json& claims, const JwtVerifyOptions& options) {
  auto iss = claims.find("iss");
  if (iss == claims.end() || !iss->is_string()) {
    return Unauthenticated("JWT lacks a string \"iss\"");
  }
  if (iss->get<std::string>() != options.issuer) {
    return Unauthenticated("JWT issuer " + Quote(iss->get<std::string>()) + " is not " +
                           Quote(options.issuer));
  }
  ASSIGN_OR_RETURN(std::optional<double> exp, NumericDate(claims, "exp"));
  ASSIGN_OR_RETURN(std::optional<double> nbf, NumericDate(claims, "nbf"));
  ASSIGN_OR_RETURN(std::optional<double> iat, NumericDate(claims, "iat"));
  const auto now = static_cast<double>(options.now);
  const auto leeway = static_cast<double>(options.leeway_seconds);
  if (!exp) return Unauthenticated("JWT lacks \"exp\"");
  // RFC 7519 §4.1.4: the current time must be before exp.
  if (now >= *exp + leeway) return Unauthenticated("JWT has expired (exp is in the past)");
  if (nbf && now + leeway < *nbf) return Unauthenticated("JWT is not valid yet (nbf)");
  if (iat && *iat > now + leeway) return Unauthenticated("JWT was issued in the future (iat)");
  return CheckAudience(claims, options.audience);
}

}  // namespace

json JwkToJson(const crypto::Jwk& jwk) {
  json out = json::object();
  auto put = [&out](const char* name, const std::string& value) {
    if (!value.empty()) out[name] = value;
  };
  put("kty", jwk.kty);
  put("kid", jwk.kid);
  put("use", jwk.use);
  put("alg", jwk.alg);
  put("n", jwk.n);
  put("e", jwk.e);
  put("crv", jwk.crv);
  put("x", jwk.x);
  put("y", jwk.y);
  return out;
}

Result<crypto::Jwk> JwkFromJson(const json& in) {
  if (!in.is_object()) return InvalidArgument("JWK is not a JSON object");
  for (std::string_view name : kPrivateMembers) {
    if (in.contains(std::string(name))) {
      return InvalidArgument("JWK holds private key material (\"" + std::string(name) +
                             "\"); publish only public keys");
    }
  }
  crypto::Jwk jwk;
  const std::pair<const char*, std::string*> members[] = {
      {"kty", &jwk.kty}, {"kid", &jwk.kid}, {"use", &jwk.use}, {"alg", &jwk.alg}, {"n", &jwk.n},
      {"e", &jwk.e},     {"crv", &jwk.crv}, {"x", &jwk.x},     {"y", &jwk.y},
  };
  for (const auto& [name, field] : members) {
    auto it = in.find(name);
    if (it == in.end()) continue;
    if (!it->is_string()) {
      return InvalidArgument("JWK member \"" + std::string(name) + "\" is not a string");
    }
    *field = it->get<std::string>();
  }
  if (jwk.kty.empty()) return InvalidArgument("JWK lacks \"kty\"");
  return jwk;
}

Status JwkSet::Add(const crypto::Jwk& jwk) {
  if (!jwk.kid.empty() && Find(jwk.kid) != nullptr) {
    return AlreadyExists("JWK kid " + Quote(jwk.kid) + " is already in the key set");
  }
  ASSIGN_OR_RETURN(crypto::JwsVerificationKey key, crypto::JwsVerificationKey::FromJwk(jwk));
  keys_.push_back(std::move(key));
  return Status::Ok();
}

Result<JwkSet> JwkSet::FromJson(const json& jwks) {
  auto keys = jwks.is_object() ? jwks.find("keys") : jwks.end();
  if (!jwks.is_object() || keys == jwks.end() || !keys->is_array()) {
    return InvalidArgument("JWK Set must be a JSON object with a \"keys\" array");
  }
  JwkSet set;
  for (size_t i = 0; i < keys->size(); ++i) {
    const std::string where = "JWK Set key " + std::to_string(i);
    auto jwk = JwkFromJson((*keys)[i]);
    if (!jwk.ok()) return jwk.status().WithContext(where);
    // Keys we could never verify with are someone else's business (RFC 7517 §5).
    const bool usable_type = jwk->kty == "RSA" || (jwk->kty == "EC" && jwk->crv == "P-256");
    const bool usable_alg = jwk->alg.empty() || crypto::ParseJwsAlgorithm(jwk->alg).ok();
    if (!usable_type || !usable_alg || (!jwk->use.empty() && jwk->use != "sig")) continue;
    Status added = set.Add(*jwk);
    if (added.code() == StatusCode::kAlreadyExists) {
      return InvalidArgument(where + ": duplicate kid " + Quote(jwk->kid));
    }
    if (!added.ok()) return added.WithContext(where);
  }
  if (set.empty()) return InvalidArgument("JWK Set has no usable signing key (RSA or EC P-256)");
  return set;
}

Result<JwkSet> JwkSet::Parse(std::string_view text) {
  auto parsed = ParseJson(text);
  if (!parsed) return InvalidArgument("JWK Set is not JSON");
  return FromJson(*parsed);
}

json JwkSet::ToJson() const {
  json keys = json::array();
  for (const auto& key : keys_) keys.push_back(JwkToJson(key.jwk()));
  return json{{"keys", std::move(keys)}};
}

const crypto::JwsVerificationKey* JwkSet::Find(std::string_view kid) const {
  for (const auto& key : keys_) {
    if (!key.jwk().kid.empty() && key.jwk().kid == kid) return &key;
  }
  return nullptr;
}

Result<std::string> SignJwt(const json& claims, const crypto::RsaSigningKey& key) {
  if (!claims.is_object()) return InvalidArgument("JWT claims must be a JSON object");
  auto exp = claims.find("exp");
  if (exp == claims.end() || !exp->is_number()) {
    return InvalidArgument("JWT claims need a numeric \"exp\"");
  }
  const json header = {{"alg", "RS256"}, {"kid", key.kid()}, {"typ", "JWT"}};
  std::string payload;
  try {
    // std::map keeps members sorted, so the output is deterministic.
    payload = claims.dump();
  } catch (const json::exception&) {  // type_error 316: a string that is not UTF-8
    return InvalidArgument("JWT claims hold a string that is not valid UTF-8");
  }
  std::string token =
      crypto::Base64UrlEncode(header.dump()) + "." + crypto::Base64UrlEncode(payload);
  // The signature adds bits/8 bytes as base64url.
  if (token.size() + 1 + (static_cast<size_t>(key.bits()) / 8 * 4 + 2) / 3 > kMaxJwtBytes) {
    return InvalidArgument("JWT would be longer than " + std::to_string(kMaxJwtBytes) + " bytes");
  }
  ASSIGN_OR_RETURN(std::string signature, key.SignRs256(token));
  token += "." + crypto::Base64UrlEncode(signature);
  return token;
}

Result<json> VerifyJwt(std::string_view token, const JwkSet& keys,
                       const JwtVerifyOptions& options) {
  if (options.issuer.empty()) return InvalidArgument("JWT verification needs an expected issuer");
  if (options.leeway_seconds < 0 || options.leeway_seconds > 300) {
    return InvalidArgument("JWT leeway must be 0 to 300 seconds");
  }
  if (token.size() > options.max_token_bytes) {
    return InvalidArgument("JWT is longer than " + std::to_string(options.max_token_bytes) +
                           " bytes");
  }
  const size_t dot1 = token.find('.');
  const size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return InvalidArgument("malformed JWT: expected three base64url segments separated by '.'");
  }
  const std::string_view header_b64 = token.substr(0, dot1);
  const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_b64 = token.substr(dot2 + 1);
  const std::string_view signing_input = token.substr(0, dot2);

  ASSIGN_OR_RETURN(json header, DecodeJsonSegment(header_b64, "header"));
  auto alg_it = header.find("alg");
  if (alg_it == header.end() || !alg_it->is_string()) {
    return InvalidArgument("malformed JWT: header lacks a string \"alg\"");
  }
  const std::string alg_name = alg_it->get<std::string>();
  if (alg_name == "none") return Unauthenticated("JWT alg \"none\" (an unsigned token) is refused");
  auto alg = crypto::ParseJwsAlgorithm(alg_name);
  if (!alg.ok() || std::find(options.allowed_algorithms.begin(), options.allowed_algorithms.end(),
                             *alg) == options.allowed_algorithms.end()) {
    return Unauthenticated("JWT alg " + Quote(alg_name) + " is not allowed");
  }
  // RFC 7515 §4.1.11: extensions marked critical must be understood; we implement none.
  if (header.contains("crit")) return InvalidArgument("JWT header has \"crit\" extensions");

  const crypto::JwsVerificationKey* key = nullptr;
  auto kid_it = header.find("kid");
  if (kid_it != header.end()) {
    if (!kid_it->is_string()) return InvalidArgument("malformed JWT: \"kid\" is not a string");
    key = keys.Find(kid_it->get<std::string>());
    if (key == nullptr) {
      return Unauthenticated("JWT kid " + Quote(kid_it->get<std::string>()) +
                             " is not in the key set");
    }
  } else {
    size_t candidates = 0;
    for (const auto& k : keys.keys()) {
      if (k.algorithm() == *alg) {
        key = &k;
        ++candidates;
      }
    }
    if (candidates != 1) {
      return Unauthenticated("JWT has no \"kid\" and the key set has " +
                             std::to_string(candidates) + " " + alg_name + " keys");
    }
  }
  if (key->algorithm() != *alg) {
    return Unauthenticated("JWT alg " + alg_name + " does not fit key " + Quote(key->jwk().kid) +
                           " (" + key->jwk().kty + ")");
  }

  auto signature = crypto::Base64UrlDecode(signature_b64);
  if (!signature.ok() || signature->empty()) {
    return InvalidArgument("malformed JWT: signature is empty or not base64url");
  }
  Status verified = key->Verify(*alg, signing_input, *signature);
  if (!verified.ok()) return Unauthenticated("JWT signature does not verify");

  ASSIGN_OR_RETURN(json claims, DecodeJsonSegment(payload_b64, "payload"));
  RETURN_IF_ERROR(CheckClaims(claims, options));
  return claims;
}

}  // namespace renkei::identity
