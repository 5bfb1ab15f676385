// Authenticates an EHR's CDS Hooks call from its `Authorization: Bearer <JWT>` header:
// the checks of the spec digest §8, cheapest first, then the signature, then the jti, so
// nothing is remembered and no key set is fetched for a token that fails a cheap check.
//
//   token size → JWS shape → iss allowlisted → typ JWT → alg allowed for the issuer → kid →
//   jti present → aud = the URL invoked → exp / nbf / iat (skew) → lifetime → tenant →
//   key (pinned set, or allowlisted jku via the cache) fits alg → signature → jti not replayed
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hooks/auth/auth_result.hpp"
#include "hooks/auth/jwks_cache.hpp"
#include "hooks/auth/jwt.hpp"
#include "hooks/auth/replay_store.hpp"
#include "hooks/config.hpp"
#include "hooks/hook_error.hpp"
#include "hooks/http_client.hpp"

namespace cds::hooks::auth {

/// Who called, once authenticated.
struct Principal {
  std::string iss;
  std::string sub;  // empty unless the token carried one
  std::optional<std::string> tenant;
  std::string jti;
  std::string kid;
  JwsAlgorithm alg = JwsAlgorithm::kES384;
  std::chrono::sys_seconds expires{};
  /// fhirServer base URLs this issuer's calls may name (auth.issuers[].fhir_server_allow).
  /// Empty = the global prefetch.fhir_allow applies; otherwise the prefetch resolver uses this
  /// list instead for the issuer's calls.
  std::vector<std::string> fhir_server_allow;
};

/// An issuer as the authenticator uses it.
struct TrustedIssuer {
  std::string iss;
  std::vector<JwsAlgorithm> algorithms;
  std::vector<std::string> tenants;
  std::vector<std::string> fhir_server_allow;
  std::shared_ptr<const JwkSet> pinned;  // jwks_file: set, and jku is ignored
  std::vector<std::string> jku;          // allowlist, when not pinned
  std::shared_ptr<JwksCache> cache;      // fetches from `jku`
};

class Authenticator {
 public:
  using Done = std::function<void(AuthResult<Principal>)>;

  /// Builds the issuers from `config` (reads and parses pinned key files now). Errors name the
  /// setting, e.g. "auth.issuers[0].jwks_file: ...". `client` fetches jku key sets (may be
  /// null when every issuer is pinned); `replay` remembers jtis.
  /// `on_jwks_fetch` (optional) is told each key-set fetch's result (JwksCache::Options).
  [[nodiscard]] static Result<std::shared_ptr<Authenticator>> Create(
      const AuthConfig& config, std::shared_ptr<HttpClient> client,
      std::shared_ptr<ReplayStore> replay,
      std::function<void(std::string_view result)> on_jwks_fetch = nullptr);

  /// The public base URL tokens must be addressed to (public_base_url, or the listener's own
  /// URL): aud must equal base + request target. Set before serving; not thread-safe.
  void SetAudienceBase(std::string base);
  [[nodiscard]] const std::string& audience_base() const noexcept { return audience_base_; }

  /// Checks `authorization` (the header value, possibly empty) for a request to `target`
  /// (path and query as received). `done` runs exactly once: before this returns, or after a
  /// key-set fetch on the HTTP client's thread. Thread-safe.
  /// `request_id` (optional) goes to the log lines of a key-set fetch this call starts.
  void Authenticate(std::string_view authorization, std::string_view target,
                    std::chrono::sys_seconds now, Done done,
                    std::string_view request_id = {}) const;

  [[nodiscard]] const std::vector<TrustedIssuer>& issuers() const noexcept { return issuers_; }
  /// The jti replay store's state (/readyz and the metrics).
  [[nodiscard]] ReplayStoreHealth ReplayHealth() const { return replay_->Health(); }

 private:
  Authenticator() = default;
  void Finish(std::shared_ptr<const Jwt> jwt, const TrustedIssuer& issuer, JwsAlgorithm alg,
              std::shared_ptr<const Jwk> key, std::chrono::sys_seconds now, Done done) const;

  std::vector<TrustedIssuer> issuers_;
  std::map<std::string, std::size_t, std::less<>> by_iss_;
  std::shared_ptr<ReplayStore> replay_;
  TimePolicy times_;
  std::size_t max_token_bytes_ = 16 * 1024;
  std::string audience_base_;
};

/// The token of an `Authorization: Bearer <token>` value (scheme case-insensitive), or empty.
[[nodiscard]] std::string_view BearerToken(std::string_view authorization) noexcept;

}  // namespace cds::hooks::auth
