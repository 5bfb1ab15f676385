// Per-issuer request rate limits: one token bucket per trusted issuer (after its token
// verified, so nobody can spend another issuer's budget by naming it in an unsigned claim).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace cds::hooks::auth {

/// A token bucket: `rate` tokens per second, holding at most `burst`. Not thread-safe.
class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;
  TokenBucket(double rate_per_second, double burst, Clock::time_point now);

  /// Takes one token. nullopt = allowed; otherwise how long until a token is available.
  [[nodiscard]] std::optional<std::chrono::milliseconds> TryTake(Clock::time_point now);

 private:
  double rate_;
  double burst_;
  double tokens_;
  Clock::time_point last_;
};

struct RateLimit {
  double per_second = 0;  // 0 = unlimited
  double burst = 0;
};

/// Buckets by issuer, created on first use from the limit given for it. Thread-safe.
class IssuerRateLimiter {
 public:
  /// `limits` by iss; an issuer not listed gets `fallback`.
  IssuerRateLimiter(std::map<std::string, RateLimit, std::less<>> limits, RateLimit fallback);

  /// nullopt = allowed; otherwise the Retry-After to send.
  [[nodiscard]] std::optional<std::chrono::seconds> Admit(
      std::string_view iss, TokenBucket::Clock::time_point now = TokenBucket::Clock::now());

 private:
  std::map<std::string, RateLimit, std::less<>> limits_;
  RateLimit fallback_;
  std::mutex mutex_;
  std::map<std::string, TokenBucket, std::less<>> buckets_;
};

}  // namespace cds::hooks::auth
