#include "audit/spooling_sink.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <sstream>
#include <thread>

#include "audit/record_json.hpp"
#include "audit/sqlite_store.hpp"
#include "tests/audit/test_records.hpp"

namespace cds::audit {
namespace {

using testing::Accepted;
using testing::At;
using ::testing::HasSubstr;
using testing::MakeCall;
using testing::Overridden;
using testing::TempDir;

// ---------------------------------------------------------------------------------------------
// The spool's record serialization: lossless.

CallRecord FullCall() {
  CallRecord c = MakeCall("hi-\"odd\"\n\xc3\xa9", At(3, 9, 15), "carb-vpa", 2);
  c.received += std::chrono::milliseconds(123);
  c.principal = {"https://ehr.example.org", "sub-1", "tenant-a", "jti-9"};
  c.http_status = 503;
  c.error = "unavailable";
  c.latency_us = 987654;
  c.cards[0].merged_rules = "carb-vpa,carb-vpa-2";
  c.cards[1].implicated = {"MedicationRequest/a", "MedicationRequest/b"};
  return c;
}

TEST(RecordJsonTest, CallRoundTripKeepsEveryField) {
  const CallRecord c = FullCall();
  const std::string json = CallRecordToJson(c);
  EXPECT_EQ(json.find('\n'), std::string::npos) << "one line";
  const auto back = CallRecordFromJson(json);
  ASSERT_TRUE(back.has_value());
  const CallRecord& b = *back;
  EXPECT_EQ(b.hook_instance, c.hook_instance);
  EXPECT_EQ(b.service, c.service);
  EXPECT_EQ(b.hook, c.hook);
  EXPECT_EQ(b.received, c.received);
  EXPECT_EQ(b.principal.issuer, c.principal.issuer);
  EXPECT_EQ(b.principal.subject, c.principal.subject);
  EXPECT_EQ(b.principal.tenant, c.principal.tenant);
  EXPECT_EQ(b.principal.jti, c.principal.jti);
  EXPECT_EQ(b.user_id, c.user_id);
  EXPECT_EQ(b.patient_id, c.patient_id);
  EXPECT_EQ(b.encounter_id, c.encounter_id);
  ASSERT_EQ(b.orders.size(), c.orders.size());
  for (std::size_t i = 0; i < c.orders.size(); ++i) {
    EXPECT_EQ(b.orders[i].resource_type, c.orders[i].resource_type);
    EXPECT_EQ(b.orders[i].id, c.orders[i].id);
    EXPECT_EQ(b.orders[i].medication, c.orders[i].medication);
    EXPECT_EQ(b.orders[i].selected, c.orders[i].selected);
  }
  EXPECT_EQ(b.latency_us, c.latency_us);
  EXPECT_EQ(b.http_status, c.http_status);
  EXPECT_EQ(b.error, c.error);
  EXPECT_EQ(b.request_id, c.request_id);
  ASSERT_EQ(b.cards.size(), 2u);
  for (std::size_t i = 0; i < c.cards.size(); ++i) {
    const CardRecord& x = c.cards[i];
    const CardRecord& y = b.cards[i];
    EXPECT_EQ(y.uuid, x.uuid);
    EXPECT_EQ(y.rule_id, x.rule_id);
    EXPECT_EQ(y.rule_version, x.rule_version);
    EXPECT_EQ(y.rule_title, x.rule_title);
    EXPECT_EQ(y.catalogue_id, x.catalogue_id);
    EXPECT_EQ(y.indicator, x.indicator);
    EXPECT_EQ(y.summary, x.summary);
    EXPECT_EQ(y.merged_rules, x.merged_rules);
    EXPECT_EQ(y.implicated, x.implicated);
    ASSERT_EQ(y.evidence.size(), x.evidence.size());
    for (std::size_t j = 0; j < x.evidence.size(); ++j) {
      EXPECT_EQ(y.evidence[j].reference, x.evidence[j].reference);
      EXPECT_EQ(y.evidence[j].path, x.evidence[j].path);
      EXPECT_EQ(y.evidence[j].value, x.evidence[j].value);
    }
    ASSERT_EQ(y.suggestions.size(), x.suggestions.size());
    for (std::size_t j = 0; j < x.suggestions.size(); ++j) {
      EXPECT_EQ(y.suggestions[j].uuid, x.suggestions[j].uuid);
      EXPECT_EQ(y.suggestions[j].label, x.suggestions[j].label);
    }
  }
  EXPECT_EQ(CallRecordToJson(b), json);
}

TEST(RecordJsonTest, FeedbackRoundTripKeepsEveryField) {
  FeedbackBatch batch;
  batch.service = "svc";
  batch.received = At(4) + std::chrono::milliseconds(7);
  batch.principal = {"iss", "sub", "tenant", "jti"};
  batch.request_id = "req-1";
  batch.items = {Accepted("card-1", At(4, 10)), Overridden("card-2", At(4, 11), "other")};
  batch.items[0].accepted_suggestions = {"s1", "s2"};
  const std::string json = FeedbackBatchToJson(batch);
  const auto back = FeedbackBatchFromJson(json);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->service, batch.service);
  EXPECT_EQ(back->received, batch.received);
  EXPECT_EQ(back->principal.jti, batch.principal.jti);
  EXPECT_EQ(back->principal.tenant, batch.principal.tenant);
  EXPECT_EQ(back->request_id, batch.request_id);
  ASSERT_EQ(back->items.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const FeedbackRecord& x = batch.items[i];
    const FeedbackRecord& y = back->items[i];
    EXPECT_EQ(y.card_uuid, x.card_uuid);
    EXPECT_EQ(y.outcome, x.outcome);
    EXPECT_EQ(y.accepted_suggestions, x.accepted_suggestions);
    EXPECT_EQ(y.reason_system, x.reason_system);
    EXPECT_EQ(y.reason_code, x.reason_code);
    EXPECT_EQ(y.reason_display, x.reason_display);
    EXPECT_EQ(y.comment, x.comment);
    EXPECT_EQ(y.outcome_time, x.outcome_time);
  }
  EXPECT_EQ(FeedbackBatchToJson(*back), json);
}

TEST(RecordJsonTest, RejectsWhatIsNotARecord) {
  EXPECT_FALSE(CallRecordFromJson("[]"));
  EXPECT_FALSE(CallRecordFromJson("{\"hook_instance\":"));
  EXPECT_FALSE(CallRecordFromJson(R"({"latency_us":"12"})"));
  EXPECT_FALSE(CallRecordFromJson(R"({"cards":[1]})"));
  EXPECT_FALSE(CallRecordFromJson(R"({"cards":[{"implicated":[3]}]})"));
  EXPECT_FALSE(FeedbackBatchFromJson(R"({"items":[{"outcome_ms":"x"}]})"));
  EXPECT_TRUE(CallRecordFromJson("{}"));
}

// ---------------------------------------------------------------------------------------------
// The failure policy against a real SQLite store, made to fail for real: another connection
// holds the write lock (BEGIN EXCLUSIVE), so the store's commits fail with SQLITE_BUSY after its
// (short) busy timeout.

class DbLock {
 public:
  explicit DbLock(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, "BEGIN EXCLUSIVE", nullptr, nullptr, &error), SQLITE_OK)
        << (error ? error : "");
    sqlite3_free(error);
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

std::int64_t Count(const std::string& path, const std::string& query) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, query.c_str(), -1, &stmt, nullptr), SQLITE_OK) << query;
  std::int64_t n = -1;
  if (sqlite3_step(stmt) == SQLITE_ROW) n = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Polls `done` (the replay runs on its own thread) for up to 20 s.
