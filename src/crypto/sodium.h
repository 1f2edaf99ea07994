// The one wrapper around libsodium (DESIGN.md: wrap each C library once). Nothing else includes
// <sodium.h>.
//
// Thread-safety: every function is thread-safe (libsodium is initialised once, on first use).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"

namespace renkei::crypto {

inline constexpr size_t kEd25519PublicKeyBytes = 32;
inline constexpr size_t kEd25519SecretKeyBytes = 64;  // libsodium's seed ‖ public key form
inline constexpr size_t kEd25519SignatureBytes = 64;

struct Ed25519KeyPair {
  std::string public_key;  // 32 raw bytes
  std::string secret_key;  // 64 raw bytes; never log it
};

// A fresh key pair from the system's secure random source.
Ed25519KeyPair GenerateEd25519KeyPair();

// Detached signature (64 raw bytes) of `message`. InvalidArgument if the key has the wrong size.
Result<std::string> SignEd25519(std::string_view secret_key, std::string_view message);

// True if `signature` is a valid signature of `message` by `public_key` (false for keys or
// signatures of the wrong size).
bool VerifyEd25519(std::string_view public_key, std::string_view message,
                   std::string_view signature);

// `n` bytes from the system's secure random source.
std::string RandomBytes(size_t n);

// SHA-256 of `data` (32 raw bytes).
std::string Sha256(std::string_view data);

// Constant-time equality of two byte strings (false when sizes differ).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Standard base64 with padding (RFC 4648 §4), and its inverse (InvalidArgument on bad input).
std::string Base64Encode(std::string_view bytes);
Result<std::string> Base64Decode(std::string_view text);

// Lower-case hex, and its inverse (InvalidArgument on bad input).
std::string HexEncode(std::string_view bytes);
Result<std::string> HexDecode(std::string_view text);

// URL-safe base64 without padding (RFC 4648 §5, as JWS/JWT and PKCE use it), and its inverse.
// The decoder is strict: InvalidArgument for '=' padding, characters outside [A-Za-z0-9_-],
// whitespace, a length of 1 mod 4, or non-zero trailing bits (a non-canonical encoding).
std::string Base64UrlEncode(std::string_view bytes);
Result<std::string> Base64UrlDecode(std::string_view text);

// Argon2id password hashing with libsodium's INTERACTIVE limits (opslimit 2, memlimit 64 MiB:
// about 0.1 s on one core, inside the 300 ms sign-in budget). Each call allocates the
// full 64 MiB, so callers bound how many run at once. Thread-safe; the password is not kept.
inline constexpr size_t kPasswordHashMaxBytes = 128;  // crypto_pwhash_STRBYTES

// An encoded Argon2id hash of `password`, "$argon2id$v=19$m=65536,t=2,p=1$<salt>$<hash>", with
// a fresh random 16-byte salt (at most kPasswordHashMaxBytes characters). Internal if the
// memory cannot be allocated. Callers apply the password policy (identity/password.h) first.
Result<std::string> HashPassword(std::string_view password);

// OK if `password` matches `encoded_hash` (an Argon2id or Argon2i string from HashPassword or
// any PHC-format Argon2 encoder with one lane); Unauthenticated "password does not match" if not
// (also when the hash cannot be checked for lack of memory); InvalidArgument if `encoded_hash`
// is not an Argon2id/Argon2i hash string. Comparison inside libsodium is constant-time.
Status VerifyPassword(std::string_view password, std::string_view encoded_hash);

// True if `encoded_hash` was made with other parameters or another variant than HashPassword
// uses now (so the caller re-hashes after the next successful sign-in); false if current.
// InvalidArgument if it is not an Argon2 hash string.
Result<bool> PasswordNeedsRehash(std::string_view encoded_hash);

}  // namespace renkei::crypto
