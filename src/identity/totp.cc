#include "identity/totp.h"

#include <array>
#include <cstdint>

#include "crypto/openssl.h"
#include "crypto/sodium.h"

namespace renkei::identity {
namespace {

constexpr std::string_view kBase32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr size_t kMaxCodeInput = 64;  // characters accepted before spaces are dropped
constexpr size_t kMaxAccountBytes = 256;

int Base32Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

Status CheckParams(const TotpParams& params) {
  if (params.digits < 6 || params.digits > 8) {
    return InvalidArgument("TOTP digits must be 6 to 8, got " + std::to_string(params.digits));
  }
  if (params.period_seconds < 1 || params.period_seconds > 3600) {
    return InvalidArgument("TOTP period must be 1 to 3600 seconds, got " +
                           std::to_string(params.period_seconds));
  }
  return Status::Ok();
}

Status CheckSecret(std::string_view secret) {
  if (secret.size() < kMinTotpSecretBytes || secret.size() > kMaxTotpSecretBytes) {
    return InvalidArgument("TOTP secret must be " + std::to_string(kMinTotpSecretBytes) + " to " +
                           std::to_string(kMaxTotpSecretBytes) + " bytes, got " +
                           std::to_string(secret.size()));
  }
  return Status::Ok();
}

// HOTP (RFC 4226 §5.3): HMAC of the 8-byte big-endian counter, dynamic truncation, and the
// low `digits` decimal digits, zero-padded.
Result<std::string> Hotp(std::string_view secret, uint64_t counter, const TotpParams& params) {
  std::string message(8, '\0');
  for (int i = 7; i >= 0; --i, counter >>= 8) {
    message[static_cast<size_t>(i)] = static_cast<char>(counter & 0xFF);
  }
  ASSIGN_OR_RETURN(std::string mac, params.algorithm == TotpAlgorithm::kSha1
                                        ? crypto::HmacSha1(secret, message)
                                        : crypto::HmacSha256(secret, message));
  const size_t offset = static_cast<uint8_t>(mac.back()) & 0x0F;
  const uint32_t binary = (static_cast<uint32_t>(static_cast<uint8_t>(mac[offset]) & 0x7F) << 24) |
                          (static_cast<uint32_t>(static_cast<uint8_t>(mac[offset + 1])) << 16) |
                          (static_cast<uint32_t>(static_cast<uint8_t>(mac[offset + 2])) << 8) |
                          static_cast<uint32_t>(static_cast<uint8_t>(mac[offset + 3]));
  uint32_t modulus = 1;
  for (int i = 0; i < params.digits; ++i) modulus *= 10;
  std::string code(static_cast<size_t>(params.digits), '0');
  uint32_t value = binary % modulus;
  for (size_t i = code.size(); i-- > 0; value /= 10) code[i] = static_cast<char>('0' + value % 10);
  return code;
}

void PercentEncode(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += c;
    } else {
      const auto b = static_cast<uint8_t>(c);
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 0x0F];
    }
  }
}

bool HasControl(std::string_view text) {
  for (char c : text) {
    if (static_cast<uint8_t>(c) < 0x20 || c == 0x7F) return true;
  }
  return false;
}

}  // namespace

std::string Base32Encode(std::string_view bytes, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 4) / 5 * 8);
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : bytes) {
    buffer = (buffer << 8) | static_cast<uint8_t>(c);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += kBase32Alphabet[(buffer >> bits) & 0x1F];
    }
  }
  if (bits > 0) out += kBase32Alphabet[(buffer << (5 - bits)) & 0x1F];
  if (pad) {
    while (out.size() % 8 != 0) out += '=';
  }
  return out;
}

Result<std::string> Base32Decode(std::string_view text) {
  size_t data_len = text.find('=');
  if (data_len == std::string_view::npos) {
    data_len = text.size();
  } else {
    // Padding, if present, fills the final 8-character group exactly.
    for (size_t i = data_len; i < text.size(); ++i) {
      if (text[i] != '=') return InvalidArgument("malformed base32: characters after '=' padding");
    }
    const size_t expected_pad = (8 - data_len % 8) % 8;
    if (text.size() % 8 != 0 || text.size() - data_len != expected_pad) {
      return InvalidArgument("malformed base32: wrong amount of '=' padding");
    }
  }
  // A final group of 1, 3 or 6 characters cannot come from whole bytes.
  const size_t rest = data_len % 8;
  if (rest == 1 || rest == 3 || rest == 6) {
    return InvalidArgument("malformed base32: impossible length " + std::to_string(data_len));
  }
  std::string out;
  out.reserve(data_len * 5 / 8);
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < data_len; ++i) {
    const int v = Base32Value(text[i]);
    if (v < 0) return InvalidArgument("malformed base32: expected only A-Z and 2-7");
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  if ((buffer & ((1u << bits) - 1)) != 0) {
    return InvalidArgument("malformed base32: non-zero trailing bits (non-canonical)");
  }
  return out;
}

