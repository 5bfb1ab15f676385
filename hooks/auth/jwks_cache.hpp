// An issuer's key sets fetched from its allowlisted jku URLs: cached for a TTL, refetched when
// a token names an unknown kid at most once per refetch interval for the whole issuer (so a
// flood of made-up kids cannot turn into a flood of fetches), and concurrent lookups share one
// fetch. Only URLs the caller has checked against the allowlist may be passed in.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hooks/auth/auth_result.hpp"
#include "hooks/auth/jwk.hpp"
#include "hooks/http_client.hpp"

namespace cds::hooks::auth {

class JwksCache : public std::enable_shared_from_this<JwksCache> {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    std::chrono::seconds ttl{600};              // a fetched set is used this long
    std::chrono::seconds refetch_interval{30};  // at most one fetch per issuer per interval
    std::chrono::milliseconds fetch_timeout{5000};
    std::size_t max_bytes = 256 * 1024;
    std::function<Clock::time_point()> clock = [] { return Clock::now(); };  // tests
    /// Told the result of each fetch: "ok", "http_error", "invalid" (not a JWK Set), or the
    /// transport failure (same names as ToString(OutboundFailure)). Optional (the server's
    /// metrics).
    std::function<void(std::string_view result)> on_fetch;
  };
  using KeyDone = std::function<void(AuthResult<std::shared_ptr<const Jwk>>)>;

  /// `client` may be null: every lookup then fails with kKeySetUnavailable.
  JwksCache(std::string iss, std::shared_ptr<HttpClient> client, Options options);

  /// The key `kid` from the set at `jku`: at once from the cache, or after a fetch. A stale set
  /// that has the kid is used while a refresh runs in the background. `done` is called exactly
  /// once, before this returns or on the HTTP client's thread.
  /// `request_id` names the call in the log lines of a fetch this lookup starts.
  void FindKey(const std::string& jku, const std::string& kid, KeyDone done,
               std::string_view request_id = {});

  /// Fetches started so far (for logs and tests).
  [[nodiscard]] std::uint64_t fetches() const;

 private:
  struct Waiter {
    std::string kid;
    KeyDone done;
  };
  struct Entry {
    std::shared_ptr<const JwkSet> keys;
    Clock::time_point fetched_at{};
    bool attempted = false;
    bool in_flight = false;
    std::vector<Waiter> waiters;
  };

  // Under mutex_: may a fetch start now? Marks it started if so.
  bool StartFetchLocked(Entry& entry, Clock::time_point now);
  void Fetch(const std::string& jku, std::string_view request_id);
  void OnFetched(const std::string& jku, const std::string& request_id, OutboundResponse response);

  std::string iss_;
  std::shared_ptr<HttpClient> client_;
  Options options_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::optional<Clock::time_point> last_fetch_;
  std::uint64_t fetches_ = 0;
};

}  // namespace cds::hooks::auth
