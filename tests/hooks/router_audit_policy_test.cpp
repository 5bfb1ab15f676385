// The audit failure policy seen from the router (issue 8): with the real SQLite store made to
// fail for real (another connection holds its write lock), fail_closed answers 503 and /readyz
// says "audit unavailable"; spool answers 200 with the cards and /readyz warns, and the spooled
// call reaches the store once the lock is gone.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "audit/spooling_sink.hpp"
#include "audit/sqlite_store.hpp"
#include "hooks/router.hpp"
#include "tests/hooks/test_engine.hpp"
#include "tests/hooks/test_files.hpp"

namespace cds::hooks {
namespace {

namespace http = boost::beast::http;
using ::cds::hooks::testing::ParseJson;
using ::cds::hooks::testing::ReadFile;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kSelect = "/cds-services/antimicrobial-stewardship-order-select";

HttpRequest Post(std::string_view target, std::string body) {
  HttpRequest request{http::verb::post, target, 11};
  request.set(http::field::content_type, "application/json");
  request.body() = std::move(body);
  request.prepare_payload();
  return request;
}

std::string FiringBody() {
  return ReadFile(std::filesystem::path(CDS_SOURCE_DIR) / "bench/data/order-select-10k.json");
}

// Holds the database's write lock, as another process could.
class DbLock {
 public:
  explicit DbLock(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db_, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
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

class RouterAuditPolicyTest : public ::testing::TestWithParam<audit::FailurePolicy> {
 protected:
  RouterAuditPolicyTest()
      : router_(testing::FixedClockConfig(), ServiceCatalog::Default(), testing::TestEngine()) {
    std::filesystem::remove_all(dir_);
    audit::SqliteOptions options;
    options.path = (dir_ / "audit.db").string();
    options.purge_interval = std::chrono::milliseconds(0);
    options.busy_timeout = std::chrono::milliseconds(50);
    auto store = audit::SqliteAuditStore::Open(options);
    EXPECT_TRUE(store) << store.error().message;
    store_ = std::shared_ptr<audit::SqliteAuditStore>(std::move(store).value());
    audit::SpoolOptions spool;
    spool.policy = GetParam();
    spool.path = (dir_ / "audit.spool.ndjson").string();
    spool.retry_min = std::chrono::milliseconds(20);
    spool.retry_max = std::chrono::milliseconds(100);
    auto sink = audit::SpoolingSink::Open(store_, spool);
    EXPECT_TRUE(sink) << sink.error().message;
    sink_ = std::shared_ptr<audit::SpoolingSink>(std::move(sink).value());
    router_.SetAuditSink(sink_);
  }
  ~RouterAuditPolicyTest() override {
    sink_->Close();
    store_->Close();
    std::filesystem::remove_all(dir_);
  }

  HttpResponse Ready() {
    RequestInfo info;
    return router_.HandleSync(HttpRequest{http::verb::get, "/readyz", 11}, {}, info);
  }
  HttpResponse Select() {
    RequestInfo info;
    return router_.HandleSync(Post(kSelect, FiringBody()), {}, info);
  }
  bool EventuallyReady() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      const HttpResponse r = Ready();
      if (r.result() == http::status::ok && r.body().find("audit") == std::string::npos) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  std::string DbPath() const { return (dir_ / "audit.db").string(); }

  std::filesystem::path dir_ = std::filesystem::path(::testing::TempDir()) /
                               ("cds-router-policy-" + std::to_string(::getpid()));
  std::shared_ptr<audit::SqliteAuditStore> store_;
  std::shared_ptr<audit::SpoolingSink> sink_;
  Router router_;
};

TEST_P(RouterAuditPolicyTest, WhileTheDatabaseIsLockedThePolicyDecidesTheAnswer) {
  EXPECT_EQ(Ready().result(), http::status::ok);
  EXPECT_THAT(Ready().body(), Not(HasSubstr("audit")));
  DbLock lock(DbPath());
  const HttpResponse answer = Select();
  const HttpResponse ready = Ready();
  std::string uuid;
  if (GetParam() == audit::FailurePolicy::kFailClosed) {
    EXPECT_EQ(answer.result(), http::status::service_unavailable);
    EXPECT_THAT(answer.body(), Not(HasSubstr("cards")));
    EXPECT_EQ(ready.result(), http::status::service_unavailable);
    EXPECT_EQ(ready.body(),
              R"({"status":"audit unavailable","audit":{"state":"failing","spooledRecords":0}})");
  } else {
    ASSERT_EQ(answer.result(), http::status::ok);
    const rapidjson::Document body = ParseJson(answer.body(), "response");
    ASSERT_GE(body["cards"].Size(), 1u);
    uuid = body["cards"][0]["uuid"].GetString();
    EXPECT_EQ(ready.result(), http::status::ok);
    EXPECT_EQ(ready.body(),
              R"({"status":"ready","warnings":["audit spooling","authentication disabled"],)"
              R"("audit":{"state":"spooling","spooledRecords":1}})");
  }
  lock.Release();
  EXPECT_TRUE(EventuallyReady()) << Ready().body();
  if (!uuid.empty()) {
    auto detail = store_->Card(uuid);
    ASSERT_TRUE(detail);
    EXPECT_TRUE(detail.value().has_value()) << "the spooled call was replayed into the store";
  }
  EXPECT_EQ(Select().result(), http::status::ok);
}

INSTANTIATE_TEST_SUITE_P(Policies, RouterAuditPolicyTest,
                         ::testing::Values(audit::FailurePolicy::kFailClosed,
                                           audit::FailurePolicy::kSpool),
                         [](const auto& info) {
                           return info.param == audit::FailurePolicy::kSpool ? "Spool"
                                                                             : "FailClosed";
                         });

}  // namespace
}  // namespace cds::hooks
