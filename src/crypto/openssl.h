// The one wrapper around OpenSSL's libcrypto (DESIGN.md: wrap each C library once). Nothing else
// includes OpenSSL headers. It covers what libsodium lacks: HMAC-SHA1 (TOTP, RFC 6238) and the
// JWS signatures of OpenID Connect — RS256 (RSASSA-PKCS1-v1_5 with SHA-256, the algorithm every
// OIDC party must support) for signing and verifying, and ES256 (ECDSA P-256 with SHA-256, used
// by some external identity providers) for verifying.
//
// Thread-safety: the free functions are thread-safe. Key objects are immutable once built; their
// const methods may run on many threads at once, and copies share the same underlying key.
// Secrets (private keys, PEM text) are never logged or put into error messages.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY; opaque outside openssl.cc

namespace renkei::crypto {

inline constexpr size_t kHmacSha1Bytes = 20;
inline constexpr size_t kHmacSha256Bytes = 32;

// HMAC (RFC 2104) of `message` under `key` (any length, empty included), as raw digest bytes
// (kHmacSha1Bytes / kHmacSha256Bytes). Internal only if OpenSSL fails unexpectedly.
Result<std::string> HmacSha1(std::string_view key, std::string_view message);
Result<std::string> HmacSha256(std::string_view key, std::string_view message);

// The JWS "alg" values this platform handles (RFC 7518 §3.1). "none" and the HMAC algorithms are
// deliberately absent: an HS256 token verified with an RSA public key as the HMAC secret is the
// classic algorithm-confusion attack.
enum class JwsAlgorithm { kRs256, kEs256 };

// "RS256" or "ES256".
std::string_view JwsAlgorithmName(JwsAlgorithm alg);

// The algorithm named `name` (case-sensitive, as RFC 7515 requires); InvalidArgument
// "unsupported JWS algorithm ..." for anything else, "none" included.
Result<JwsAlgorithm> ParseJwsAlgorithm(std::string_view name);

// A public JSON Web Key (RFC 7517) for signatures, members as they appear in the JSON; binary
// members are base64url without padding. An empty string means the member is absent. Converting
// to and from JSON is identity/jwt.h's job, so this layer needs no JSON library.
struct Jwk {
  std::string kty;  // "RSA" or "EC"
  std::string kid;  // key id; for our own keys the RFC 7638 thumbprint
  std::string alg;  // "RS256", "ES256", or absent
  std::string use;  // "sig", or absent
  std::string n;    // RSA modulus, big-endian without leading zero octets (RFC 7518 §6.3.1.1)
  std::string e;    // RSA public exponent, likewise
  std::string crv;  // EC curve: "P-256"
  std::string x;    // EC x coordinate: exactly 32 octets (RFC 7518 §6.2.1.2)
  std::string y;    // EC y coordinate: exactly 32 octets

  bool operator==(const Jwk&) const = default;
};

// The RFC 7638 thumbprint of `jwk`: base64url(SHA-256(UTF-8 of the JSON object holding only the
// required members, in lexicographic order, without whitespace)), e.g. for RSA
// {"e":"AQAB","kty":"RSA","n":"..."}. Optional members (kid, alg, use) do not take part.
// InvalidArgument if kty is not RSA or EC, the curve is not P-256, or a required member is
// missing or not base64url.
Result<std::string> JwkThumbprint(const Jwk& jwk);

// The members of an RSA private JWK (RFC 7518 §6.3.2), base64url without padding. Used to load
// published test keys; our own keys live in PEM files.
struct RsaPrivateJwk {
  std::string n, e, d, p, q, dp, dq, qi;
};

// An RSA private key for signing JWS with RS256: the hub's OpenID Connect ID tokens and GA4GH
// Passport visas. Keys are 2048 to 8192 bits (RFC 7518 §3.3 requires at least 2048).
class RsaSigningKey {
 public:
  inline static constexpr int kDefaultBits = 2048;

  // A fresh key of `bits` bits with public exponent 65537, from OpenSSL's CSPRNG.
  // InvalidArgument if `bits` is outside [2048, 8192]; Internal if generation fails.
  static Result<RsaSigningKey> Generate(int bits = kDefaultBits);

