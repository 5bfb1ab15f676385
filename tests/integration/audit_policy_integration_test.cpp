// The audit failure policy through the real server (issue 8). The store is made to fail for
// real: the test holds the database's write lock (BEGIN EXCLUSIVE on its own connection), so
// the server's commits fail with SQLITE_BUSY after --audit-busy-timeout-ms.
// - fail_closed (default): calls answer 503, /readyz 503 "audit unavailable", and both recover
//   on their own once the lock is gone;
// - spool: calls answer 200 with their cards, /readyz warns "audit spooling", and after the
//   unlock every answered call is in the store exactly once, also across a SIGKILL mid-spool.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_process.hpp"
#include "tests/integration/tls_client.hpp"

namespace cds::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSelect = "/cds-services/antimicrobial-stewardship-order-select";

std::string CallBody(const std::string& hook_instance) {
  static const std::string text =
      ReadFile(std::string(CDS_SOURCE_DIR) + "/bench/data/order-select-10k.json");
  const std::string key = R"("hookInstance":)";
  std::string body = text;
  const std::size_t at = body.find(key);
  const std::size_t start = body.find('"', at + key.size());
  const std::size_t end = body.find('"', start + 1);
  body.replace(start + 1, end - start - 1, hook_instance);
  return body;
}

// Holds the database's write lock, as another process could.
class DbLock {
 public:
  explicit DbLock(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    sqlite3_busy_timeout(db_, 10000);
    EXPECT_EQ(sqlite3_exec(db_, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db_);
  }
  ~DbLock() { Release(); }
  void Release() {
    if (db_ == nullptr) return;
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
    db_ = nullptr;
  }

 private:
  sqlite3* db_ = nullptr;
};

// hook_instance → rows, read by SQLite itself.
std::map<std::string, int> StoredCalls(const std::string& db_path) {
  std::map<std::string, int> out;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT hook_instance FROM calls", -1, &stmt, nullptr),
            SQLITE_OK);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    ++out[reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))];
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

Response Fetch(int port, Request request) {
  TlsClient client;
  Response response;
  if (auto ec = client.Connect(port)) {
    ADD_FAILURE() << ec.message();
    return response;
  }
  if (auto ec = client.Send(request, response)) ADD_FAILURE() << ec.message();
  return response;
}

Response Ready(int port) { return Fetch(port, Get("/readyz")); }

// Polls /readyz until it is 200 without any audit state (replayed, or commits succeed again).
bool EventuallyReadyWithoutAuditState(int port) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    const Response r = Ready(port);
    if (r.result_int() == 200 && r.body().find("audit") == std::string::npos) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

std::string TempPath(const std::string& name) {
  const std::string path = WriteTempFile(name, "");
  std::remove(path.c_str());
  return path;
}