bool Eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

CommitStatus Commit(AuditSink& sink, CallRecord record) {
  std::promise<CommitStatus> done;
  sink.RecordCall(std::move(record), [&](const CommitStatus& s) { done.set_value(s); });
  return done.get_future().get();
}

CommitStatus Commit(AuditSink& sink, FeedbackRecord item) {
  FeedbackBatch batch;
  batch.service = "antimicrobial-stewardship-order-select";
  batch.received = item.outcome_time;
  batch.request_id = "fb-" + item.card_uuid;
  batch.items = {std::move(item)};
  std::promise<CommitStatus> done;
  sink.RecordFeedback(std::move(batch), [&](const CommitStatus& s) { done.set_value(s); });
  return done.get_future().get();
}

class SpoolingSinkTest : public ::testing::Test {
 protected:
  void SetUp() override { OpenAll(); }
  void TearDown() override { CloseAll(); }

  void OpenAll() {
    SqliteOptions options;
    options.path = db_path_;
    options.purge_interval = std::chrono::milliseconds(0);
    options.busy_timeout = std::chrono::milliseconds(50);
    auto store = SqliteAuditStore::Open(options);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::shared_ptr<SqliteAuditStore>(std::move(store).value());
    spool_options_.path = spool_path_;
    spool_options_.retry_min = std::chrono::milliseconds(20);
    spool_options_.retry_max = std::chrono::milliseconds(200);
    auto sink = SpoolingSink::Open(store_, spool_options_);
    ASSERT_TRUE(sink) << sink.error().message;
    sink_ = std::move(sink).value();
  }
  // The server's order: the policy first, then the store.
  void CloseAll() {
    if (sink_) sink_->Close();
    if (store_) store_->Close();
    sink_.reset();
    store_.reset();
  }
  void UseSpool(std::uint64_t max_bytes = 256ULL << 20) {
    CloseAll();
    spool_options_.policy = FailurePolicy::kSpool;
    spool_options_.max_bytes = max_bytes;
    OpenAll();
  }
  std::int64_t Calls() const { return Count(db_path_, "SELECT count(*) FROM calls"); }