  // Parses an unencrypted PEM private key ("BEGIN PRIVATE KEY" PKCS#8 or "BEGIN RSA PRIVATE KEY"
  // PKCS#1). InvalidArgument if it does not parse, is encrypted (never prompts for a passphrase),
  // is not RSA, is outside [2048, 8192] bits, or fails OpenSSL's consistency check.
  static Result<RsaSigningKey> FromPem(std::string_view pem);

  // Reads and parses the PEM file at `path` (at most 64 KiB). NotFound if it does not exist;
  // FailedPrecondition if group or others may read or write it (like ssh, we refuse a private
  // key whose mode is not 0600 or 0400); Internal for other I/O errors; FromPem's errors.
  static Result<RsaSigningKey> LoadPemFile(const std::string& path);

  // Builds the key from its JWK members (n, e, d and the CRT values p, q, dp, dq, qi). Same
  // checks and errors as FromPem.
  static Result<RsaSigningKey> FromJwk(const RsaPrivateJwk& jwk);

  // The private key as unencrypted PKCS#8 PEM text. Secret: the caller must not log it.
  // Internal if OpenSSL fails.
  Result<std::string> ToPem() const;

  // Writes ToPem() to `path` with mode 0600, atomically (a temporary file beside it, fsync, then
  // rename), replacing any existing file. Internal on I/O errors (the message names the path).
  Status SavePemFile(const std::string& path) const;

  // The public half as a JWK {kty: RSA, n, e, kid, alg: RS256, use: sig} whose kid is the RFC
  // 7638 thumbprint, ready for the hub's JWKS document.
  const Jwk& public_jwk() const { return public_jwk_; }
  const std::string& kid() const { return public_jwk_.kid; }
  int bits() const { return bits_; }

  // The RS256 signature of `message` (RSASSA-PKCS1-v1_5 with SHA-256; deterministic, bits/8
  // raw bytes). Internal if OpenSSL fails.
  Result<std::string> SignRs256(std::string_view message) const;

 private:
  RsaSigningKey(std::shared_ptr<evp_pkey_st> key, Jwk public_jwk, int bits)
      : key_(std::move(key)), public_jwk_(std::move(public_jwk)), bits_(bits) {}
  static Result<RsaSigningKey> FromEvpPkey(std::shared_ptr<evp_pkey_st> key);

  std::shared_ptr<evp_pkey_st> key_;  // never null
  Jwk public_jwk_;
  int bits_ = 0;
};

// A public key, imported from a JWK, that verifies JWS signatures: RS256 for RSA keys (2048 to
// 8192 bits) and ES256 for EC P-256 keys.
class JwsVerificationKey {
 public:
  // Imports `jwk`. InvalidArgument (naming the problem) if kty is not RSA or EC, the curve is
  // not P-256, a member is missing or not base64url, n or e has leading zero octets, the
  // modulus is outside [2048, 8192] bits, an EC coordinate is not 32 octets or the point is not
  // on the curve, "use" is present but not "sig", or "alg" is present but does not fit the key.
  static Result<JwsVerificationKey> FromJwk(const Jwk& jwk);

  const Jwk& jwk() const { return jwk_; }
  // The one algorithm this key verifies: RS256 for RSA, ES256 for P-256.
  JwsAlgorithm algorithm() const { return algorithm_; }

  // OK if `signature` is a valid `alg` signature of `message` by this key. InvalidArgument if
  // `alg` does not fit the key type ("key ... is RSA but the token says ES256");
  // Unauthenticated "signature does not verify" otherwise, including for an ES256 signature that
  // is not exactly 64 bytes (JWS ES256 signatures are raw r‖s, RFC 7518 §3.4, not DER).
  Status Verify(JwsAlgorithm alg, std::string_view message, std::string_view signature) const;

 private:
  JwsVerificationKey(std::shared_ptr<evp_pkey_st> key, Jwk jwk, JwsAlgorithm algorithm)
      : key_(std::move(key)), jwk_(std::move(jwk)), algorithm_(algorithm) {}

  std::shared_ptr<evp_pkey_st> key_;  // never null
  Jwk jwk_;
  JwsAlgorithm algorithm_;
};

}  // namespace renkei::crypto
