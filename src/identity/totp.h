// The second sign-in factor: time-based one-time passwords (TOTP, RFC 6238, on top of HOTP,
// RFC 4226), as authenticator apps implement them, plus the base32 text (RFC 4648 §6) and the
// otpauth:// enrolment URI (Google Authenticator "Key Uri Format") those apps read.
//
// Replay: a code stays valid for its whole time step (and ±1 step of clock skew), so the caller
// stores the time step of the last accepted code per account and passes it back; VerifyTotp
// refuses that step and every earlier one (RFC 6238 §5.2).
//
// Thread-safety: all functions are thread-safe. Secrets are never logged or put into messages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace renkei::identity {

enum class TotpAlgorithm { kSha1, kSha256 };

struct TotpParams {
  TotpAlgorithm algorithm = TotpAlgorithm::kSha1;  // what every authenticator app supports
  int digits = 6;                                  // 6 to 8
  int64_t period_seconds = 30;                     // the time step X; 1 to 3600
  int64_t t0 = 0;                                  // Unix time at which step 0 starts
};

inline constexpr size_t kTotpSecretBytes = 20;     // 160 bits, RFC 4226 §4 R6's recommendation
inline constexpr size_t kMinTotpSecretBytes = 16;  // 128 bits, R6's minimum
inline constexpr size_t kMaxTotpSecretBytes = 64;

// RFC 4648 §6 base32 (alphabet A–Z 2–7). With `pad`, '=' fills the last group to 8 characters
// as in the RFC's examples; without, as otpauth:// URIs want it.
std::string Base32Encode(std::string_view bytes, bool pad = true);

// The inverse, accepting upper or lower case, with or without correct '=' padding.
// InvalidArgument "malformed base32 ..." for other characters (spaces included), wrong padding,
// an impossible length, or non-zero trailing bits.
Result<std::string> Base32Decode(std::string_view text);

// A fresh random TOTP secret of kTotpSecretBytes raw bytes. Store it as a secret: anyone who
// has it can make valid codes.
std::string GenerateTotpSecret();

// The TOTP value for `unix_time` as exactly params.digits decimal digits (zero-padded).
// InvalidArgument if the secret is shorter than kMinTotpSecretBytes or longer than
// kMaxTotpSecretBytes, the parameters are out of range, or unix_time is before t0.
Result<std::string> TotpCode(std::string_view secret, int64_t unix_time,
                             const TotpParams& params = {});

// The time step (floor((unix_time - t0) / period)) that `unix_time` falls in; InvalidArgument
// as for TotpCode.
Result<int64_t> TotpTimeStep(int64_t unix_time, const TotpParams& params = {});

// Checks `code` (params.digits ASCII digits; spaces are ignored, so "123 456" is fine) against
// the time steps T-1, T and T+1 around `unix_time`, comparing all three in constant time.
// Returns the matched time step, which the caller stores and passes back as
// `last_accepted_step` next time. Errors:
//   InvalidArgument "TOTP code must be N digits"  — not a well-formed code (or the TotpCode
//                                                   errors for secret and params);
//   Unauthenticated "TOTP code already used"      — it matches only steps <= last_accepted_step;
//   Unauthenticated "TOTP code is wrong or expired" — it matches none of the three steps.
Result<int64_t> VerifyTotp(std::string_view secret, std::string_view code, int64_t unix_time,
                           std::optional<int64_t> last_accepted_step,
                           const TotpParams& params = {});

// The enrolment URI, shown as a QR code:
//   otpauth://totp/<issuer>:<account>?secret=<BASE32, no padding>&issuer=<issuer>
//       &algorithm=SHA1|SHA256&digits=<n>&period=<s>
// with issuer and account percent-encoded (RFC 3986: all but A–Z a–z 0–9 - . _ ~; a space is
// %20, never '+'). InvalidArgument if the account is empty, longer than 256 bytes, contains a
// colon (the Key Uri Format forbids it in issuer and account) or a control character; if the
// issuer is empty or has a colon; or for the TotpCode secret and parameter errors.
Result<std::string> TotpEnrolmentUri(std::string_view secret, std::string_view account,
                                     const TotpParams& params = {},
                                     std::string_view issuer = "renkei");

}  // namespace renkei::identity