// `clients` connections send calls until `enough` answered 200 (or 60 s); returns the
// hookInstances answered 200 and counts the other answers.
struct Load {
  std::vector<std::string> answered;
  int other = 0;
};
Load SendLoad(int port, const std::string& prefix, int clients, int enough,
              const std::function<void()>& before_stop = {}) {
  Load load;
  std::mutex mutex;
  std::atomic<int> count{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      TlsClient client(10s);
      if (client.Connect(port)) return;
      for (int i = 0; !stop; ++i) {
        const std::string hi = prefix + std::to_string(t) + "-" + std::to_string(i);
        Request request = JsonPost(kSelect, CallBody(hi));
        Response response;
        if (client.Send(request, response)) return;  // the server is gone
        std::lock_guard lock(mutex);
        if (response.result_int() == 200 &&
            response.body().find("\"cards\":[{") != std::string::npos) {
          load.answered.push_back(hi);
          ++count;
        } else {
          ++load.other;
        }
      }
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (count < enough && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  if (before_stop) before_stop();  // e.g. a SIGKILL while the clients still send
  stop = true;
  for (auto& t : threads) t.join();
  return load;
}

TEST(AuditPolicy, FailClosedAnswers503WhileTheDatabaseIsLockedAndRecovers) {
  ServerProcess server({"--audit-busy-timeout-ms", "100"});
  ASSERT_TRUE(server.started());
  EXPECT_EQ(Fetch(server.port(), JsonPost(kSelect, CallBody("fc-before"))).result_int(), 200);
  {
    DbLock lock(server.audit_db());
    const Response locked = Fetch(server.port(), JsonPost(kSelect, CallBody("fc-locked")));
    EXPECT_EQ(locked.result_int(), 503);
    EXPECT_EQ(locked.body().find("\"cards\""), std::string::npos) << "no card unrecorded";
    const Response ready = Ready(server.port());
    EXPECT_EQ(ready.result_int(), 503);
    EXPECT_NE(ready.body().find(R"("status":"audit unavailable")"), std::string::npos)
        << ready.body();
  }
  // No traffic needed: the probe notices the lock is gone.
  EXPECT_TRUE(EventuallyReadyWithoutAuditState(server.port()));
  EXPECT_EQ(Fetch(server.port(), JsonPost(kSelect, CallBody("fc-after"))).result_int(), 200);
  const auto stored = StoredCalls(server.audit_db());
  EXPECT_EQ(stored.count("fc-before"), 1u);
  EXPECT_EQ(stored.count("fc-after"), 1u);
  EXPECT_EQ(stored.count("fc-locked"), 0u);
}

TEST(AuditPolicy, SpoolAnswers200AndStoresEveryAnsweredCallOnceAfterTheUnlock) {
  const std::string spool = TempPath("spool.ndjson");
  ServerProcess server({"--audit-on-failure", "spool", "--audit-spool-file", spool,
                        "--audit-busy-timeout-ms", "100"});
  ASSERT_TRUE(server.started());
  Load load;
  {
    DbLock lock(server.audit_db());
    load = SendLoad(server.port(), "sp-", 4, 60);
    const Response ready = Ready(server.port());
    EXPECT_EQ(ready.result_int(), 200);
    EXPECT_NE(ready.body().find(R"("audit spooling")"), std::string::npos) << ready.body();
    EXPECT_GT(ReadFile(spool).size(), 0u);
  }
  EXPECT_EQ(load.other, 0) << "every call answered 200 with its cards while spooling";
  ASSERT_GE(load.answered.size(), 60u);
  ASSERT_TRUE(EventuallyReadyWithoutAuditState(server.port()));
  const auto stored = StoredCalls(server.audit_db());
  int missing = 0, duplicated = 0;
  for (const std::string& hi : load.answered) {
    const auto it = stored.find(hi);
    if (it == stored.end())
      ++missing;
    else if (it->second != 1)
      ++duplicated;
  }
  EXPECT_EQ(missing, 0) << "of " << load.answered.size();
  EXPECT_EQ(duplicated, 0);
  EXPECT_EQ(ReadFile(spool).size(), 0u) << "the replayed spool is truncated";
}

TEST(AuditPolicy, SigkillWhileSpoolingLosesNoAnsweredCall) {
  const std::string db = TempPath("spool-kill.db");
  const std::string spool = TempPath("spool-kill.ndjson");
  const std::vector<std::string> args = {
      "--audit-db",         db,    "--audit-on-failure",      "spool",
      "--audit-spool-file", spool, "--audit-busy-timeout-ms", "100",
      "--threads",          "2"};
  Load load;
  {
    ServerProcess server(args);
    ASSERT_TRUE(server.started());
    DbLock lock(db);
    load = SendLoad(server.port(), "kill-", 4, 100,
                    [&] { EXPECT_EQ(server.SignalAndWait(SIGKILL, 10s), 128 + SIGKILL); });
  }
  ASSERT_GE(load.answered.size(), 100u);
  EXPECT_GT(ReadFile(spool).size(), 0u);
  // Restart unlocked on the same files: the spool is replayed first.
  ServerProcess restarted(args);
  ASSERT_TRUE(restarted.started());
  ASSERT_TRUE(EventuallyReadyWithoutAuditState(restarted.port()));
  const auto stored = StoredCalls(db);
  int missing = 0, duplicated = 0;
  for (const std::string& hi : load.answered) {
    const auto it = stored.find(hi);
    if (it == stored.end())
      ++missing;
    else if (it->second != 1)
      ++duplicated;
  }
  EXPECT_EQ(missing, 0) << "of " << load.answered.size();
  EXPECT_EQ(duplicated, 0);
}

}  // namespace
}  // namespace cds::testing
