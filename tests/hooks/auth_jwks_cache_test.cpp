#include "hooks/auth/jwks_cache.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "tests/hooks/auth_test_util.hpp"

namespace cds::hooks::auth {
namespace {

using namespace std::chrono_literals;
using testing::ScriptedHttpClient;
using ::testing::SizeIs;

constexpr const char* kJku = "https://ehr.test/jwks.json";

struct Lookup {
  int calls = 0;
  std::optional<AuthResult<std::shared_ptr<const Jwk>>> result;
  JwksCache::KeyDone Callback() {
    return [this](AuthResult<std::shared_ptr<const Jwk>> r) {
      ++calls;
      result.emplace(std::move(r));
    };
  }
  [[nodiscard]] bool Found() const { return result && result->ok(); }
  [[nodiscard]] AuthReason Reason() const { return result->error().reason; }
};

class JwksCacheTest : public ::testing::Test {
 protected:
  // An unanswered fetch holds the cache (through its callback), which holds the client.
  void TearDown() override { client_->pending.clear(); }
  std::shared_ptr<JwksCache> Cache() {
    JwksCache::Options options;
    options.ttl = 600s;
    options.refetch_interval = 30s;
    options.clock = [this] { return now_; };
    return std::make_shared<JwksCache>("https://ehr.test", client_, options);
  }
  std::shared_ptr<ScriptedHttpClient> client_ = std::make_shared<ScriptedHttpClient>();
  JwksCache::Clock::time_point now_ = JwksCache::Clock::time_point{} + 1000s;
  const std::string jwks_ = testing::JoseVectors().jwks;
};

TEST_F(JwksCacheTest, ConcurrentLookupsShareOneFetch) {
  auto cache = Cache();
  Lookup a, b, c;
  cache->FindKey(kJku, "es384-key", a.Callback());
  cache->FindKey(kJku, "rs384-key", b.Callback());
  cache->FindKey(kJku, "nope", c.Callback());
  ASSERT_THAT(client_->requests, SizeIs(1));
  EXPECT_EQ(client_->requests[0].url, kJku);
  EXPECT_TRUE(client_->requests[0].authorization.empty());
  EXPECT_EQ(a.calls + b.calls + c.calls, 0);  // all waiting on the one fetch
  client_->Answer(200, jwks_);
  EXPECT_TRUE(a.Found());
  EXPECT_TRUE(b.Found());
  ASSERT_EQ(c.calls, 1);
  EXPECT_EQ(c.Reason(), AuthReason::kUnknownKey);
  // Cached now: no further fetch.
  Lookup d;
  cache->FindKey(kJku, "ps384-key", d.Callback());
  EXPECT_TRUE(d.Found());
  EXPECT_THAT(client_->requests, SizeIs(1));
}

// The server's metrics observe each fetch's result; the fetch carries the id of the call that
// started it, for the client's log line.
TEST_F(JwksCacheTest, TheObserverSeesEachFetchResultAndTheFetchCarriesTheRequestId) {
  std::vector<std::string> results;
  JwksCache::Options options;
  options.refetch_interval = 30s;
  options.clock = [this] { return now_; };
  options.on_fetch = [&results](std::string_view r) { results.emplace_back(r); };
  auto cache = std::make_shared<JwksCache>("https://ehr.test", client_, options);
  Lookup a;
  cache->FindKey(kJku, "es384-key", a.Callback(), "req-1");
  ASSERT_THAT(client_->requests, SizeIs(1));
  EXPECT_EQ(client_->requests[0].request_id, "req-1");
  client_->Fail(OutboundFailure::kTimeout);
  now_ += 31s;
  Lookup b;
  cache->FindKey(kJku, "es384-key", b.Callback());
  client_->Answer(500, "");
  now_ += 31s;
  Lookup c;
  cache->FindKey(kJku, "es384-key", c.Callback());
  client_->Answer(200, "{}");
  now_ += 31s;
  Lookup d;
  cache->FindKey(kJku, "es384-key", d.Callback());
  client_->Answer(200, jwks_);
  EXPECT_TRUE(d.Found());
  EXPECT_EQ(results, (std::vector<std::string>{"timeout", "http_error", "invalid", "ok"}));
}

TEST_F(JwksCacheTest, AFloodOfUnknownKidsFetchesAtMostOncePerInterval) {
  auto cache = Cache();
  Lookup first;
  cache->FindKey(kJku, "es384-key", first.Callback());
  client_->Answer(200, jwks_);
  ASSERT_TRUE(first.Found());
  now_ += 1s;
  // The first unknown kid after the interval may trigger a refetch...
  now_ += 30s;
  Lookup unknown;
  cache->FindKey(kJku, "rotated-1", unknown.Callback());
  ASSERT_THAT(client_->requests, SizeIs(2));
  client_->Answer(200, jwks_);
  EXPECT_EQ(unknown.Reason(), AuthReason::kUnknownKey);
  // ...and then a thousand more within the interval fetch nothing.
  for (int i = 0; i < 1000; ++i) {
    Lookup flood;
    cache->FindKey(kJku, "made-up-" + std::to_string(i), flood.Callback());
    ASSERT_EQ(flood.calls, 1);
    EXPECT_EQ(flood.Reason(), AuthReason::kUnknownKey);
    now_ += 10ms;
  }
  EXPECT_THAT(client_->requests, SizeIs(2));
  EXPECT_EQ(cache->fetches(), 2u);
  // Known keys are still served throughout.
  Lookup known;
  cache->FindKey(kJku, "rs384-key", known.Callback());
  EXPECT_TRUE(known.Found());
  now_ += 30s;
  Lookup after;
  cache->FindKey(kJku, "made-up-again", after.Callback());
  EXPECT_THAT(client_->requests, SizeIs(3));
}

TEST_F(JwksCacheTest, RotationIsPickedUpByTheRefetch) {
  auto cache = Cache();
  Lookup first;
  cache->FindKey(kJku, "es384-key", first.Callback());
  client_->Answer(200, R"({"keys":[]})");
  EXPECT_EQ(first.Reason(), AuthReason::kUnknownKey);
  now_ += 31s;
  Lookup rotated;
  cache->FindKey(kJku, "es384-key", rotated.Callback());
  client_->Answer(200, jwks_);
  EXPECT_TRUE(rotated.Found());
}

TEST_F(JwksCacheTest, FailedFetchesAreThrottledToo) {
  auto cache = Cache();
  Lookup first;
  cache->FindKey(kJku, "es384-key", first.Callback());
  client_->Fail(OutboundFailure::kConnect);
  EXPECT_EQ(first.Reason(), AuthReason::kKeySetUnavailable);
  for (int i = 0; i < 50; ++i) {
    Lookup again;
    cache->FindKey(kJku, "es384-key", again.Callback());
    EXPECT_EQ(again.Reason(), AuthReason::kKeySetUnavailable);
  }
  EXPECT_THAT(client_->requests, SizeIs(1));
  Lookup status;
  now_ += 30s;
  cache->FindKey(kJku, "es384-key", status.Callback());
  client_->Answer(404, "not found");
  EXPECT_EQ(status.Reason(), AuthReason::kKeySetUnavailable);
  now_ += 30s;
  Lookup garbage;
  cache->FindKey(kJku, "es384-key", garbage.Callback());
  client_->Answer(200, "<html>");
  EXPECT_EQ(garbage.Reason(), AuthReason::kKeySetUnavailable);
  EXPECT_THAT(client_->requests, SizeIs(3));
}

TEST_F(JwksCacheTest, AStaleSetIsUsedWhileItRefreshes) {
  auto cache = Cache();
  Lookup first;
  cache->FindKey(kJku, "es384-key", first.Callback());
  client_->Answer(200, jwks_);
  now_ += 601s;  // past the TTL
  Lookup stale;
  cache->FindKey(kJku, "es384-key", stale.Callback());
  EXPECT_TRUE(stale.Found());                 // answered at once from the stale set
  ASSERT_THAT(client_->requests, SizeIs(2));  // and a refresh started
  client_->Fail(OutboundFailure::kTimeout);   // a failed refresh keeps the old keys
  Lookup still;
  cache->FindKey(kJku, "es384-key", still.Callback());
  EXPECT_TRUE(still.Found());
}

TEST_F(JwksCacheTest, FetchRequestIsBounded) {
  auto cache = Cache();
  Lookup l;
  cache->FindKey(kJku, "k", l.Callback());
  ASSERT_THAT(client_->requests, SizeIs(1));
  const OutboundRequest& r = client_->requests[0];
  EXPECT_EQ(r.method, "GET");
  EXPECT_LE(r.max_body_bytes, 1024u * 1024);
  EXPECT_TRUE(r.allow_private_address);  // the operator listed the URL
  EXPECT_GT(r.deadline, std::chrono::steady_clock::now());
  client_->Answer(200, jwks_);
}

TEST(JwksCacheNoClientTest, WithoutAnHttpClientNothingIsFetched) {
  auto cache = std::make_shared<JwksCache>("iss", nullptr, JwksCache::Options{});
  Lookup l;
  cache->FindKey(kJku, "k", l.Callback());
  ASSERT_EQ(l.calls, 1);
  EXPECT_EQ(l.Reason(), AuthReason::kKeySetUnavailable);
}

}  // namespace
}  // namespace cds::hooks::auth
