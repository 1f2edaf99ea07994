// GA4GH Passport visas for access grants: the hub (as Visa Issuer) turns each active grant of a
// data-use application into a short-lived ControlledAccessGrants visa, and a site node (as
// Passport Clearinghouse) verifies the visas that come with a request before it answers any
// dataset at the controlled tier.
//
// Format, following GA4GH Passport v1.2.1 and the GA4GH AAI OIDC Profile v1.2:
//   header   {"alg": "RS256", "jku": "<issuer>/v1/visas/jwks", "kid": <key thumbprint>,
//             "typ": "vnd.ga4gh.visa+jwt"}
//            — AAI §"Visa Document Token Format" (a jku is required; RS256 is one of the
//            algorithms AAI §"Signing Algorithms" allows) and Passport §"Visa Format" / "typ"
//            (the recommended media type; "JWT" is also accepted when verifying).
//   payload  {"iss": <issuer>, "sub": <user>, "iat", "exp", "jti": <unique, random>,
//             "ga4gh_visa_v1": {"type": "ControlledAccessGrants", "asserted": <granted at>,
//                               "value": "<issuer>/datasets/<site>/<dataset>",
//                               "source": "<issuer>/dac", "by": "dac"},
//             "renkei_grant": <grant id>, "renkei_application": <application id>}
//            — Passport §"Visa Object Claims" (type, asserted, value, source, by) and
//            §"ControlledAccessGrants" (value a URL Claim naming the dataset, source the
//            granting organisation, "by" required: the data access committee). The two
//            renkei_ claims are private claims (AAI §"GA4GH JWT Format" allows non-GA4GH
//            claims): they name the grant so that a revocation can refuse every visa of it.
// Verification (Passport §"Visa Expiry", §"conditions", §"URL Claims"; RFC 8725): the key is
// taken from the node's configured key set by kid, never from jku; only RS256 and ES256; exp
// and iat against the node's clock; "value" and "source" compared as whole, case-sensitive
// strings; a visa with a non-empty "conditions" is refused (this clearinghouse does not
// evaluate conditions, which Passport §"conditions" then requires); a visa of a revoked grant
// or jti is refused.
//
// Thread-safety: the free functions are thread-safe; RevokedGrants is internally locked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/openssl.h"
#include "identity/jwt.h"

namespace renkei::identity {

inline constexpr std::string_view kVisaMediaType = "vnd.ga4gh.visa+jwt";
inline constexpr std::string_view kControlledAccessGrants = "ControlledAccessGrants";
// Visas this long or longer are refused before decoding (ours are about 900 bytes).
inline constexpr size_t kMaxVisaBytes = 4096;

// One grant as a visa states it.
struct VisaGrant {
  std::string subject;      // "sub": the grantee as the hub names callers, e.g. "user:17"
  std::string site;         // site id holding the dataset, e.g. "tohoku"
  std::string dataset;      // dataset id at that site, e.g. "TMM-a"
  std::string application;  // application id ("APP-000001"); "" for a configured standing grant
  std::string grant_id;     // identifies the grant for revocation; see GrantId
  int64_t asserted = 0;     // when access was granted (Unix seconds)
  int64_t expiry = 0;       // when the grant ends (Unix seconds): no visa outlives it
  std::string jti;          // set by VerifyVisa: the visa's own id
  int64_t visa_expiry = 0;  // set by VerifyVisa: the visa's "exp"

