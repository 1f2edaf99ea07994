#include "federation/signing.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <vector>

#include "crypto/sodium.h"

namespace renkei {
namespace {

constexpr std::string_view kMessageVersion = "renkei-request-v1";
constexpr std::string_view kMessageVersionVisas = "renkei-request-v2";
constexpr size_t kNonceBytes = 16;
constexpr std::chrono::seconds kMaxSkewLimit = std::chrono::hours(24);

int64_t UnixSeconds(std::chrono::system_clock::time_point t) {
  return static_cast<int64_t>(
      std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count());
}

// The exact bytes that are signed (see signing.h). The verifier rebuilds this from its own
// audience and the request it received, so any changed field changes the message.
std::string SignedMessage(std::string_view audience, std::string_view method, std::string_view path,
                          std::string_view timestamp, std::string_view nonce, std::string_view body,
                          std::string_view caller, std::string_view visas) {
  const std::string body_hash = crypto::HexEncode(crypto::Sha256(body));
  const std::string_view version = visas.empty() ? kMessageVersion : kMessageVersionVisas;
  std::string m;
  m.reserve(version.size() + audience.size() + method.size() + path.size() + timestamp.size() +
            nonce.size() + body_hash.size() + caller.size() + visas.size() + 8);
  for (std::string_view field :
       {version, audience, method, path, timestamp, nonce, std::string_view(body_hash)}) {
    m.append(field);
    m.push_back('\n');
  }
  m.append(caller);
  if (!visas.empty()) {
    m.push_back('\n');
    m.append(visas);
  }
  return m;
}

bool HasLineBreak(std::string_view s) { return s.find('\n') != std::string_view::npos; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The value of header `name`, matched case-insensitively; nullptr if absent. Sets *duplicate
// when the map holds the name in more than one spelling (which value would be meant is unclear,
// so the caller refuses the request).
const std::string* FindHeader(const SignatureHeaders& headers, std::string_view name,
                              bool* duplicate) {
  const std::string* found = nullptr;
  for (const auto& [key, value] : headers) {
    if (!EqualsIgnoreCase(key, name)) continue;
    if (found != nullptr) *duplicate = true;
    found = &value;
  }
  return found;
}

// Strict decimal: what std::to_string would print, nothing else (no '+', spaces or leading
// zeros), so the signed text has exactly one spelling per timestamp.
bool ParseTimestamp(std::string_view text, int64_t* out) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return false;
  if (std::to_string(v) != text) return false;
  *out = v;
  return true;
}

}  // namespace

Result<RequestSigner> RequestSigner::Create(std::string secret_key) {
  if (secret_key.size() != crypto::kEd25519SecretKeyBytes) {
    return InvalidArgument(
        "request signing key must be a " + std::to_string(crypto::kEd25519SecretKeyBytes) +
        "-byte Ed25519 secret key, got " + std::to_string(secret_key.size()) + " bytes");
  }
  return RequestSigner(std::move(secret_key));
}

SignatureHeaders RequestSigner::Sign(std::string_view audience, const SignedRequest& request,
                                     std::chrono::system_clock::time_point now) const {
  const std::string timestamp = std::to_string(UnixSeconds(now));
  const std::string nonce = crypto::Base64Encode(crypto::RandomBytes(kNonceBytes));
  const std::string message = SignedMessage(audience, request.method, request.path, timestamp,
                                            nonce, request.body, request.caller, request.visas);
  Result<std::string> signature = crypto::SignEd25519(secret_key_, message);
  // Cannot fail: Create checked the key size, the only reason SignEd25519 refuses.
  assert(signature.ok());
  SignatureHeaders headers{
      {std::string(kHeaderTimestamp), timestamp},
      {std::string(kHeaderNonce), nonce},
      {std::string(kHeaderCaller), request.caller},
      {std::string(kHeaderSignature), crypto::Base64Encode(*signature)},
  };
  if (!request.visas.empty()) headers.emplace(std::string(kHeaderVisas), request.visas);
  return headers;
}

Result<std::unique_ptr<RequestVerifier>> RequestVerifier::Create(std::string public_key,
                                                                 std::string audience,
                                                                 std::chrono::seconds max_skew,
                                                                 size_t max_nonces) {
  if (public_key.size() != crypto::kEd25519PublicKeyBytes) {
    return InvalidArgument("hub public key must be " +
                           std::to_string(crypto::kEd25519PublicKeyBytes) +
                           " bytes (Ed25519), got " + std::to_string(public_key.size()));
  }
  if (audience.empty() || HasLineBreak(audience)) {
    return InvalidArgument("site id for request verification must be non-empty and one line");
  }
  if (max_skew < std::chrono::seconds(1) || max_skew > kMaxSkewLimit) {
    return InvalidArgument("maximum clock skew must be between 1 s and 1 day, got " +
                           std::to_string(max_skew.count()) + " s");
  }
  if (max_nonces < 1) return InvalidArgument("nonce cache size must be at least 1");
  return std::make_unique<RequestVerifier>(PassKey(), std::move(public_key), std::move(audience),
                                           max_skew, max_nonces);
}

Status RequestVerifier::Verify(const SignedRequest& request, const SignatureHeaders& headers,
                               std::chrono::system_clock::time_point now) {
  // 1. Well-formed: all four headers, once each, parseable.
  bool duplicate = false;
  const std::string* timestamp_text = FindHeader(headers, kHeaderTimestamp, &duplicate);
  const std::string* nonce_text = FindHeader(headers, kHeaderNonce, &duplicate);
  const std::string* caller = FindHeader(headers, kHeaderCaller, &duplicate);
  const std::string* signature_text = FindHeader(headers, kHeaderSignature, &duplicate);
  const std::string* visas = FindHeader(headers, kHeaderVisas, &duplicate);  // optional
  std::string missing;
  for (const auto& [value, name] : {std::pair{timestamp_text, kHeaderTimestamp},
                                    {nonce_text, kHeaderNonce},
                                    {caller, kHeaderCaller},
                                    {signature_text, kHeaderSignature}}) {
    if (value != nullptr) continue;
    if (!missing.empty()) missing += ", ";
    missing += name;
  }
  if (!missing.empty()) return Unauthenticated("missing signature headers: " + missing);
  if (duplicate) {
    return Unauthenticated("malformed signature headers (one appears in two spellings)");
  }
  if (HasLineBreak(request.method) || HasLineBreak(request.path)) {
    return Unauthenticated("malformed request (line break in method or path)");
  }
  if (HasLineBreak(*caller)) {
    return Unauthenticated("malformed " + std::string(kHeaderCaller) +
                           " header (contains a line break)");
  }
  if (visas != nullptr && HasLineBreak(*visas)) {
    return Unauthenticated("malformed " + std::string(kHeaderVisas) +
                           " header (contains a line break)");
  }
  int64_t timestamp = 0;
  if (!ParseTimestamp(*timestamp_text, &timestamp)) {
    return Unauthenticated("malformed " + std::string(kHeaderTimestamp) +
                           " header (expected Unix seconds in decimal)");
  }
  Result<std::string> nonce = crypto::Base64Decode(*nonce_text);
  if (!nonce.ok() || nonce->size() != kNonceBytes) {
    return Unauthenticated("malformed " + std::string(kHeaderNonce) +
                           " header (expected base64 of " + std::to_string(kNonceBytes) +
                           " bytes)");
  }
  Result<std::string> signature = crypto::Base64Decode(*signature_text);
  if (!signature.ok() || signature->size() != crypto::kEd25519SignatureBytes) {
    return Unauthenticated("malformed " + std::string(kHeaderSignature) +
                           " header (expected base64 of " +
                           std::to_string(crypto::kEd25519SignatureBytes) + " bytes)");
  }

  // 2. Fresh. Checked before the signature because it is cheap; it reveals nothing secret.
  const int64_t now_s = UnixSeconds(now);
  const int64_t skew = static_cast<int64_t>(max_skew_.count());
  if (timestamp < now_s - skew || timestamp > now_s + skew) {
    // |now - timestamp| without overflow, whatever the timestamp.
    const uint64_t off = timestamp < now_s
                             ? static_cast<uint64_t>(now_s) - static_cast<uint64_t>(timestamp)
                             : static_cast<uint64_t>(timestamp) - static_cast<uint64_t>(now_s);
    return Unauthenticated("request expired (skew " + std::to_string(off) + " s > " +
                           std::to_string(skew) + " s)");
  }

  // 3. Signed by the hub, for this node, over exactly this request. libsodium's verification
  // compares in constant time.
  const std::string message =
      SignedMessage(audience_, request.method, request.path, *timestamp_text, *nonce_text,
                    request.body, *caller, visas != nullptr ? *visas : std::string_view());
  if (!crypto::VerifyEd25519(public_key_, message, *signature)) {
    return Unauthenticated("bad signature");
  }

  // 4. Never seen. Only now, with a valid signature, may the nonce take a place in the cache.
  const int64_t expiry = timestamp + 2 * skew;
  std::lock_guard<std::mutex> lock(mu_);
  if (now_s >= next_sweep_) Sweep(now_s);
  if (nonces_.contains(*nonce)) return Unauthenticated("replayed request (nonce already used)");
  if (expiry <= forgotten_through_) {
    return Unauthenticated(
        "request too old to check for replay (the nonce cache has forgotten requests this old)");
  }
  if (nonces_.size() >= max_nonces_) {
    Sweep(now_s);
    if (nonces_.size() >= max_nonces_) Trim();
  }
  nonces_.emplace(std::move(*nonce), expiry);
  return Status::Ok();
}

size_t RequestVerifier::RememberedNonces() const {
  std::lock_guard<std::mutex> lock(mu_);
  return nonces_.size();
}

void RequestVerifier::Sweep(int64_t now) {
  for (auto it = nonces_.begin(); it != nonces_.end();) {
    if (it->second < now) {
      forgotten_through_ = std::max(forgotten_through_, it->second);
      it = nonces_.erase(it);
    } else {
      ++it;
    }
  }
  next_sweep_ = now + static_cast<int64_t>(max_skew_.count());
}

void RequestVerifier::Trim() {
  // Forget the batch with the earliest expiries (= oldest timestamps); at least one entry, so
  // the caller always has room. Ties at the threshold go too, which keeps the watermark exact.
  const size_t batch = std::max<size_t>(1, max_nonces_ / 16);
  std::vector<int64_t> expiries;
  expiries.reserve(nonces_.size());
  for (const auto& entry : nonces_) expiries.push_back(entry.second);
  if (expiries.empty()) return;
  const size_t k = std::min(batch, expiries.size()) - 1;
  std::nth_element(expiries.begin(), expiries.begin() + static_cast<ptrdiff_t>(k), expiries.end());
  const int64_t threshold = expiries[k];
  std::erase_if(nonces_, [threshold](const auto& entry) { return entry.second <= threshold; });
  forgotten_through_ = std::max(forgotten_through_, threshold);
}

}  // namespace renkei
