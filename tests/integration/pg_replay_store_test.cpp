// The shared jti replay store (hooks/auth/pg_replay_store.hpp) against a real PostgreSQL on
// loopback: first the store alone (two stores stand for two server instances), then two real
// servers behind one public URL sharing it, as behind a load balancer.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <future>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "hooks/auth/pg_replay_store.hpp"
#include "tests/integration/postgres_process.hpp"
#include "tests/integration/server_process.hpp"
#include "tests/integration/tls_client.hpp"

namespace cds::testing {
namespace {

namespace http = boost::beast::http;
using hooks::auth::PgReplayStore;
using hooks::auth::PgReplayStoreOptions;
using hooks::auth::ReplayVerdict;
using namespace std::chrono_literals;

// Token times are real time (the store purges by the real clock).
const std::chrono::sys_seconds kNow =
    std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());

// Completions are posted to an executor: one I/O thread, as in the server.
class Executor {
 public:
  Executor() : guard_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~Executor() {
    guard_.reset();
    thread_.join();
  }
  boost::asio::any_io_executor get() { return io_.get_executor(); }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
};

class PgReplayStoreTest : public ::testing::Test {
 protected:
  std::shared_ptr<PgReplayStore> Open(PgReplayStoreOptions options = {}) {
    if (options.conninfo.empty()) options.conninfo = pg_.Conninfo();
    std::string error;
    auto store = PgReplayStore::Open(options, executor_.get(), &error);
    EXPECT_NE(store, nullptr) << error;
    return store;
  }

  static ReplayVerdict Check(PgReplayStore& store, const std::string& iss, const std::string& jti,
                             std::chrono::sys_seconds expires = kNow + 300s,
                             std::chrono::sys_seconds now = kNow) {
    std::promise<ReplayVerdict> answer;
    store.CheckAndRemember(iss, jti, expires, now,
                           [&answer](ReplayVerdict v) { answer.set_value(v); });
    return answer.get_future().get();
  }

