// Hub → node request signing (Ed25519). The hub signs every request it sends to a node; a node
// answers only requests that carry a valid, fresh, never-seen signature from its hub.
//
// Signed message (UTF-8, fields joined by '\n'):
//   "renkei-request-v1", audience (the node's site id), method, path (with query string),
//   timestamp (Unix seconds, decimal), nonce (base64 of 16 random bytes),
//   hex SHA-256 of the body, and the caller header value (tier and caller id asserted by hub)
// Headers: X-Renkei-Timestamp, X-Renkei-Nonce, X-Renkei-Caller, X-Renkei-Signature (base64).
// Binding the audience stops a request captured at one node being replayed at another.
//
// A request that carries GA4GH Passport visas (identity/passport.h) for the node sends them
// space-separated in X-Renkei-Visas and is signed as "renkei-request-v2": the same fields
// followed by one more, the visas header value. So the visas cannot be added, removed or
// swapped without breaking the signature, and requests without visas sign exactly as before.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"

namespace renkei {

inline constexpr std::string_view kHeaderTimestamp = "X-Renkei-Timestamp";
inline constexpr std::string_view kHeaderNonce = "X-Renkei-Nonce";
inline constexpr std::string_view kHeaderCaller = "X-Renkei-Caller";
inline constexpr std::string_view kHeaderSignature = "X-Renkei-Signature";
inline constexpr std::string_view kHeaderVisas = "X-Renkei-Visas";

struct SignedRequest {
  std::string method;  // "GET", "POST"
  std::string path;    // "/v1/freq?x=1"
  std::string body;
  std::string caller;      // e.g. "registered:alice"; the node trusts it only when signed
  std::string visas = {};  // space-separated compact JWS visas for this node; "" = none
};

// Headers to attach (name → value).
using SignatureHeaders = std::map<std::string, std::string>;

class RequestSigner {
 public:
  // `secret_key`: 64-byte Ed25519 secret key. InvalidArgument if the size is wrong.
  static Result<RequestSigner> Create(std::string secret_key);
  // Signs `request` for the node `audience` at time `now` with a fresh random nonce; returns the
  // four headers above, plus X-Renkei-Visas when request.visas is not empty. A method, path,
  // caller or visas value containing a line break yields headers that every verifier refuses.
  // Thread-safe.
  SignatureHeaders Sign(std::string_view audience, const SignedRequest& request,
                        std::chrono::system_clock::time_point now) const;

 private:
  explicit RequestSigner(std::string secret_key) : secret_key_(std::move(secret_key)) {}
  std::string secret_key_;
};

// Checks requests signed by the hub. Create returns it behind a unique_ptr because it is
// shared by the node's request threads and owns a mutex, so it is neither copyable nor movable.
//
// Replay cache: an accepted request's nonce is remembered until 2×max_skew after the request's
// timestamp (by then the request is refused as expired anyway). Forgotten entries are swept at
// most once per max_skew, and whenever the cache reaches `max_nonces`. If the cache is still
// full after a sweep (more than `max_nonces` requests within 2×max_skew — a misbehaving hub),
// the entries with the oldest timestamps are forgotten in one batch (1/16 of the cap) rather
// than refusing everything with Unavailable; the verifier then records the newest expiry it has
// forgotten and refuses every request whose nonce could be among them ("request too old to
// check for replay"). So memory stays bounded (about 100 bytes per entry, ~100 MB at the
// default cap), a replay is never accepted, and in normal operation nothing fresh is refused.
// The same watermark keeps replays out if the clock passed to Verify steps backwards.
class RequestVerifier {
  // Lets Create use std::make_unique while no one else can construct a verifier.
  struct PassKey {
    explicit PassKey() = default;
  };

 public:
  static constexpr size_t kDefaultMaxNonces = 1'000'000;

  // `public_key`: the hub's 32-byte Ed25519 public key; `audience`: this node's site id
  // (non-empty, no line breaks); requests older or newer than `max_skew` (1 s to 1 day) are
  // refused; `max_nonces` (≥ 1) bounds the replay cache. InvalidArgument otherwise.
  static Result<std::unique_ptr<RequestVerifier>> Create(
      std::string public_key, std::string audience,
      std::chrono::seconds max_skew = std::chrono::seconds(60),
      size_t max_nonces = kDefaultMaxNonces);

  // OK if the headers carry a valid signature of `request` (whose caller field is taken from
  // the headers) that is fresh and whose nonce has not been seen. Otherwise Unauthenticated
  // with the reason: "missing signature headers: <names>", "malformed ...", "request expired
  // (skew 75 s > 60 s)", "replayed request (nonce already used)", "request too old to check for
  // replay ...", "bad signature". A nonce is remembered only when the signature is valid.
  //
  // Header names are matched case-insensitively (HTTP); two spellings of the same header are
  // refused as malformed. `request.caller` is ignored: the caller is the X-Renkei-Caller header,
  // which the signature covers, and callers must take it from there once Verify returns OK;
  // likewise `request.visas` is ignored and the optional X-Renkei-Visas header is what is
  // verified (its absence and an empty value mean the same: no visas). Method, path, caller and
  // visas may not contain a line break (it would make the signed message ambiguous).
  // Thread-safe.
  Status Verify(const SignedRequest& request, const SignatureHeaders& headers,
                std::chrono::system_clock::time_point now);

  // Number of nonces currently remembered (for monitoring and tests). Thread-safe.
  size_t RememberedNonces() const;

  // Use Create.
  RequestVerifier(PassKey, std::string public_key, std::string audience,
                  std::chrono::seconds max_skew, size_t max_nonces)
      : public_key_(std::move(public_key)),
        audience_(std::move(audience)),
        max_skew_(max_skew),
        max_nonces_(max_nonces) {}
  RequestVerifier(const RequestVerifier&) = delete;
  RequestVerifier& operator=(const RequestVerifier&) = delete;

 private:
  // Both require mu_ held. Sweep forgets expired nonces; Trim forgets the oldest batch.
  void Sweep(int64_t now);
  void Trim();

  const std::string public_key_, audience_;
  const std::chrono::seconds max_skew_;
  const size_t max_nonces_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, int64_t> nonces_;  // nonce (raw bytes) → expiry (Unix s)
  int64_t next_sweep_ = 0;
  // Every accepted nonce whose expiry is after this is still in nonces_.
  int64_t forgotten_through_ = std::numeric_limits<int64_t>::min();
};

}  // namespace renkei
