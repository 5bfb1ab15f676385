#include "hooks/auth/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace cds::hooks::auth {

TokenBucket::TokenBucket(double rate_per_second, double burst, Clock::time_point now)
    : rate_(rate_per_second), burst_(std::max(1.0, burst)), tokens_(burst_), last_(now) {}

std::optional<std::chrono::milliseconds> TokenBucket::TryTake(Clock::time_point now) {
  if (now > last_) {
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
    last_ = now;
  }
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return std::nullopt;
  }
  const double wait_s = rate_ > 0 ? (1.0 - tokens_) / rate_ : 3600.0;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(wait_s * 1000.0)));
}

IssuerRateLimiter::IssuerRateLimiter(std::map<std::string, RateLimit, std::less<>> limits,
                                     RateLimit fallback)
    : limits_(std::move(limits)), fallback_(fallback) {}

std::optional<std::chrono::seconds> IssuerRateLimiter::Admit(std::string_view iss,
                                                             TokenBucket::Clock::time_point now) {
  const auto limit_it = limits_.find(iss);
  const RateLimit& limit = limit_it != limits_.end() ? limit_it->second : fallback_;
  if (limit.per_second <= 0) return std::nullopt;
  const std::lock_guard<std::mutex> lock(mutex_);
  auto it = buckets_.find(iss);
  if (it == buckets_.end()) {
    it = buckets_.emplace(std::string(iss), TokenBucket(limit.per_second, limit.burst, now)).first;
  }
  const auto wait = it->second.TryTake(now);
  if (!wait) return std::nullopt;
  // Retry-After is in whole seconds (RFC 9110 §10.2.3): round up, at least 1.
  return std::chrono::seconds(std::max<std::int64_t>(1, (wait->count() + 999) / 1000));
}

}  // namespace cds::hooks::auth
