// Proof Key for Code Exchange (RFC 7636) for the OpenID Connect authorization-code flow, both
// as provider (checking a client's code_verifier against the code_challenge it sent first) and
// as client of an external identity provider (making a verifier and its challenge).
//
// Only the S256 method is accepted: "plain" sends the verifier itself as the challenge, which
// protects nothing once the authorization request is observed (RFC 7636 §7.2; OAuth 2.0
// Security BCP, RFC 9700 §2.1.1).
//
// Thread-safety: all functions are thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace renkei::identity {

inline constexpr std::string_view kPkceMethodS256 = "S256";
inline constexpr size_t kPkceVerifierMinChars = 43;
inline constexpr size_t kPkceVerifierMaxChars = 128;
inline constexpr size_t kPkceChallengeChars = 43;  // base64url of a SHA-256 digest

// OK if `verifier` is 43 to 128 characters from the unreserved set [A-Za-z0-9-._~]
// (RFC 7636 §4.1); InvalidArgument saying which rule it breaks otherwise.
Status CheckCodeVerifier(std::string_view verifier);

// A new verifier: 32 random bytes as base64url, 43 characters (RFC 7636 §4.1's recommendation).
std::string GenerateCodeVerifier();

// The S256 challenge BASE64URL(SHA256(ASCII(verifier))) (RFC 7636 §4.2). CheckCodeVerifier's
// errors.
Result<std::string> CodeChallengeS256(std::string_view verifier);

// Checks the code_challenge and code_challenge_method of an authorization request: the method
// must be "S256" (InvalidArgument "PKCE method \"plain\" is not allowed; use S256", or "PKCE
// code_challenge_method is required" when empty — a missing method means plain, RFC 7636 §4.3),
// and the challenge 43 base64url characters encoding 32 bytes (InvalidArgument otherwise).
Status CheckCodeChallenge(std::string_view challenge, std::string_view method);

// At the token endpoint: OK if CodeChallengeS256(verifier) equals the stored `challenge`,
// compared in constant time. InvalidArgument for a malformed verifier; Unauthenticated "PKCE
// code_verifier does not match the code_challenge" otherwise.
Status VerifyCodeVerifier(std::string_view verifier, std::string_view challenge);

}  // namespace renkei::identity
