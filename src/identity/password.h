// Account passwords: the policy a new password must meet, and Argon2id hashing around it
// (crypto/sodium.h does the hashing; this layer decides what is acceptable).
//
// The policy follows NIST SP 800-63B §5.1.1.2: a length floor rather than composition rules,
// no periodic expiry, and refusal of obviously guessable choices. A breached-password list
// check belongs to the caller that has such a list.
//
// Thread-safety: all functions are thread-safe. Each hash or verification allocates 64 MiB
// for about 0.1 s, so the HTTP layer bounds how many run at once (and rate-limits sign-in).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace renkei::identity {

inline constexpr size_t kMinPasswordChars = 12;    // Unicode code points
inline constexpr size_t kMaxPasswordBytes = 1024;  // UTF-8 bytes; bounds the work per request

// OK if `password` may be set for the account `username` / `email` (either may be empty when
// unknown). InvalidArgument, with a message meant for the user, if it
//   - is not valid UTF-8 or contains a control character (U+0000–U+001F, U+007F);
//   - has fewer than kMinPasswordChars characters or more than kMaxPasswordBytes bytes;
//   - repeats one character throughout ("aaaaaaaaaaaa");
//   - equals the user name or the email address, ignoring ASCII case.
// The message never echoes the password.
Status CheckPasswordPolicy(std::string_view password, std::string_view username,
                           std::string_view email);

// CheckPasswordPolicy, then an Argon2id hash of `password` to store ("$argon2id$v=19$...").
// The policy's InvalidArgument errors; Internal if hashing fails.
Result<std::string> HashNewPassword(std::string_view password, std::string_view username,
                                    std::string_view email);

// OK if `password` matches the stored `encoded_hash`. Unauthenticated "password does not
// match" if not, and also — without hashing — for a password longer than kMaxPasswordBytes,
// which no policy-conforming account can have. InvalidArgument if `encoded_hash` is not an
// Argon2 hash (a corrupt record; the caller logs it without the password).
Status VerifyPassword(std::string_view password, std::string_view encoded_hash);

// True if `encoded_hash` should be replaced by HashNewPassword's output after the next
// successful sign-in (older parameters, or Argon2i). InvalidArgument if it is not an Argon2
// hash.
Result<bool> PasswordNeedsRehash(std::string_view encoded_hash);

// For sign-in attempts naming an unknown account: spends the same Argon2id work as a real
// verification (so response time does not reveal which accounts exist) and always returns
// Unauthenticated "password does not match".
Status RejectUnknownAccount(std::string_view password);

}  // namespace renkei::identity