  TempDir dir_;
  std::string db_path_ = dir_.File("audit.db");
  std::string spool_path_ = dir_.File("audit.spool.ndjson");
  SpoolOptions spool_options_;
  std::shared_ptr<SqliteAuditStore> store_;
  std::unique_ptr<SpoolingSink> sink_;
};

TEST_F(SpoolingSinkTest, FailClosedFailsTheCommitAndReportsFailingUntilAProbeSucceeds) {
  EXPECT_TRUE(Commit(*sink_, MakeCall("hi-1", At(1))).ok);
  EXPECT_EQ(sink_->Health().state, AuditState::kOk);
  DbLock lock(db_path_);
  const CommitStatus failed = Commit(*sink_, MakeCall("hi-2", At(1)));
  EXPECT_FALSE(failed.ok);
  EXPECT_THAT(failed.error, HasSubstr("locked"));
  AuditHealth health = sink_->Health();
  EXPECT_EQ(health.state, AuditState::kFailing);
  EXPECT_FALSE(health.spool_enabled);
  EXPECT_GE(health.commit_failures, 1u);
  EXPECT_THAT(health.last_error, HasSubstr("locked"));
  // Probes keep failing while the lock is held...
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(sink_->Health().state, AuditState::kFailing);
  // ...and, without any traffic, the state comes back once commits succeed.
  lock.Release();
  EXPECT_TRUE(Eventually([&] { return sink_->Health().state == AuditState::kOk; }));
  EXPECT_EQ(Calls(), 1);  // nothing was spooled or replayed
  EXPECT_FALSE(std::filesystem::exists(spool_path_));
}