  bool operator==(const VisaGrant&) const = default;
};

// "<application>/<site>/<dataset>/<granted-at Unix seconds>": unique per grant, so a dataset
// granted again after a revocation gets a new id. Never fails.
std::string GrantId(std::string_view application, std::string_view site, std::string_view dataset,
                    int64_t granted_at);

// The "value" of a dataset's visas: "<issuer>/datasets/<site>/<dataset>".
std::string VisaDatasetUrl(std::string_view issuer, std::string_view site,
                           std::string_view dataset);
// The "source" of every visa the hub issues: "<issuer>/dac".
std::string VisaSource(std::string_view issuer);
// The "jku" header: "<issuer>/v1/visas/jwks", where the hub publishes its visa keys.
std::string VisaJwksUrl(std::string_view issuer);

// Signs a ControlledAccessGrants visa for `grant` (format above) with `key`, issued at `now`
// and expiring at min(now + lifetime_seconds, grant.expiry). The jti is 16 random bytes,
// base64url. Returns the compact JWS. InvalidArgument for an empty issuer, subject, site,
// dataset or grant_id, a lifetime that is not positive, a grant that has already ended
// (expiry <= now) or text that is not valid UTF-8; Internal if signing fails. Thread-safe.
Result<std::string> IssueVisa(const VisaGrant& grant, std::string_view issuer,
                              const crypto::RsaSigningKey& key, int64_t now,
                              int64_t lifetime_seconds);

class RevokedGrants;

struct VisaVerifyOptions {
  std::string issuer;                      // the hub's visa issuer: "iss" must equal it
  std::string site;                        // this node's site id
  std::vector<std::string> datasets;       // this node's dataset ids
  int64_t now = 0;                         // the node's clock, Unix seconds
  int64_t leeway_seconds = 30;             // clock skew tolerated for exp and iat (0..300)
  const RevokedGrants* revoked = nullptr;  // optional; not owned
};

// Verifies one visa and returns the grant it carries (with jti and visa_expiry set). Errors,
// each message starting "visa " and saying why:
//   Unauthenticated  — malformed (not a compact JWS, not JSON, longer than kMaxVisaBytes, a
//                      claim of the wrong type); "typ" other than vnd.ga4gh.visa+jwt or JWT;
//                      no "jku"; alg "none", HMAC or anything but RS256/ES256; a kid not in
//                      `keys`; a bad signature; another issuer; expired (now >= exp + leeway);
//                      issued in the future (iat > now + leeway); missing sub, jti, iat or
//                      ga4gh_visa_v1; a visa type other than ControlledAccessGrants; "by"
//                      other than "dac"; another "source"; non-empty "conditions"; a "value"
//                      that is not one of the issuer's dataset URLs.
//   PermissionDenied — a dataset URL of another site or of a dataset this node does not hold;
//                      a revoked grant or jti.
//   InvalidArgument  — options without issuer or site, or leeway outside 0..300.
// The signature is checked before any claim is trusted. Thread-safe.
Result<VisaGrant> VerifyVisa(std::string_view visa, const JwkSet& keys,
                             const VisaVerifyOptions& options);

// Visas travel between hub and node space-separated in one header (X-Renkei-Visas). Splits
// such a value into its visas (empty pieces dropped). Never fails.
std::vector<std::string_view> SplitVisas(std::string_view header);

// The revocations a node has been told about: grant ids and visa jtis, each kept until `until`
// (the revoked grant's own expiry: no visa of it can be valid later), at most `capacity` of
// them (the earliest to lapse are forgotten first when more arrive). Optionally kept in a small
// JSON file so that a restarted node still refuses them.
class RevokedGrants {
 public:
  static constexpr size_t kDefaultCapacity = 100'000;

  explicit RevokedGrants(size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  // Loads the file written by Save ({"revoked": [{"id", "until"}...]}); a missing file is an
  // empty list. InvalidArgument if it is not such a document; NotFound if it cannot be read.
  // Entries already lapsed at `now` are dropped. Remembers `path` for later saves.
  Status Load(const std::string& path, int64_t now);

  // Adds ids (InvalidArgument for an empty id or one longer than 512 bytes: nothing is added)
  // and forgets lapsed ones. Then rewrites the file given to Load, if any (atomically: a
  // temporary file and rename); Internal if that fails (the ids are kept in memory anyway).
  Status Add(const std::vector<std::pair<std::string, int64_t>>& ids, int64_t now);

  // Whether `id` is revoked (and not lapsed) at `now`.
  bool Contains(std::string_view id, int64_t now) const;
  size_t size() const;

 private:
  Status SaveLocked() const;  // requires mu_

  const size_t capacity_;
  mutable std::mutex mu_;
  std::map<std::string, int64_t, std::less<>> until_;  // id → until (Unix seconds)
  std::string path_;
};

}  // namespace renkei::identity
