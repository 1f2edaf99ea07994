#include "identity/recovery_codes.h"

#include <algorithm>
#include <optional>

#include "crypto/sodium.h"

namespace renkei::identity {
namespace {

constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz234567";
constexpr size_t kMaxCodeInput = 64;
constexpr size_t kGroup = 4;

bool InAlphabet(char c) { return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'); }

std::string FreshCode() {
  // 256 is a multiple of 32, so each byte's low 5 bits are uniform.
  const std::string random = crypto::RandomBytes(kRecoveryCodeChars);
  std::string code;
  for (size_t i = 0; i < kRecoveryCodeChars; ++i) {
    if (i > 0 && i % kGroup == 0) code += '-';
    code += kAlphabet[static_cast<unsigned char>(random[i]) & 0x1F];
  }
  return code;
}

}  // namespace

Result<RecoveryCodes> GenerateRecoveryCodes(size_t count) {
  if (count == 0 || count > kMaxRecoveryCodeCount) {
    return InvalidArgument("recovery code count must be 1 to " +
                           std::to_string(kMaxRecoveryCodeCount) + ", got " +
                           std::to_string(count));
  }
  RecoveryCodes out;
  while (out.codes.size() < count) {
    std::string code = FreshCode();
    ASSIGN_OR_RETURN(std::string hash, RecoveryCodeHash(code));
    // A repeat among 2^60 values is practically impossible, but two equal codes would make
    // one of them unusable, so it costs nothing to rule out.
    if (std::find(out.hashes.begin(), out.hashes.end(), hash) != out.hashes.end()) continue;
    out.codes.push_back(std::move(code));
    out.hashes.push_back(std::move(hash));
  }
  return out;
}

Result<std::string> NormaliseRecoveryCode(std::string_view code) {
  const Status malformed = InvalidArgument(
      "recovery code must be 12 characters a-z and 2-7 (dashes and spaces optional)");
  if (code.size() > kMaxCodeInput) return malformed;
  std::string out;
  for (char c : code) {
    if (c == '-' || c == ' ') continue;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (!InAlphabet(c)) return malformed;
    out += c;
  }
  if (out.size() != kRecoveryCodeChars) return malformed;
  return out;
}

Result<std::string> RecoveryCodeHash(std::string_view code) {
  ASSIGN_OR_RETURN(std::string normalised, NormaliseRecoveryCode(code));
  return crypto::HexEncode(crypto::Sha256(normalised));
}

Result<size_t> MatchRecoveryCode(std::string_view code,
                                 std::span<const std::string> stored_hashes) {
  ASSIGN_OR_RETURN(std::string hash, RecoveryCodeHash(code));
  std::optional<size_t> match;
  for (size_t i = 0; i < stored_hashes.size(); ++i) {
    // No early exit: the time taken does not depend on where (or whether) the code matches.
    const bool equal = crypto::ConstantTimeEquals(hash, stored_hashes[i]);
    if (equal && !match) match = i;
  }
  if (!match) return Unauthenticated("recovery code is not valid or already used");
  return *match;
}

Status ConsumeRecoveryCode(std::string_view code, std::vector<std::string>* stored_hashes) {
  ASSIGN_OR_RETURN(size_t index, MatchRecoveryCode(code, *stored_hashes));
  stored_hashes->erase(stored_hashes->begin() + static_cast<std::ptrdiff_t>(index));
  return Status::Ok();
}

}  // namespace renkei::identity