std::string GenerateTotpSecret() { return crypto::RandomBytes(kTotpSecretBytes); }

Result<int64_t> TotpTimeStep(int64_t unix_time, const TotpParams& params) {
  RETURN_IF_ERROR(CheckParams(params));
  if (unix_time < params.t0) return InvalidArgument("time is before the TOTP epoch t0");
  return (unix_time - params.t0) / params.period_seconds;
}

Result<std::string> TotpCode(std::string_view secret, int64_t unix_time, const TotpParams& params) {
  RETURN_IF_ERROR(CheckSecret(secret));
  ASSIGN_OR_RETURN(int64_t step, TotpTimeStep(unix_time, params));
  return Hotp(secret, static_cast<uint64_t>(step), params);
}

Result<int64_t> VerifyTotp(std::string_view secret, std::string_view code, int64_t unix_time,
                           std::optional<int64_t> last_accepted_step, const TotpParams& params) {
  RETURN_IF_ERROR(CheckSecret(secret));
  ASSIGN_OR_RETURN(int64_t step, TotpTimeStep(unix_time, params));
  const std::string shape = "TOTP code must be " + std::to_string(params.digits) + " digits";
  if (code.size() > kMaxCodeInput) return InvalidArgument(shape);
  std::string digits;
  for (char c : code) {
    if (c == ' ') continue;
    if (c < '0' || c > '9') return InvalidArgument(shape);
    digits += c;
  }
  if (digits.size() != static_cast<size_t>(params.digits)) return InvalidArgument(shape);

  // Every candidate is computed and compared, so timing does not tell which step matched.
  std::optional<int64_t> fresh_match;
  bool stale_match = false;
  for (int64_t candidate = step - 1; candidate <= step + 1; ++candidate) {
    if (candidate < 0) continue;
    ASSIGN_OR_RETURN(std::string expected, Hotp(secret, static_cast<uint64_t>(candidate), params));
    const bool match = crypto::ConstantTimeEquals(expected, digits);
    const bool fresh = !last_accepted_step || candidate > *last_accepted_step;
    // The earliest fresh step, so a rare collision between adjacent steps never pushes the
    // replay mark past a step the user may still need.
    if (match && fresh && !fresh_match) fresh_match = candidate;
    if (match && !fresh) stale_match = true;
  }
  if (fresh_match) return *fresh_match;
  if (stale_match) return Unauthenticated("TOTP code already used");
  return Unauthenticated("TOTP code is wrong or expired");
}

Result<std::string> TotpEnrolmentUri(std::string_view secret, std::string_view account,
                                     const TotpParams& params, std::string_view issuer) {
  RETURN_IF_ERROR(CheckSecret(secret));
  RETURN_IF_ERROR(CheckParams(params));
  if (account.empty()) return InvalidArgument("TOTP account name is empty");
  if (account.size() > kMaxAccountBytes) {
    return InvalidArgument("TOTP account name is longer than " + std::to_string(kMaxAccountBytes) +
                           " bytes");
  }
  if (account.find(':') != std::string_view::npos) {
    return InvalidArgument("TOTP account name must not contain ':'");
  }
  if (HasControl(account)) return InvalidArgument("TOTP account name has a control character");
  if (issuer.empty() || issuer.find(':') != std::string_view::npos || HasControl(issuer)) {
    return InvalidArgument("TOTP issuer must be non-empty, without ':' or control characters");
  }
  std::string uri = "otpauth://totp/";
  PercentEncode(issuer, uri);
  uri += ':';
  PercentEncode(account, uri);
  uri += "?secret=" + Base32Encode(secret, /*pad=*/false) + "&issuer=";
  PercentEncode(issuer, uri);
  uri += params.algorithm == TotpAlgorithm::kSha1 ? "&algorithm=SHA1" : "&algorithm=SHA256";
  uri += "&digits=" + std::to_string(params.digits);
  uri += "&period=" + std::to_string(params.period_seconds);
  return uri;
}

}  // namespace renkei::identity
