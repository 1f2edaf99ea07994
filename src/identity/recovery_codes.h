// One-time recovery codes: the way back in when the TOTP device is lost. The user is shown the
// codes once; only their SHA-256 hashes are stored (the codes are random with 60 bits of entropy,
// so a fast hash suffices — there is no password to protect against dictionary attacks), and a
// code is removed from the stored list when it is used.
//
// Format: 12 characters of lower-case base32 (a–z, 2–7: no 0/1/8/9 to confuse with o/l/b/g) in
// three groups, e.g. "k3mx-7qpa-ub2e". Input is normalised: case is ignored, and dashes and
// spaces may be left out or added.
//
// Thread-safety: all functions are thread-safe; ConsumeRecoveryCode mutates only its argument.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace renkei::identity {

inline constexpr size_t kDefaultRecoveryCodeCount = 10;
inline constexpr size_t kMaxRecoveryCodeCount = 100;
inline constexpr size_t kRecoveryCodeChars = 12;  // × 5 bits = 60 bits of entropy

struct RecoveryCodes {
  std::vector<std::string> codes;   // to show the user once, "xxxx-xxxx-xxxx"; never store them
  std::vector<std::string> hashes;  // to store: hashes[i] is RecoveryCodeHash(codes[i])
};

// `count` distinct fresh codes and their hashes. InvalidArgument if count is 0 or more than
// kMaxRecoveryCodeCount.
Result<RecoveryCodes> GenerateRecoveryCodes(size_t count = kDefaultRecoveryCodeCount);

// The canonical form of a typed code: lower case, without dashes or spaces, e.g.
// "K3MX 7QPA-UB2E" → "k3mx7qpaub2e". InvalidArgument "recovery code must be 12 characters ..."
// if what remains is not 12 characters of the alphabet.
Result<std::string> NormaliseRecoveryCode(std::string_view code);

// The stored form: lower-case hex of SHA-256 of the normalised code (64 characters).
// NormaliseRecoveryCode's errors.
Result<std::string> RecoveryCodeHash(std::string_view code);

// The index in `stored_hashes` of the hash of `code`. Every stored hash is compared, in constant
// time, whatever matches. InvalidArgument for a malformed code; Unauthenticated "recovery code is
// not valid or already used" if none matches.
Result<size_t> MatchRecoveryCode(std::string_view code, std::span<const std::string> stored_hashes);

// MatchRecoveryCode, then removes the matched hash from `*stored_hashes`, so the code cannot be
// used again (the caller persists the shortened list atomically with the sign-in). Same errors;
// `*stored_hashes` is unchanged on error.
Status ConsumeRecoveryCode(std::string_view code, std::vector<std::string>* stored_hashes);

}  // namespace renkei::identity
