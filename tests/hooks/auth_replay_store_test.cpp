#include "hooks/auth/replay_store.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cds::hooks::auth {
namespace {

std::chrono::sys_seconds At(std::int64_t t) {
  return std::chrono::sys_seconds(std::chrono::seconds(t));
}

TEST(ReplayStoreTest, AJtiIsAcceptedOnceUntilItExpires) {
  InMemoryReplayStore store(1000);
  EXPECT_EQ(store.Check("iss", "j1", At(200), At(100)), ReplayVerdict::kFresh);
  EXPECT_EQ(store.Check("iss", "j1", At(200), At(150)), ReplayVerdict::kReplayed);
  EXPECT_EQ(store.Check("iss", "j1", At(200), At(199)), ReplayVerdict::kReplayed);
  EXPECT_EQ(store.Check("iss", "j2", At(200), At(150)), ReplayVerdict::kFresh);
  // Once expired, the token itself is refused by its exp; the entry can go.
  EXPECT_EQ(store.Check("iss", "j1", At(400), At(200)), ReplayVerdict::kFresh);
}

TEST(ReplayStoreTest, IdsAreScopedByIssuerWithoutCollisions) {
  InMemoryReplayStore store(1000);
  EXPECT_EQ(store.Check("a", "bc", At(200), At(100)), ReplayVerdict::kFresh);
  EXPECT_EQ(store.Check("b", "bc", At(200), At(100)), ReplayVerdict::kFresh);
  EXPECT_EQ(store.Check("ab", "c", At(200), At(100)), ReplayVerdict::kFresh);
  EXPECT_EQ(store.Check(std::string("a\0b", 3), "c", At(200), At(100)), ReplayVerdict::kFresh);
  EXPECT_EQ(store.Check("a", std::string("b\0c", 3), At(200), At(100)), ReplayVerdict::kFresh);
  EXPECT_EQ(store.Check("a", "bc", At(200), At(100)), ReplayVerdict::kReplayed);
}

TEST(ReplayStoreTest, BoundedFailsClosedAndExpiredEntriesMakeRoom) {
  InMemoryReplayStore store(16);  // one entry per shard
  int fresh = 0;
  int full = 0;
  for (int i = 0; i < 200; ++i) {
    const auto v = store.Check("iss", "j" + std::to_string(i), At(200), At(100));
    fresh += v == ReplayVerdict::kFresh;
    full += v == ReplayVerdict::kFull;
  }
  EXPECT_LE(fresh, 16);
  EXPECT_GE(fresh, 1);
  EXPECT_EQ(fresh + full, 200);
  EXPECT_LE(store.size(), 16u);
  // After every entry expired, new ids are accepted again.
  int later = 0;
  for (int i = 0; i < 200; ++i) {
    later += store.Check("iss", "k" + std::to_string(i), At(900), At(300)) == ReplayVerdict::kFresh;
  }
  EXPECT_GE(later, 1);
  EXPECT_LE(store.size(), 16u);
}

TEST(ReplayStoreTest, HealthReportsTheIdsRemembered) {
  InMemoryReplayStore store(1000);
  (void)store.Check("iss", "j1", At(200), At(100));
  (void)store.Check("iss", "j2", At(200), At(100));
  (void)store.Check("iss", "j1", At(200), At(100));
  const ReplayStoreHealth health = store.Health();
  EXPECT_EQ(std::string(health.backend), "memory");
  EXPECT_TRUE(health.available);  // memory always answers (a full store refuses, per id)
  EXPECT_EQ(health.entries, 2u);
  EXPECT_EQ(health.last_error, "");
}

TEST(ReplayStoreTest, AsynchronousInterfaceAnswersOnce) {
  InMemoryReplayStore store(100);
  int calls = 0;
  ReplayVerdict verdict = ReplayVerdict::kFull;
  store.CheckAndRemember("iss", "j", At(200), At(100), [&](ReplayVerdict v) {
    ++calls;
    verdict = v;
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(verdict, ReplayVerdict::kFresh);
}

}  // namespace
}  // namespace cds::hooks::auth
