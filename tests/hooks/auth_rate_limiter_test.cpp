#include "hooks/auth/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace cds::hooks::auth {
namespace {

using namespace std::chrono_literals;
using Clock = TokenBucket::Clock;

TEST(TokenBucketTest, BurstThenRate) {
  const Clock::time_point t0{};
  TokenBucket bucket(10.0, 3.0, t0);  // 10/s, burst 3
  EXPECT_EQ(bucket.TryTake(t0), std::nullopt);
  EXPECT_EQ(bucket.TryTake(t0), std::nullopt);
  EXPECT_EQ(bucket.TryTake(t0), std::nullopt);
  const auto wait = bucket.TryTake(t0);
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(*wait, 100ms);  // one token every 100 ms
  EXPECT_EQ(bucket.TryTake(t0 + 50ms), 50ms);
  EXPECT_EQ(bucket.TryTake(t0 + 100ms), std::nullopt);
  EXPECT_TRUE(bucket.TryTake(t0 + 100ms).has_value());
  // Refill never exceeds the burst.
  const Clock::time_point later = t0 + 10s;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(bucket.TryTake(later), std::nullopt);
  EXPECT_TRUE(bucket.TryTake(later).has_value());
}

TEST(TokenBucketTest, ATimeGoingBackwardsGivesNothingAway) {
  const Clock::time_point t0 = Clock::time_point{} + 10s;
  TokenBucket bucket(1.0, 1.0, t0);
  EXPECT_EQ(bucket.TryTake(t0), std::nullopt);
  EXPECT_TRUE(bucket.TryTake(t0 - 5s).has_value());
  EXPECT_TRUE(bucket.TryTake(t0).has_value());
}

TEST(IssuerRateLimiterTest, EachIssuerHasItsOwnBucketAndRetryAfterInWholeSeconds) {
  IssuerRateLimiter limiter({{"slow", RateLimit{0.5, 1}}, {"free", RateLimit{0, 0}}},
                            RateLimit{100, 2});
  const Clock::time_point t0{};
  EXPECT_EQ(limiter.Admit("slow", t0), std::nullopt);
  EXPECT_EQ(limiter.Admit("slow", t0), std::chrono::seconds(2));
  EXPECT_EQ(limiter.Admit("other", t0), std::nullopt);  // the fallback: burst 2
  EXPECT_EQ(limiter.Admit("other", t0), std::nullopt);
  EXPECT_EQ(limiter.Admit("other", t0), std::chrono::seconds(1));  // 10 ms rounds up to 1 s
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(limiter.Admit("free", t0), std::nullopt);
  EXPECT_EQ(limiter.Admit("slow", t0 + 2s), std::nullopt);
}

}  // namespace
}  // namespace cds::hooks::auth