  PostgresProcess pg_;
  Executor executor_;
};

TEST_F(PgReplayStoreTest, AJtiIsFreshOnceAcrossInstancesAndScopedByIssuer) {
  ASSERT_TRUE(pg_.started());
  auto a = Open();
  auto b = Open();  // another server instance on the same database
  ASSERT_TRUE(a && b);
  EXPECT_EQ(Check(*a, "https://ehr-1", "jti-1"), ReplayVerdict::kFresh);
  EXPECT_EQ(Check(*b, "https://ehr-1", "jti-1"), ReplayVerdict::kReplayed);
  EXPECT_EQ(Check(*a, "https://ehr-1", "jti-1"), ReplayVerdict::kReplayed);
  EXPECT_EQ(Check(*b, "https://ehr-2", "jti-1"), ReplayVerdict::kFresh);  // another issuer
  EXPECT_EQ(Check(*b, "https://ehr-1", "jti-2"), ReplayVerdict::kFresh);
  EXPECT_EQ(pg_.Query("SELECT count(*) FROM cds_jti"), "3\n");
  const auto health = a->Health();
  EXPECT_EQ(std::string(health.backend), "postgresql");
  EXPECT_TRUE(health.available);
  EXPECT_EQ(health.checks, 2u);
  EXPECT_EQ(health.round_trips, 2u);
  EXPECT_EQ(health.unavailable, 0u);
}

TEST_F(PgReplayStoreTest, IdsCompareAsBytes) {
  ASSERT_TRUE(pg_.started());
  auto store = Open();
  ASSERT_TRUE(store);
  const std::string nul_b("a\0b", 3);
  const std::string nul_c("a\0c", 3);
  EXPECT_EQ(Check(*store, "iss", nul_b), ReplayVerdict::kFresh);
  EXPECT_EQ(Check(*store, "iss", nul_c), ReplayVerdict::kFresh);
  EXPECT_EQ(Check(*store, "iss", "a"), ReplayVerdict::kFresh);
  EXPECT_EQ(Check(*store, "iss", nul_b), ReplayVerdict::kReplayed);
  // Length-prefixed keys: ("ab", "c") and ("a", "bc") are different pairs.
  EXPECT_EQ(Check(*store, "ab", "c"), ReplayVerdict::kFresh);
  EXPECT_EQ(Check(*store, "a", "bc"), ReplayVerdict::kFresh);
  EXPECT_EQ(Check(*store, "it's \"quoted\"; DROP TABLE cds_jti; --", "é\xff"),
            ReplayVerdict::kFresh);
  EXPECT_EQ(pg_.Query("SELECT count(*) FROM cds_jti"), "6\n");
}

// Many checks at once are sent as group checks; of all the checks of one jti, on any
// instance, exactly one is fresh.
TEST_F(PgReplayStoreTest, ConcurrentChecksAcceptEachJtiExactlyOnce) {
  ASSERT_TRUE(pg_.started());
  auto a = Open();
  auto b = Open();
  ASSERT_TRUE(a && b);
  constexpr int kJtis = 200;
  constexpr int kCopies = 4;  // each jti checked twice on each instance
  std::vector<std::atomic<int>> fresh(kJtis);
  std::atomic<int> answers{0};
  std::promise<void> all;
  for (int copy = 0; copy < kCopies; ++copy) {
    for (int k = 0; k < kJtis; ++k) {
      // One instance sees the ids in the opposite order: the stores must not deadlock on each
      // other's rows (each batch inserts in key order).
      const int j = copy % 2 == 0 ? k : kJtis - 1 - k;
      PgReplayStore& store = copy % 2 == 0 ? *a : *b;
      store.CheckAndRemember("https://ehr", "jti-" + std::to_string(j), kNow + 300s, kNow,
                             [&, j](ReplayVerdict v) {
                               if (v == ReplayVerdict::kFresh) ++fresh[j];
                               EXPECT_NE(v, ReplayVerdict::kUnavailable);
                               if (++answers == kJtis * kCopies) all.set_value();
                             });
    }
  }
  ASSERT_EQ(all.get_future().wait_for(30s), std::future_status::ready);
  for (int j = 0; j < kJtis; ++j) EXPECT_EQ(fresh[j].load(), 1) << "jti-" << j;
  // Fewer round trips than checks: the checks queued during one went out together.
  EXPECT_LT(a->Health().round_trips + b->Health().round_trips,
            static_cast<std::uint64_t>(kJtis * kCopies));
}

TEST_F(PgReplayStoreTest, AnExpiredIdIsFreshAgainAndExpiredRowsArePurged) {
  ASSERT_TRUE(pg_.started());
  auto store = Open();
  ASSERT_TRUE(store);
  EXPECT_EQ(Check(*store, "iss", "id", kNow + 60s, kNow), ReplayVerdict::kFresh);
  EXPECT_EQ(Check(*store, "iss", "id", kNow + 60s, kNow + 30s), ReplayVerdict::kReplayed);
  // Past its expiry the id is forgotten (its token would be refused as expired anyway), and
  // remembered again until the new expiry.
  EXPECT_EQ(Check(*store, "iss", "id", kNow + 600s, kNow + 61s), ReplayVerdict::kFresh);
  EXPECT_EQ(Check(*store, "iss", "id", kNow + 600s, kNow + 300s), ReplayVerdict::kReplayed);

  // Another instance purges by the real clock: the expired row goes, the live ones stay.
  PgReplayStoreOptions options;
  options.purge_interval = 200ms;
  auto purger = Open(options);
  ASSERT_TRUE(purger);
  EXPECT_EQ(Check(*purger, "iss", "old", kNow - 10s, kNow - 20s), ReplayVerdict::kFresh);
  std::string rows;
  for (int i = 0; i < 50 && rows != "1\n"; ++i) {
    std::this_thread::sleep_for(100ms);
    rows = pg_.Query("SELECT count(*) FROM cds_jti");
  }
  EXPECT_EQ(rows, "1\n");
  EXPECT_EQ(pg_.Query("SELECT convert_from(jti, 'UTF8') FROM cds_jti"), "id\n");
  EXPECT_GE(purger->Health().purged, 1u);
}

// Fail closed: a store that is down or hangs answers kUnavailable within the timeout, and the
// store comes back on its own once the database does.
TEST_F(PgReplayStoreTest, DownOrHangingIsUnavailableWithinTheTimeoutThenRecovers) {
  ASSERT_TRUE(pg_.started());
  PgReplayStoreOptions options;
  options.timeout = 500ms;
  options.reconnect_interval = 100ms;
  auto store = Open(options);
  ASSERT_TRUE(store);
  EXPECT_EQ(Check(*store, "iss", "before"), ReplayVerdict::kFresh);

  pg_.Stop();
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(Check(*store, "iss", "while-down"), ReplayVerdict::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1500ms);
  EXPECT_FALSE(store->Health().available);
  EXPECT_NE(store->Health().last_error, "");
  ASSERT_TRUE(pg_.Start());
  // Idle, the store connects again on its own (readiness must not wait for a check).
  bool available = false;
  for (int i = 0; i < 100 && !available; ++i) {
    std::this_thread::sleep_for(50ms);
    available = store->Health().available;
  }
  EXPECT_TRUE(available) << store->Health().last_error;
  EXPECT_EQ(store->Health().last_error, "");
  ReplayVerdict v = ReplayVerdict::kUnavailable;
  for (int i = 0; i < 50 && v == ReplayVerdict::kUnavailable; ++i) {
    std::this_thread::sleep_for(100ms);
    v = Check(*store, "iss", "after-restart-" + std::to_string(i));
  }
  EXPECT_EQ(v, ReplayVerdict::kFresh);
  EXPECT_EQ(Check(*store, "iss", "before"), ReplayVerdict::kReplayed);  // the data survived

  pg_.Pause();  // the server and its backends stop answering; TCP still connects
  started = std::chrono::steady_clock::now();
  std::vector<std::future<ReplayVerdict>> hung;
  for (int i = 0; i < 5; ++i) {
    hung.push_back(std::async(
        std::launch::async, [&, i] { return Check(*store, "iss", "hung-" + std::to_string(i)); }));
  }
  for (auto& f : hung) EXPECT_EQ(f.get(), ReplayVerdict::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1500ms);
  pg_.Resume();
  v = ReplayVerdict::kUnavailable;
  for (int i = 0; i < 50 && v == ReplayVerdict::kUnavailable; ++i) {
    std::this_thread::sleep_for(100ms);
    v = Check(*store, "iss", "after-resume-" + std::to_string(i));
  }
  EXPECT_EQ(v, ReplayVerdict::kFresh);
  EXPECT_GE(store->Health().unavailable, 6u);
}

TEST_F(PgReplayStoreTest, OpenReportsAnUnreachableDatabase) {
  ASSERT_TRUE(pg_.started());
  const int port = pg_.port();
  pg_.Stop();
  PgReplayStoreOptions options;
  options.conninfo = "host=127.0.0.1 port=" + std::to_string(port) + " user=cds dbname=postgres";
  options.timeout = 1s;
  std::string error;
  EXPECT_EQ(PgReplayStore::Open(options, executor_.get(), &error), nullptr);
  EXPECT_NE(error.find("cannot connect to the replay store"), std::string::npos) << error;
}

// ---------------------------------------------------------------------------------------------
// Two real servers behind one public URL, as behind a load balancer.

constexpr const char* kBase = "https://cds.test";
constexpr const char* kSelect = "/cds-services/antimicrobial-stewardship-order-select";

constexpr const char* kAdminToken = "pg-replay-admin-token-0123456789-abcdefghijklmn";

Response Fetch(int port, Request request) {
  TlsClient client;
  Response response;
  if (auto ec = client.Connect(port)) {
    ADD_FAILURE() << "connect: " << ec.message();
    return response;
  }
  if (auto ec = client.Send(request, response)) ADD_FAILURE() << "send: " << ec.message();
  return response;
}

std::string Metrics(int port) {
  Request request = Get("/metrics");
  request.set(http::field::authorization, std::string("Bearer ") + kAdminToken);
  return Fetch(port, std::move(request)).body();
}

// The value of an unlabelled series; -1 when absent.
double Sample(const std::string& metrics, const std::string& name) {
  std::istringstream lines(metrics);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(name + " ")) return std::stod(line.substr(name.size() + 1));
  }
  return -1;
}

