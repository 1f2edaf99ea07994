// JSON Web Tokens (RFC 7519) in JWS compact serialization (RFC 7515): the hub's OpenID Connect
// ID tokens and GA4GH Passport visas, signed with RS256, and verification of tokens from the hub
// itself or from an external OpenID provider (RS256 or ES256) against a JSON Web Key Set.
//
// Verification follows RFC 8725 (JWT Best Current Practices): the caller names the algorithms
// it accepts (never "none", never HMAC), the key is chosen from the caller's key set by "kid"
// (header members "jwk", "jku" and "x5u" are ignored: a token cannot bring its own key), the
// issuer is always checked, and the audience, expiry, not-before and issued-at claims are
// checked against the caller's clock with a small leeway.
//
// Thread-safety: the free functions are thread-safe; a JwkSet is immutable after building, so
// many threads may verify against one set at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/openssl.h"

namespace renkei::identity {

inline constexpr size_t kMaxJwtBytes = 16 * 1024;

// The JSON object of `jwk` with its non-empty members (kty, kid, use, alg, n, e, crv, x, y).
nlohmann::json JwkToJson(const crypto::Jwk& jwk);

// The members of a JWK JSON object. InvalidArgument if it is not an object, a known member is
// not a string, or it holds private key material ("d", "p", "q", ...: a public key set must never
// carry them). Other members are ignored. The key itself is checked by JwkSet::Add.
Result<crypto::Jwk> JwkFromJson(const nlohmann::json& json);

// A set of public keys to verify tokens with: the hub's own (published at its jwks_uri) or an
// external provider's (fetched from its jwks_uri by the caller).
class JwkSet {
 public:
  JwkSet() = default;

  // Parses a JWK Set document {"keys": [...]} (RFC 7517 §5). Keys that cannot sign with an
  // algorithm we support are skipped, as RFC 7517 §5 asks: "use" other than "sig", kty other
  // than RSA/EC, curves other than P-256, or an "alg" we do not implement. InvalidArgument for
  // a document that is not such an object, a malformed supported key (JwkFromJson and
  // JwsVerificationKey::FromJwk errors, prefixed with the key's position), duplicate kids, or no
  // usable key at all.
  static Result<JwkSet> FromJson(const nlohmann::json& jwks);
  // The same from JSON text (InvalidArgument if it is not JSON).
  static Result<JwkSet> Parse(std::string_view text);

  // Adds one key. InvalidArgument for the JwsVerificationKey::FromJwk errors; AlreadyExists if
  // its kid is non-empty and already in the set. (Keys without kid may be added; a token
  // without kid then needs exactly one key for its alg, see VerifyJwt.)
  Status Add(const crypto::Jwk& jwk);

  // {"keys": [JwkToJson(key) ...]} in insertion order: the hub's jwks_uri document.
  nlohmann::json ToJson() const;

  // The key with this kid, or nullptr.
  const crypto::JwsVerificationKey* Find(std::string_view kid) const;

  const std::vector<crypto::JwsVerificationKey>& keys() const { return keys_; }
  size_t size() const { return keys_.size(); }
  bool empty() const { return keys_.empty(); }

 private:
  std::vector<crypto::JwsVerificationKey> keys_;
};

// Signs `claims` (a JSON object, which must hold a numeric "exp") as a compact JWS with the
// protected header {"alg":"RS256","kid":<key.kid()>,"typ":"JWT"}. The claims are serialised as
// compact JSON, members sorted by name. InvalidArgument if claims is not an object, lacks a
// numeric exp, holds strings that are not valid UTF-8, or the token would exceed kMaxJwtBytes;
// Internal if signing fails. The caller sets iss, sub, aud, iat, exp, nonce, etc.
Result<std::string> SignJwt(const nlohmann::json& claims, const crypto::RsaSigningKey& key);

struct JwtVerifyOptions {
  // Required: the "iss" the token must carry, compared exactly (OIDC Core §3.1.3.7).
  std::string issuer;
  // If set, "aud" must equal it or, when an array, contain it. If not set, a token that has an
  // "aud" is refused (RFC 7519 §4.1.3: a recipient not named in aud must reject the token).
  std::optional<std::string> audience;
  // The current Unix time in seconds (the caller's clock, so tests can fix it).
  int64_t now = 0;
  // Tolerated clock skew for exp, nbf and iat, in seconds (0 to 300).
  int64_t leeway_seconds = 60;
  // The "alg" values accepted; by default only RS256. Add kEs256 for a provider that uses it.
  std::vector<crypto::JwsAlgorithm> allowed_algorithms = {crypto::JwsAlgorithm::kRs256};
  // Longer tokens are refused before any decoding.
  size_t max_token_bytes = kMaxJwtBytes;
};

// Verifies a compact JWS JWT and returns its claims (a JSON object). Checks, in order, with a
// distinct message for each failure:
//   InvalidArgument  — options without issuer or with leeway outside 0–300; a token longer than
//                      options.max_token_bytes; not three '.'-separated segments; a segment that
//                      is not base64url; a header or payload that is not a JSON object; a header
//                      without a string "alg"; a "kid" that is not a string; a "crit" header;
//                      exp/nbf/iat that are not numbers; "aud" neither string nor string array.
//   Unauthenticated  — alg "none"; an alg not in options.allowed_algorithms (HS256 included);
//                      a kid not in `keys`; no kid while `keys` holds other than exactly one key
//                      for the alg; a key whose type does not fit the alg; a bad signature;
//                      a missing or wrong "iss"; a missing "exp"; now >= exp + leeway
//                      ("JWT has expired"); now + leeway < nbf; iat > now + leeway; a missing or
//                      wrong "aud", or an "aud" when none is expected.
// The signature is checked before the payload is parsed.
Result<nlohmann::json> VerifyJwt(std::string_view token, const JwkSet& keys,
                                 const JwtVerifyOptions& options);

}  // namespace renkei::identity
