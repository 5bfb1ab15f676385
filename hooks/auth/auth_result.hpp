// Why an EHR's credential was refused, as a value (never an exception): every check of the
// authenticator returns an AuthFailure naming the reason for the log. The client only ever
// learns that authentication failed (hook_error.cpp renders 401 bodies with a fixed text).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace cds::hooks::auth {

/// Every way authentication can fail, in the order the checks run.
enum class AuthReason {
  kMissingToken,            // no Authorization header, or not "Bearer <token>"
  kTokenTooLarge,           // longer than auth.max_token_bytes (refused before decoding)
  kMalformedToken,          // not three base64url parts, bad JSON, wrong claim types, `crit`
  kUnknownIssuer,           // iss not in auth.issuers
  kBadType,                 // header typ is not JWT
  kAlgorithmRefused,        // none, HS*, unknown, or not allowed for this issuer
  kMissingKeyId,            // no kid in the header
  kAudienceMismatch,        // aud is not (and does not contain) the URL invoked
  kExpired,                 // exp + skew <= now
  kNotYetValid,             // nbf - skew > now
  kIssuedInFuture,          // iat - skew > now
  kLifetimeTooLong,         // exp - iat > auth.max_token_lifetime_s
  kTenantRefused,           // tenant missing or not allowlisted for this issuer
  kJkuNotAllowed,           // header jku not in the issuer's allowlist: nothing fetched
  kKeySetUnavailable,       // the key set could not be fetched or parsed
  kUnknownKey,              // no key with this kid (after at most one refetch)
  kKeyMismatch,             // alg does not fit the key (kty/crv/size, or the JWK's own alg)
  kBadSignature,            // the signature does not verify
  kMissingJti,              // no jti (replay protection impossible)
  kReplayed,                // jti seen before for this issuer
  kReplayStoreFull,         // the replay store is full of unexpired entries: refused (503)
  kReplayStoreUnavailable,  // the shared replay store did not answer in time: refused (503)
};

/// Stable snake_case name for logs, e.g. "audience_mismatch".
[[nodiscard]] std::string_view ToString(AuthReason reason) noexcept;

/// A refusal: the reason plus log-only detail (iss, kid, expected audience...). Never holds
/// the token or any part of it beyond individual claim values cut to a bounded length.
struct AuthFailure {
  AuthReason reason = AuthReason::kMalformedToken;
  std::string detail;

  friend bool operator==(const AuthFailure&, const AuthFailure&) = default;
};

/// A value or an AuthFailure.
template <typename T>
class [[nodiscard]] AuthResult {
 public:
  AuthResult(T value) : v_(std::move(value)) {}            // NOLINT(google-explicit-constructor)
  AuthResult(AuthFailure error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  [[nodiscard]] T& value() & { return std::get<0>(v_); }
  [[nodiscard]] const T& value() const& { return std::get<0>(v_); }
  [[nodiscard]] T&& value() && { return std::get<0>(std::move(v_)); }
  [[nodiscard]] const AuthFailure& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, AuthFailure> v_;
};

/// Cuts an untrusted value (a claim, a URL from a header) for a log line.
[[nodiscard]] std::string ForLog(std::string_view untrusted, std::size_t max = 200);

}  // namespace cds::hooks::auth
