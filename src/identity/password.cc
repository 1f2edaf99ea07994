#include "identity/password.h"

#include <cstdint>
#include <optional>
#include <vector>

#include "crypto/sodium.h"

namespace renkei::identity {
namespace {

// Decodes strict UTF-8 (no overlong forms, surrogates or values above U+10FFFF).
std::optional<std::vector<char32_t>> DecodeUtf8(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<uint8_t>(s[i]);
    // Sequence length, payload bits of the lead byte, and the smallest value the length may
    // encode (anything lower is an overlong form).
    size_t len = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if (b0 < 0x80) {
      len = 1;
      cp = b0;
    } else if ((b0 & 0xE0) == 0xC0) {
      len = 2;
      cp = b0 & 0x1Fu;
      min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      len = 3;
      cp = b0 & 0x0Fu;
      min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      len = 4;
      cp = b0 & 0x07u;
      min = 0x10000;
    } else {
      return std::nullopt;
    }
    if (i + len > s.size()) return std::nullopt;
    for (size_t k = 1; k < len; ++k) {
      const auto b = static_cast<uint8_t>(s[i + k]);
      if ((b & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (b & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    out.push_back(cp);
    i += len;
  }
  return out;
}

bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

Status CheckPasswordPolicy(std::string_view password, std::string_view username,
                           std::string_view email) {
  if (password.size() > kMaxPasswordBytes) {
    return InvalidArgument("password is too long: at most " + std::to_string(kMaxPasswordBytes) +
                           " bytes");
  }
  auto chars = DecodeUtf8(password);
  if (!chars) return InvalidArgument("password is not valid UTF-8 text");
  for (char32_t c : *chars) {
    if (c < 0x20 || c == 0x7F) {
      return InvalidArgument("password contains a control character (tab, newline, ...)");
    }
  }
  if (chars->size() < kMinPasswordChars) {
    return InvalidArgument("password is too short: at least " + std::to_string(kMinPasswordChars) +
                           " characters");
  }
  bool one_character = true;
  for (char32_t c : *chars) one_character = one_character && c == chars->front();
  if (one_character) return InvalidArgument("password repeats a single character");
  if (!username.empty() && EqualsIgnoringAsciiCase(password, username)) {
    return InvalidArgument("password must not be the user name");
  }
  if (!email.empty() && EqualsIgnoringAsciiCase(password, email)) {
    return InvalidArgument("password must not be the email address");
  }
  return Status::Ok();
}

Result<std::string> HashNewPassword(std::string_view password, std::string_view username,
                                    std::string_view email) {
  RETURN_IF_ERROR(CheckPasswordPolicy(password, username, email));
  return crypto::HashPassword(password);
}

Status VerifyPassword(std::string_view password, std::string_view encoded_hash) {
  if (password.size() > kMaxPasswordBytes) {
    // Still checks the stored record, so a corrupt hash is reported the same way every time.
    RETURN_IF_ERROR(crypto::PasswordNeedsRehash(encoded_hash).status());
    return Unauthenticated("password does not match");
  }
  return crypto::VerifyPassword(password, encoded_hash);
}

Result<bool> PasswordNeedsRehash(std::string_view encoded_hash) {
  return crypto::PasswordNeedsRehash(encoded_hash);
}

Status RejectUnknownAccount(std::string_view password) {
  // A hash with the current parameters of a random password nobody knows, made once.
  static const std::string kDummyHash = [] {
    auto hash = crypto::HashPassword(crypto::HexEncode(crypto::RandomBytes(16)));
    return hash.ok() ? *hash : std::string();
  }();
  if (password.size() <= kMaxPasswordBytes && !kDummyHash.empty()) {
    (void)crypto::VerifyPassword(password, kDummyHash);  // for its cost only
  }
  return Unauthenticated("password does not match");
}

}  // namespace renkei::identity
