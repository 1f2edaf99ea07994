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

}  // namespace renkei::crypto
