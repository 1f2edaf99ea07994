#include "crypto/sodium.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace renkei::crypto {
namespace {

static_assert(kEd25519PublicKeyBytes == crypto_sign_PUBLICKEYBYTES);
static_assert(kEd25519SecretKeyBytes == crypto_sign_SECRETKEYBYTES);
static_assert(kEd25519SignatureBytes == crypto_sign_BYTES);

// sodium_init() is itself idempotent, but call_once makes the first-use race explicit and
// cheap. It fails only when the system has no usable random source; nothing in this module
// can be trusted after that, and no caller could recover, so we stop the process.
void EnsureInitialised() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) {
      std::fputs("renkei: libsodium failed to initialise (no secure random source?)\n", stderr);
      std::abort();
    }
  });
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

unsigned char* MutableBytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

}  // namespace

Ed25519KeyPair GenerateEd25519KeyPair() {
  EnsureInitialised();
  Ed25519KeyPair pair;
  pair.public_key.resize(crypto_sign_PUBLICKEYBYTES);
  pair.secret_key.resize(crypto_sign_SECRETKEYBYTES);
  crypto_sign_keypair(MutableBytes(pair.public_key), MutableBytes(pair.secret_key));
  return pair;
}

Result<std::string> SignEd25519(std::string_view secret_key, std::string_view message) {
  EnsureInitialised();
  if (secret_key.size() != crypto_sign_SECRETKEYBYTES) {
    return InvalidArgument("Ed25519 secret key must be " +
                           std::to_string(crypto_sign_SECRETKEYBYTES) + " bytes, got " +
                           std::to_string(secret_key.size()));
  }
  std::string signature(crypto_sign_BYTES, '\0');
  if (crypto_sign_detached(MutableBytes(signature), nullptr, Bytes(message), message.size(),
                           Bytes(secret_key)) != 0) {
    return Internal("crypto_sign_detached failed");
  }
  return signature;
}

bool VerifyEd25519(std::string_view public_key, std::string_view message,
                   std::string_view signature) {
  EnsureInitialised();
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES) {
    return false;
  }
  return crypto_sign_verify_detached(Bytes(signature), Bytes(message), message.size(),
                                     Bytes(public_key)) == 0;
}

std::string RandomBytes(size_t n) {
  EnsureInitialised();
  std::string out(n, '\0');
  if (n > 0) randombytes_buf(out.data(), n);
  return out;
}

std::string Sha256(std::string_view data) {
  EnsureInitialised();
  std::string digest(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(MutableBytes(digest), Bytes(data), data.size());
  return digest;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  EnsureInitialised();
  // The length is not secret (both are fixed-size digests or signatures in practice).
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Base64Encode(std::string_view bytes) {
  EnsureInitialised();
  constexpr int kVariant = sodium_base64_VARIANT_ORIGINAL;
  // sodium_base64_ENCODED_LEN counts the terminating NUL.
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), Bytes(bytes), bytes.size(), kVariant);
  out.resize(out.size() - 1);
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  EnsureInitialised();
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t out_len = 0;
  // No `ignore` set and no end pointer: libsodium then refuses whitespace, missing or extra
  // padding, non-zero trailing bits (non-canonical encodings) and trailing garbage.
  if (sodium_base642bin(MutableBytes(out), out.size(), text.data(), text.size(), nullptr, &out_len,
                        nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return InvalidArgument("malformed base64 (expected RFC 4648 standard alphabet with padding)");
  }
  out.resize(out_len);
  return out;
}

std::string HexEncode(std::string_view bytes) {
  EnsureInitialised();
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), Bytes(bytes), bytes.size());
  out.resize(bytes.size() * 2);
  return out;
}