TEST_F(SpoolingSinkTest, SpoolAnswersOkAndReplaysEveryRecordExactlyOnceAfterRecovery) {
  UseSpool();
  EXPECT_TRUE(Commit(*sink_, MakeCall("hi-before", At(1))).ok);
  DbLock lock(db_path_);
  constexpr int kCalls = 12;
  for (int i = 0; i < kCalls; ++i) {
    const CommitStatus s = Commit(*sink_, MakeCall("hi-" + std::to_string(i), At(2)));
    EXPECT_TRUE(s.ok) << s.error;
  }
  // Feedback on a card that is only in the spool: replayed after its call, so linked.
  EXPECT_TRUE(Commit(*sink_, Accepted("hi-3-card-0", At(2, 13))).ok);
  AuditHealth health = sink_->Health();
  EXPECT_EQ(health.state, AuditState::kSpooling);
  EXPECT_EQ(health.spooled_records, kCalls + 1u);
  EXPECT_EQ(health.spooled_total, kCalls + 1u);
  EXPECT_GT(health.spool_bytes, 0u);
  struct stat st {};
  ASSERT_EQ(::stat(spool_path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(static_cast<std::uint64_t>(st.st_size), health.spool_bytes);
  const std::string spool = ReadFile(spool_path_);
  EXPECT_EQ(std::count(spool.begin(), spool.end(), '\n'), kCalls + 1);
  EXPECT_THAT(spool, HasSubstr(R"("kind":"call")"));
  EXPECT_THAT(spool, HasSubstr(R"("kind":"feedback")"));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // replays fail meanwhile
  EXPECT_EQ(sink_->Health().spooled_records, kCalls + 1u);

  lock.Release();
  ASSERT_TRUE(Eventually([&] {
    const AuditHealth h = sink_->Health();
    return h.state == AuditState::kOk && h.spooled_records == 0;
  }));
  health = sink_->Health();
  EXPECT_EQ(health.replayed_total, kCalls + 1u);
  EXPECT_EQ(health.spool_bytes, 0u);
  EXPECT_EQ(std::filesystem::file_size(spool_path_), 0u);
  EXPECT_EQ(Calls(), kCalls + 1);
  EXPECT_EQ(Count(db_path_, "SELECT count(DISTINCT hook_instance) FROM calls"), kCalls + 1);
  EXPECT_EQ(Count(db_path_, "SELECT count(*) FROM cards"), kCalls + 1);
  EXPECT_EQ(Count(db_path_, "SELECT count(*) FROM feedback WHERE unknown_card = 0"), 1);
  EXPECT_EQ(Count(db_path_, "SELECT count(*) FROM cards WHERE outcome = 'accepted'"), 1);
  // After the replay, records go straight to the store again.
  EXPECT_TRUE(Commit(*sink_, MakeCall("hi-after", At(3))).ok);
  EXPECT_EQ(Calls(), kCalls + 2);
  EXPECT_EQ(sink_->Health().spooled_total, kCalls + 1u);
}

TEST_F(SpoolingSinkTest, PastTheCapARecordIsRefusedAsFailClosed) {
  const std::size_t line = CallRecordToJson(MakeCall("hi-0", At(1))).size() + 64;
  UseSpool(line + line / 2);  // room for one record
  DbLock lock(db_path_);
  EXPECT_TRUE(Commit(*sink_, MakeCall("hi-0", At(1))).ok);
  const CommitStatus refused = Commit(*sink_, MakeCall("hi-1", At(1)));
  EXPECT_FALSE(refused.ok);
  EXPECT_THAT(refused.error, HasSubstr("spool full"));
  AuditHealth health = sink_->Health();
  EXPECT_EQ(health.state, AuditState::kFailing);
  EXPECT_EQ(health.spool_refused, 1u);
  EXPECT_EQ(health.spooled_records, 1u);
  lock.Release();
  ASSERT_TRUE(Eventually([&] { return sink_->Health().state == AuditState::kOk; }));
  EXPECT_EQ(Calls(), 1);
  EXPECT_EQ(Count(db_path_, "SELECT count(*) FROM calls WHERE hook_instance = 'hi-1'"), 0);
}

TEST_F(SpoolingSinkTest, ARestartReplaysWhatTheSpoolHolds) {
  UseSpool();
  {
    DbLock lock(db_path_);
    for (int i = 0; i < 5; ++i) {
      EXPECT_TRUE(Commit(*sink_, MakeCall("hi-" + std::to_string(i), At(1))).ok);
    }
    EXPECT_EQ(sink_->Health().spooled_records, 5u);
    CloseAll();  // stopped while the store is still locked
  }
  // A crash in the middle of a sixth append: never acknowledged, cut at start-up.
  {
    std::ofstream out(spool_path_, std::ios::app | std::ios::binary);
    out << R"({"key":"torn-1","kind":"call","record":{"hook_instan)";
  }
  EXPECT_EQ(Calls(), 0);
  OpenAll();
  ASSERT_TRUE(Eventually([&] {
    const AuditHealth h = sink_->Health();
    return h.state == AuditState::kOk && h.spooled_records == 0;
  }));
  EXPECT_EQ(Calls(), 5);
  EXPECT_EQ(Count(db_path_, "SELECT count(DISTINCT hook_instance) FROM calls"), 5);
  EXPECT_EQ(std::filesystem::file_size(spool_path_), 0u);
}

TEST_F(SpoolingSinkTest, ASpoolReplayedTwiceWritesEachRecordOnce) {
  // The process dies after the replay committed but before the spool was truncated: the next
  // start replays the same lines, and the store skips them by key.
  UseSpool();
  std::string saved;
  {
    DbLock lock(db_path_);
    for (int i = 0; i < 4; ++i) {
      EXPECT_TRUE(Commit(*sink_, MakeCall("hi-" + std::to_string(i), At(1))).ok);
    }
    EXPECT_TRUE(Commit(*sink_, Accepted("hi-1-card-0", At(1, 13))).ok);
    saved = ReadFile(spool_path_);
  }
  ASSERT_TRUE(Eventually([&] { return sink_->Health().spooled_records == 0; }));
  EXPECT_EQ(Calls(), 4);
  CloseAll();
  {
    std::ofstream out(spool_path_, std::ios::trunc | std::ios::binary);
    out << saved;
  }
  OpenAll();
  ASSERT_TRUE(Eventually([&] {
    const AuditHealth h = sink_->Health();
    return h.spooled_records == 0 && h.replayed_total == 5;
  }));
  EXPECT_EQ(Calls(), 4);
  EXPECT_EQ(Count(db_path_, "SELECT count(*) FROM cards"), 4);
  EXPECT_EQ(Count(db_path_, "SELECT count(*) FROM feedback"), 1);
  EXPECT_EQ(Count(db_path_, "SELECT count(*) FROM spool_applied"), 5);
}

TEST_F(SpoolingSinkTest, AProbeFailsWhileLockedAndSucceedsAfter) {
  std::promise<CommitStatus> locked_probe;
  {
    DbLock lock(db_path_);
    store_->Probe([&](const CommitStatus& s) { locked_probe.set_value(s); });
    EXPECT_FALSE(locked_probe.get_future().get().ok);
  }
  std::promise<CommitStatus> probe;
  store_->Probe([&](const CommitStatus& s) { probe.set_value(s); });
  EXPECT_TRUE(probe.get_future().get().ok);
  EXPECT_EQ(Calls(), 0);  // a probe records nothing
}

}  // namespace
}  // namespace cds::audit
