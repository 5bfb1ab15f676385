// Compact JWS (RFC 7515) with JWT claims (RFC 7519) as CDS Hooks uses them (spec §Security):
// parsing, the claim checks and signature verification, each a plain function of its inputs
// (`now` included) so each can be tested alone. Authenticator strings them together in order.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hooks/auth/auth_result.hpp"
#include "hooks/auth/jwk.hpp"
#include "hooks/auth/jws_algorithm.hpp"

namespace cds::hooks::auth {

struct JwtHeader {
  std::string alg;
  std::string typ;
  std::string kid;
  std::string jku;  // empty when absent
};

struct JwtClaims {
  std::string iss;
  std::string sub;               // CDS Hooks defines none; kept when present
  std::vector<std::string> aud;  // a string aud becomes one element
  std::int64_t exp = 0;
  std::int64_t iat = 0;
  std::optional<std::int64_t> nbf;
  std::string jti;  // empty when absent (refused later, with its own reason)
  std::optional<std::string> tenant;
};

struct Jwt {
  JwtHeader header;
  JwtClaims claims;
  std::string signing_input;  // ASCII(BASE64URL(header) || '.' || BASE64URL(payload))
  std::string signature;      // decoded bytes
};

/// Splits and decodes a compact JWS and reads its header and claims. Refuses, before decoding
/// anything, a token longer than `max_bytes` (kTokenTooLarge); then anything that is not three
/// strictly base64url parts with JSON objects (no duplicate members) of the right types: alg,
/// typ and kid strings, jku a string if present, no `crit`; iss string, aud string or
/// non-empty array of strings, exp and iat numbers, nbf a number if present, jti and tenant
/// strings if present (kMalformedToken). Only shape is checked here, no policy.
[[nodiscard]] AuthResult<Jwt> ParseJwt(std::string_view token, std::size_t max_bytes);

/// aud equals `expected` or is an array containing it.
[[nodiscard]] std::optional<AuthFailure> CheckAudience(const JwtClaims& claims,
                                                       std::string_view expected);

struct TimePolicy {
  std::chrono::seconds skew{60};
  std::chrono::seconds max_lifetime{15 * 60};
};

/// exp, nbf and iat against `now` with the skew, then exp - iat against the maximum lifetime.
[[nodiscard]] std::optional<AuthFailure> CheckTimes(const JwtClaims& claims,
                                                    std::chrono::sys_seconds now,
                                                    const TimePolicy& policy);

/// Verifies a JWS signature over `signing_input` with `key`. ES*: the raw R||S of exactly twice
/// the curve size, converted to a DER ECDSA_SIG; RS*: RSASSA-PKCS1-v1_5; PS384: RSASSA-PSS with
/// MGF1-SHA384 and a 48-byte salt. The caller has checked KeyFits(key, alg). ES384 goes to
/// Nettle when the key has its Nettle form (`key.p384`, every P-384 JWK), else to OpenSSL.
[[nodiscard]] bool VerifySignature(JwsAlgorithm alg, const Jwk& key, std::string_view signing_input,
                                   std::string_view signature);

}  // namespace cds::hooks::auth