unsigned Call(int port, const std::string& token) {
  TlsClient client;
  if (auto ec = client.Connect(port)) {
    ADD_FAILURE() << "connect: " << ec.message();
    return 0;
  }
  Request request = JsonPost(kSelect, CompleteSandboxRequest());
  request.set(http::field::authorization, "Bearer " + token);
  Response response;
  if (auto ec = client.Send(request, response)) {
    ADD_FAILURE() << "send: " << ec.message();
    return 0;
  }
  return response.result_int();
}

std::vector<std::string> Tokens(const std::string& key, int count) {
  const std::string cli = CLI_BINARY;
  const CommandResult r = RunCommand(cli + " token --count " + std::to_string(count) + " --key " +
                                     key + " --aud " + kBase + kSelect);
  std::vector<std::string> tokens;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) tokens.push_back(line);
  EXPECT_EQ(static_cast<int>(tokens.size()), count) << r.output;
  return tokens;
}

TEST(PgReplayStoreServerTest, ATokenAcceptedByOneInstanceIsRefusedByAnother) {
  PostgresProcess pg;
  ASSERT_TRUE(pg.started());
  const std::string key = WriteTempFile("pg-demo-key.pem", "");
  ASSERT_EQ(RunCommand("openssl ecparam -name secp384r1 -genkey -noout -out " + key).exit_code, 0);
  const std::string cli = CLI_BINARY;
  const CommandResult jwks = RunCommand(cli + " token --jwks --key " + key);
  ASSERT_EQ(jwks.exit_code, 0) << jwks.output;
  const std::string jwks_file = WriteTempFile("pg-demo-jwks.json", jwks.output);
  const std::string config =
      WriteTempFile("pg-replay.json", R"({"auth": {"replay_timeout_ms": 500}})");
  const std::string admin = WriteTempFile("pg-admin-token", std::string(kAdminToken) + "\n");
  const std::vector<std::string> args = {
      "--config",           config,
      "--public-base-url",  kBase,
      "--trust-issuer",     "https://demo-ehr.invalid=" + jwks_file,
      "--replay-postgres",  pg.Conninfo(),
      "--admin-token-file", admin};
  ServerProcess a(args, ServerAuth::kAsConfigured);
  ServerProcess b(args, ServerAuth::kAsConfigured);
  ASSERT_TRUE(a.started() && b.started());
  EXPECT_NE(a.Log().find(R"("replay_store":"postgresql")"), std::string::npos);

  const std::vector<std::string> tokens = Tokens(key, 4);
  ASSERT_EQ(tokens.size(), 4u);
  EXPECT_EQ(Call(a.port(), tokens[0]), 200u) << a.Log();
  EXPECT_EQ(Call(b.port(), tokens[0]), 401u) << "replayed to the other instance";
  EXPECT_EQ(Call(b.port(), tokens[1]), 200u) << b.Log();
  EXPECT_EQ(Call(a.port(), tokens[1]), 401u);
  EXPECT_NE(b.Log().find("replayed_jti"), std::string::npos);
  const std::string metrics = Metrics(a.port());
  EXPECT_EQ(Sample(metrics, "cds_replay_store_up"), 1) << metrics;
  EXPECT_EQ(Sample(metrics, "cds_replay_store_checks_since_start"), 2);
  EXPECT_EQ(Fetch(a.port(), Get("/readyz")).result_int(), 200u);

  // The store hangs: calls are refused with 503 within the timeout, never accepted unchecked.
  pg.Pause();
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(Call(a.port(), tokens[2]), 503u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  // ... and the instance says it is not ready, without naming the database.
  Response ready = Fetch(a.port(), Get("/readyz"));
  EXPECT_EQ(ready.result_int(), 503u);
  EXPECT_EQ(ready.body(),
            R"({"status":"replay store unavailable","replayStore":{"backend":"postgresql",)"
            R"("state":"unavailable"}})");
  EXPECT_EQ(Sample(Metrics(a.port()), "cds_replay_store_up"), 0);
  EXPECT_GE(Sample(Metrics(a.port()), "cds_replay_store_unavailable_since_start"), 1);
  pg.Resume();
  // Ready again with no call to it: the store reconnects on its own.
  for (int i = 0; i < 100 && ready.result_int() != 200u; ++i) {
    std::this_thread::sleep_for(100ms);
    ready = Fetch(a.port(), Get("/readyz"));
  }
  EXPECT_EQ(ready.result_int(), 200u) << ready.body();
  EXPECT_EQ(Sample(Metrics(a.port()), "cds_replay_store_up"), 1);
  unsigned status = 0;
  for (int i = 0; i < 50 && status != 200u; ++i) {
    std::this_thread::sleep_for(100ms);
    status = Call(b.port(), Tokens(key, 1).at(0));
  }
  EXPECT_EQ(status, 200u) << b.Log();
  const std::string log = a.Log() + b.Log();
  EXPECT_NE(log.find("replay_store_unavailable"), std::string::npos);
  EXPECT_NE(a.Log().find("replay store unavailable: calls with a JWT are answered 503"),
            std::string::npos);
  EXPECT_NE(a.Log().find("replay store available again"), std::string::npos);
  for (const std::string& token : tokens) {
    EXPECT_EQ(log.find(token.substr(token.rfind('.') + 1)), std::string::npos) << "token logged";
  }
}

TEST(PgReplayStoreServerTest, StartUpRefusesAPasswordInTheConnectionStringAndAnUnreachableDb) {
  const std::string jwks_file = WriteTempFile("pg-empty-jwks.json", R"({"keys":[]})");
  const std::string base = std::string(SERVER_BINARY) + " --port 0 --no-audit --trust-issuer " +
                           "https://demo-ehr.invalid=" + jwks_file;
  CommandResult r = RunCommand(base + " --replay-postgres 'host=127.0.0.1 password=hunter2' 2>&1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("must not hold a password"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("hunter2"), std::string::npos) << "the password was echoed";

  r = RunCommand(base + " --replay-postgres 'host=127.0.0.1 port=1 connect_timeout=1' 2>&1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("cannot connect to the replay store"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace cds::testing
