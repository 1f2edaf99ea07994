#include "identity/pkce.h"

#include "crypto/sodium.h"

namespace renkei::identity {
namespace {

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

Status CheckCodeVerifier(std::string_view verifier) {
  if (verifier.size() < kPkceVerifierMinChars || verifier.size() > kPkceVerifierMaxChars) {
    return InvalidArgument("PKCE code_verifier must be 43 to 128 characters, got " +
                           std::to_string(verifier.size()));
  }
  for (char c : verifier) {
    if (!IsUnreserved(c)) {
      return InvalidArgument("PKCE code_verifier may contain only A-Z a-z 0-9 - . _ ~");
    }
  }
  return Status::Ok();
}

std::string GenerateCodeVerifier() { return crypto::Base64UrlEncode(crypto::RandomBytes(32)); }

Result<std::string> CodeChallengeS256(std::string_view verifier) {
  RETURN_IF_ERROR(CheckCodeVerifier(verifier));
  return crypto::Base64UrlEncode(crypto::Sha256(verifier));
}

Status CheckCodeChallenge(std::string_view challenge, std::string_view method) {
  if (method.empty()) {
    return InvalidArgument("PKCE code_challenge_method is required (S256)");
  }
  if (method != kPkceMethodS256) {
    return InvalidArgument("PKCE method \"" + std::string(method.substr(0, 16)) +
                           "\" is not allowed; use S256");
  }
  auto digest = crypto::Base64UrlDecode(challenge);
  if (challenge.size() != kPkceChallengeChars || !digest.ok() || digest->size() != 32) {
    return InvalidArgument(
        "PKCE code_challenge must be 43 base64url characters (a SHA-256 digest)");
  }
  return Status::Ok();
}

Status VerifyCodeVerifier(std::string_view verifier, std::string_view challenge) {
  ASSIGN_OR_RETURN(std::string computed, CodeChallengeS256(verifier));
  if (!crypto::ConstantTimeEquals(computed, challenge)) {
    return Unauthenticated("PKCE code_verifier does not match the code_challenge");
  }
  return Status::Ok();
}

}  // namespace renkei::identity