Result<std::string> HexDecode(std::string_view text) {
  EnsureInitialised();
  std::string out(text.size() / 2 + 1, '\0');
  size_t out_len = 0;
  // No end pointer: odd length, non-hex characters and trailing garbage are all refused.
  if (sodium_hex2bin(MutableBytes(out), out.size(), text.data(), text.size(), nullptr, &out_len,
                     nullptr) != 0) {
    return InvalidArgument("malformed hex (expected an even number of hex digits)");
  }
  out.resize(out_len);
  return out;
}

std::string Base64UrlEncode(std::string_view bytes) {
  EnsureInitialised();
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), Bytes(bytes), bytes.size(), kVariant);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

Result<std::string> Base64UrlDecode(std::string_view text) {
  EnsureInitialised();
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t out_len = 0;
  // As in Base64Decode: no `ignore` set and no end pointer, so padding, whitespace, a dangling
  // sixth bit group and non-zero trailing bits are all refused.
  if (sodium_base642bin(MutableBytes(out), out.size(), text.data(), text.size(), nullptr, &out_len,
                        nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return InvalidArgument("malformed base64url (expected RFC 4648 §5 alphabet without padding)");
  }
  out.resize(out_len);
  return out;
}

namespace {

constexpr std::string_view kArgon2idPrefix = "$argon2id$";
constexpr std::string_view kArgon2iPrefix = "$argon2i$";

// libsodium reads encoded hashes as NUL-terminated C strings of fewer than
// crypto_pwhash_STRBYTES characters; anything else cannot be one of ours.
Result<std::string> EncodedHashAsCString(std::string_view encoded_hash) {
  if (encoded_hash.size() >= crypto_pwhash_STRBYTES ||
      encoded_hash.find('\0') != std::string_view::npos) {
    return InvalidArgument("not an Argon2 password hash (wrong length or embedded NUL)");
  }
  return std::string(encoded_hash);
}

// 1 (needs rehash), 0 (current), or InvalidArgument for a string that does not decode.
Result<bool> Argon2NeedsRehash(const std::string& hash) {
  int r;
  if (hash.starts_with(kArgon2idPrefix)) {
    r = crypto_pwhash_argon2id_str_needs_rehash(hash.c_str(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                                crypto_pwhash_MEMLIMIT_INTERACTIVE);
  } else if (hash.starts_with(kArgon2iPrefix)) {
    r = crypto_pwhash_argon2i_str_needs_rehash(hash.c_str(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                               crypto_pwhash_MEMLIMIT_INTERACTIVE);
    if (r >= 0) r = 1;  // a decodable Argon2i hash: always upgrade to Argon2id
  } else {
    return InvalidArgument("not an Argon2 password hash (expected \"$argon2id$...\")");
  }
  if (r < 0) return InvalidArgument("malformed Argon2 password hash");
  return r == 1;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password) {
  EnsureInitialised();
  static_assert(kPasswordHashMaxBytes == crypto_pwhash_STRBYTES);
  char out[crypto_pwhash_STRBYTES] = {};
  if (crypto_pwhash_argon2id_str(out, password.data(), password.size(),
                                 crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                 crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return Internal("Argon2id hashing failed (out of memory?)");
  }
  return std::string(out);
}

Status VerifyPassword(std::string_view password, std::string_view encoded_hash) {
  EnsureInitialised();
  ASSIGN_OR_RETURN(std::string hash, EncodedHashAsCString(encoded_hash));
  // crypto_pwhash_str_verify answers -1 both for a mismatch and for a string it cannot decode;
  // decoding first (needs_rehash decodes without hashing) keeps the two apart.
  RETURN_IF_ERROR(Argon2NeedsRehash(hash).status());
  if (crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) != 0) {
    return Unauthenticated("password does not match");
  }
  return Status::Ok();
}

Result<bool> PasswordNeedsRehash(std::string_view encoded_hash) {
  EnsureInitialised();
  ASSIGN_OR_RETURN(std::string hash, EncodedHashAsCString(encoded_hash));
  return Argon2NeedsRehash(hash);
}

}  // namespace renkei::crypto
