#include "audit/sqlite_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <future>
#include <set>
#include <thread>

#include "audit/schema.hpp"
#include "tests/audit/test_records.hpp"

namespace cds::audit {
namespace {

using testing::Accepted;
using testing::At;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MakeCall;
using testing::Overridden;
using testing::TempDir;

std::unique_ptr<SqliteAuditStore> OpenStore(const std::string& path, SqliteOptions options = {}) {
  options.path = path;
  auto store = SqliteAuditStore::Open(options);
  if (!store) ADD_FAILURE() << store.error().message;
  return store ? std::move(store).value() : nullptr;
}

// Queues `record`; the future holds its commit's status.
std::future<CommitStatus> Submit(AuditSink& sink, CallRecord record) {
  auto done = std::make_shared<std::promise<CommitStatus>>();
  std::future<CommitStatus> status = done->get_future();
  sink.RecordCall(std::move(record), [done](const CommitStatus& s) { done->set_value(s); });
  return status;
}

CommitStatus Commit(AuditSink& sink, CallRecord record) {
  return Submit(sink, std::move(record)).get();
}

// A store whose group commit waits (up to far longer than any test waits) for siblings.
SqliteOptions WaitingForSiblings(std::size_t commit_siblings, std::size_t max_batch) {
  SqliteOptions options;
  options.commit_delay = std::chrono::minutes(10);
  options.commit_siblings = commit_siblings;
  options.max_batch = max_batch;
  return options;
}

CommitStatus Commit(AuditSink& sink, std::vector<FeedbackRecord> items, Millis received) {
  FeedbackBatch batch;
  batch.service = "antimicrobial-stewardship-order-select";
  batch.received = received;
  batch.request_id = "fb";
  batch.items = std::move(items);
  std::promise<CommitStatus> done;
  sink.RecordFeedback(std::move(batch), [&](const CommitStatus& s) { done.set_value(s); });
  return done.get_future().get();
}

// An independent connection: what is on disk, whatever the store's own connections see.
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

void Exec(const std::string& path, const std::string& text) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, text.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

// A database file at schema `version`, as a server of that version left it (no rows).
void CreateAtVersion(const std::string& path, int version) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(Migrate(db, version), std::nullopt);
  sqlite3_close(db);
}

// ---- schema ---------------------------------------------------------------------------------

TEST(SqliteStoreTest, CreatesTheFile0600InWalModeAtTheCurrentSchema) {
  TempDir dir;
  const std::string path = dir.File("nested/var/audit.db");
  auto store = OpenStore(path);
  ASSERT_NE(store, nullptr);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dir.File("nested/var").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(Count(path, "SELECT max(version) FROM schema_version"), kSchemaVersion);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST(SqliteStoreTest, MigratesAVersion1DatabaseKeepingItsRows) {
  TempDir dir;
  const std::string path = dir.File("v1.db");
  ASSERT_NO_FATAL_FAILURE(CreateAtVersion(path, 1));
  // Rows as a version-1 server wrote them: no request_id, unknown card = null card_id.
  Exec(path, R"sql(
    INSERT INTO calls VALUES (1, 'hi-old', 'svc', 'order-select', 1790000000000, '', '', '', '',
                              'Practitioner/u', 'p9', '', 1200, 200);
    INSERT INTO cards (id, call_id, received_ms, uuid, rule_id, rule_version, rule_title,
                       catalogue_id, indicator, summary, merged_rules, implicated)
      VALUES (1, 1, 1790000000000, 'card-old', 'carb-vpa', '1.0.0', 'Carbapenem with valproate',
              'R05', 'critical', 'Meropenem: interacts', '', 'MedicationRequest/m');
    INSERT INTO feedback (received_ms, service, card_uuid, card_id, outcome,
                          accepted_suggestions, reason_system, reason_code, reason_display,
                          comment, outcome_ms, issuer, tenant)
      VALUES (1790000001000, 'svc', 'card-old', 1, 'accepted', 's1', '', '', '', '',
              1790000001000, '', ''),
             (1790000002000, 'svc', 'nobody', NULL, 'overridden', '', 'x', 'y', 'z', '',
              1790000002000, '', '');
  )sql");
  EXPECT_EQ(Count(path, "SELECT max(version) FROM schema_version"), 1);

  auto store = OpenStore(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Count(path, "SELECT max(version) FROM schema_version"), kSchemaVersion);
  auto calls = store->Calls({}, {});
  ASSERT_TRUE(calls);
  ASSERT_EQ(calls.value().items.size(), 1u);
  EXPECT_EQ(calls.value().items[0].call.hook_instance, "hi-old");
  EXPECT_EQ(calls.value().items[0].call.request_id, "");  // the new column's default
  auto unknown = store->UnknownCardFeedback({}, {});
  ASSERT_TRUE(unknown);
  ASSERT_EQ(unknown.value().items.size(), 1u);  // backfilled from the null card_id
  EXPECT_EQ(unknown.value().items[0].item.card_uuid, "nobody");
  auto card = store->Card("card-old");
  ASSERT_TRUE(card);
  ASSERT_TRUE(card.value().has_value());
  EXPECT_EQ(card.value()->feedback.size(), 1u);
  // And the migrated store takes new rows with the new columns.
  CallRecord record = MakeCall("hi-new", At(2));
  ASSERT_TRUE(Commit(*store, record).ok);
  EXPECT_EQ(Count(path, "SELECT count(*) FROM calls WHERE request_id = 'req-hi-new'"), 1);
}

// Version 4 folds the evidence, suggestion and order rows into JSON columns: the rows of a
// version-3 store come back in their old positions' order, with their text unchanged.
TEST(SqliteStoreTest, MigratesAVersion3DatabaseFoldingChildRowsIntoTheirCardOrCall) {
  TempDir dir;
  const std::string path = dir.File("v3.db");
  ASSERT_NO_FATAL_FAILURE(CreateAtVersion(path, 3));
  Exec(path, R"sql(
    INSERT INTO calls (id, hook_instance, service, hook, received_ms, issuer, subject, tenant,
                       jti, user_id, patient_id, encounter_id, latency_us, http_status)
      VALUES (1, 'hi-3', 'svc', 'order-select', 1790000000000, '', '', '', '', 'u', 'p9', '',
              900, 200),
             (2, 'hi-none', 'svc', 'order-select', 1790000001000, '', '', '', '', 'u', 'p9', '',
              900, 200);
    INSERT INTO call_orders VALUES (1, 1, 'MedicationRequest', 'vpa', 'valproate "VPA"', 0),
                                   (1, 0, 'MedicationRequest', 'mero', 'méropénem 1 g', 1);
    INSERT INTO cards (id, call_id, received_ms, uuid, rule_id, rule_version, rule_title,
                       catalogue_id, indicator, summary, merged_rules, implicated)
      VALUES (1, 1, 1790000000000, 'card-3', 'carb-vpa', '1.0.0', 'Carbapenem with valproate',
              'R05', 'critical', 'Meropenem: interacts', '', 'MedicationRequest/mero'),
             (2, 2, 1790000001000, 'card-bare', 'carb-vpa', '1.0.0', 't', 'R05', 'info', 's', '',
              '');
    INSERT INTO card_evidence VALUES (1, 2, 'Observation/c', 'Observation.code', 'third'),
                                     (1, 0, 'MedicationRequest/vpa', 'MedicationRequest', 'a\b'),
                                     (1, 1, 'Observation/l', 'Observation.valueQuantity', '60 mg/L');
    INSERT INTO card_suggestions VALUES (1, 1, 's-2', 'Cancel meropenem'),
                                        (1, 0, 's-1', 'Switch to levetiracetam');
  )sql");
  auto store = OpenStore(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Count(path, "SELECT max(version) FROM schema_version"), kSchemaVersion);
  EXPECT_EQ(Count(path,
                  "SELECT count(*) FROM sqlite_schema WHERE name IN ('call_orders', "
                  "'card_evidence', 'card_suggestions', 'calls_hook_instance')"),
            0);
  auto card = store->Card("card-3");
  ASSERT_TRUE(card) << card.error().message;
  ASSERT_TRUE(card.value().has_value());
  const CardRecord& k = card.value()->card.card;
  ASSERT_EQ(k.evidence.size(), 3u);
  EXPECT_EQ(k.evidence[0].reference, "MedicationRequest/vpa");
  EXPECT_EQ(k.evidence[0].value, "a\\b");
  EXPECT_EQ(k.evidence[1].path, "Observation.valueQuantity");
  EXPECT_EQ(k.evidence[2].value, "third");
  ASSERT_EQ(k.suggestions.size(), 2u);
  EXPECT_EQ(k.suggestions[0].uuid, "s-1");
  EXPECT_EQ(k.suggestions[1].label, "Cancel meropenem");
  const CallRecord& c = card.value()->call.call;
  ASSERT_EQ(c.orders.size(), 2u);
  EXPECT_EQ(c.orders[0].id, "mero");
  EXPECT_EQ(c.orders[0].medication, "méropénem 1 g");
  EXPECT_TRUE(c.orders[0].selected);
  EXPECT_EQ(c.orders[1].medication, "valproate \"VPA\"");
  EXPECT_FALSE(c.orders[1].selected);
  // A card and call that had no child rows get empty arrays.
  auto bare = store->Card("card-bare");
  ASSERT_TRUE(bare && bare.value().has_value());
  EXPECT_TRUE(bare.value()->card.card.evidence.empty());
  EXPECT_TRUE(bare.value()->card.card.suggestions.empty());
  EXPECT_TRUE(bare.value()->call.call.orders.empty());
}

// A JSON column that does not decode (a hand-edited or damaged store) is an error on the read
// that needs it, never a silently empty list; the other reads go on working.
TEST(SqliteStoreTest, ACorruptJsonColumnIsAnErrorNotAnEmptyList) {
  TempDir dir;
  const std::string path = dir.File("audit.db");
  auto store = OpenStore(path);
  ASSERT_TRUE(Commit(*store, MakeCall("hi-1", At(1), "carb-vpa", 1)).ok);
  ASSERT_TRUE(Commit(*store, MakeCall("hi-2", At(2), "carb-vpa", 1)).ok);
  Exec(path, "UPDATE cards SET evidence = '[[\"only one\"]]' WHERE uuid = 'hi-1-card-0'");
  Exec(path, "UPDATE calls SET orders = 'not json' WHERE hook_instance = 'hi-2'");
  auto card = store->Card("hi-1-card-0");
  ASSERT_FALSE(card);
  EXPECT_THAT(card.error().message, HasSubstr("cards.evidence"));
  auto calls = store->Calls({}, {});
  ASSERT_FALSE(calls);
  EXPECT_THAT(calls.error().message, HasSubstr("calls.orders"));
  auto cards = store->Cards({}, {});  // the list does not read evidence
  ASSERT_TRUE(cards);
  EXPECT_EQ(cards.value().items.size(), 2u);
  // An order row whose selected flag is not 0 or 1.
  ASSERT_TRUE(Commit(*store, MakeCall("hi-3", At(3), "carb-vpa", 1)).ok);
  Exec(path,
       "UPDATE calls SET orders = '[[\"MedicationRequest\", \"m\", \"mero\", \"yes\"]]' "
       "WHERE hook_instance = 'hi-3'");
  auto flagged = store->Card("hi-3-card-0");
  ASSERT_FALSE(flagged);
  EXPECT_THAT(flagged.error().message, HasSubstr("calls.orders"));
}

TEST(SqliteStoreTest, RefusesADatabaseFromANewerBuild) {
  TempDir dir;
  const std::string path = dir.File("future.db");
  { ASSERT_NE(OpenStore(path), nullptr); }
  Exec(path, "INSERT INTO schema_version VALUES (99, 0)");
  SqliteOptions options;
  options.path = path;
  auto store = SqliteAuditStore::Open(options);
  ASSERT_FALSE(store);
  EXPECT_THAT(store.error().message, HasSubstr("schema version 99"));
}

TEST(SqliteStoreTest, AReadOnlyStoreNeedsAnExistingFileAndRefusesWrites) {
  TempDir dir;
  SqliteOptions options;
  options.path = dir.File("missing.db");
  options.create = false;
  options.start_writer = false;
  EXPECT_FALSE(SqliteAuditStore::Open(options));
  { ASSERT_NE(OpenStore(options.path), nullptr); }
  auto store = SqliteAuditStore::Open(options);
  ASSERT_TRUE(store);
  const CommitStatus status = Commit(*store.value(), MakeCall("x", At(1)));
  EXPECT_FALSE(status.ok);
}

// ---- writing ---------------------------------------------------------------------------------

TEST(SqliteStoreTest, ACallIsOnDiskWhenItsCompletionRuns) {
  TempDir dir;
  const std::string path = dir.File("audit.db");
  auto store = OpenStore(path);
  std::promise<std::int64_t> seen;
  store->RecordCall(MakeCall("hi-1", At(1), "carb-vpa", 2), [&](const CommitStatus& s) {
    EXPECT_TRUE(s.ok) << s.error;
    seen.set_value(Count(path, "SELECT count(*) FROM cards WHERE uuid LIKE 'hi-1-card-%'"));
  });
  EXPECT_EQ(seen.get_future().get(), 2);
  // Schema 4: evidence, suggestions and orders are JSON arrays in their card's or call's row.
  EXPECT_EQ(Count(path, "SELECT sum(json_array_length(evidence)) FROM cards"), 4);
  EXPECT_EQ(Count(path, "SELECT sum(json_array_length(suggestions)) FROM cards"), 4);
  EXPECT_EQ(Count(path, "SELECT sum(json_array_length(orders)) FROM calls"), 2);
}

// commit_delay (PostgreSQL's commit_delay/commit_siblings): after a commit of at least
// commit_siblings items the writer waits for more, up to the delay or until max_batch are
// queued; after a smaller one it commits at once. The delays here are far longer than any test
// waits, so a commit that came early can only have come from the batch filling up or from no
// delay applying.
TEST(SqliteStoreTest, CommitDelayGathersAFullBatchUnderLoadAndNeverDelaysALoneCall) {
  TempDir dir;
  const std::string path = dir.File("audit.db");
  auto store = OpenStore(path, WaitingForSiblings(2, 4));
  ASSERT_NE(store, nullptr);
  // A call stays under way throughout (CallBegan), so only commit_siblings and max_batch
  // decide here; ending the wait when no call is under way is the next test's subject.
  store->CallBegan();
  // A lone call after a start (no commit yet): committed at once.
  ASSERT_TRUE(Commit(*store, MakeCall("alone", At(1))).ok);
  std::vector<std::future<CommitStatus>> first;
  std::vector<std::future<CommitStatus>> second;
  const auto submit = [&](std::vector<std::future<CommitStatus>>& into, const std::string& hi) {
    into.push_back(Submit(*store, MakeCall(hi, At(1))));
  };
  // Pairs of calls until one commit carried both (>= commit_siblings). Until then every commit
  // carried one item (< commit_siblings), so none of them may wait for the delay.
  for (int i = 0; store->stats().largest_batch < 2; ++i) {
    ASSERT_LT(i, 10000) << "never two calls in one commit";
    submit(first, "pair-a-" + std::to_string(i));
    submit(first, "pair-b-" + std::to_string(i));
    for (auto& f : first) {
      ASSERT_EQ(f.wait_for(std::chrono::seconds(30)), std::future_status::ready)
          << "a commit waited although the last commit carried fewer than commit_siblings";
      EXPECT_TRUE(f.get().ok);
    }
    first.clear();
  }
  // The last commit carried 2 items: the next one waits for max_batch (4) items.
  const std::uint64_t commits = store->stats().commits;
  for (int i = 0; i < 3; ++i) submit(second, "linger-" + std::to_string(i));
  EXPECT_EQ(second[0].wait_for(std::chrono::milliseconds(300)), std::future_status::timeout)
      << "committed before the batch filled or the delay ran out";
  submit(second, "linger-3");  // the fourth: the batch is full, the writer commits now
  for (auto& f : second) {
    ASSERT_EQ(f.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    EXPECT_TRUE(f.get().ok);
  }
  EXPECT_EQ(store->stats().commits, commits + 1);
  EXPECT_EQ(Count(path, "SELECT count(*) FROM calls WHERE hook_instance LIKE 'linger-%'"), 4);
  // The last commit carried 4: a lone call now waits... until the store closes, which commits it
  // at once (no record is held back by the delay when the server stops).
  auto closed = Submit(*store, MakeCall("at-close", At(1)));
  store->Close();
  ASSERT_EQ(closed.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_TRUE(closed.get().ok);
  EXPECT_EQ(Count(path, "SELECT count(*) FROM calls WHERE hook_instance = 'at-close'"), 1);
}

// The wait for siblings ends as soon as no call is under way: nothing more is coming, and
// waiting would only add latency (at 8 connections the fixed wait halved throughput).
TEST(SqliteStoreTest, CommitDelayEndsWhenNoCallIsUnderWay) {
  TempDir dir;
  const std::string path = dir.File("audit.db");
  auto store = OpenStore(path, WaitingForSiblings(1, 100));
  ASSERT_NE(store, nullptr);
  const auto submit = [&](const std::string& hi) { return Submit(*store, MakeCall(hi, At(1))); };
  store->CallBegan();
  store->CallBegan();
  ASSERT_TRUE(Commit(*store, MakeCall("first", At(1))).ok);  // no commit before: at once
  const std::uint64_t commits = store->stats().commits;
  // The last commit carried 1 (>= commit_siblings) and calls are under way: this one waits...
  auto second = submit("second");
  store->CallEnded();
  EXPECT_EQ(second.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout)
      << "committed although a call was still under way";
  // ...until the other call ends without a record: nothing more is coming, commit now.
  store->CallEnded();
  ASSERT_EQ(second.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_TRUE(second.get().ok);
  EXPECT_EQ(store->stats().commits, commits + 1);
  // No call under way: a record after a commit that had siblings does not wait at all.
  auto third = submit("third");
  ASSERT_EQ(third.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_TRUE(third.get().ok);
  EXPECT_EQ(Count(path, "SELECT count(*) FROM calls"), 3);
}

TEST(SqliteStoreTest, ConcurrentWritersShareCommitsAndLoseNothing) {
  TempDir dir;
  const std::string path = dir.File("audit.db");
  auto store = OpenStore(path);
  constexpr int kThreads = 16;
  constexpr int kPerThread = 150;
  std::atomic<int> ok{0};
  std::atomic<int> visible{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::future<void>> waits;
      std::vector<std::shared_ptr<std::promise<void>>> promises;
      for (int i = 0; i < kPerThread; ++i) {
        auto p = std::make_shared<std::promise<void>>();
        waits.push_back(p->get_future());
        const std::string hi = "t" + std::to_string(t) + "-" + std::to_string(i);
        store->RecordCall(
            MakeCall(hi, At(1 + i % 20), i % 2 ? "carb-vpa" : "tige-bsi", 1),
            [&, p, hi, i](const CommitStatus& s) {
              if (s.ok) ++ok;
              // Every tenth: an independent reader sees it already.
              if (i % 10 == 0 && Count(path, "SELECT count(*) FROM calls WHERE hook_instance = '" +
                                                 hi + "'") == 1) {
                ++visible;
              }
              p->set_value();
            });
      }
      for (auto& w : waits) w.get();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  EXPECT_EQ(visible.load(), kThreads * kPerThread / 10);
  EXPECT_EQ(Count(path, "SELECT count(DISTINCT hook_instance) FROM calls"), kThreads * kPerThread);
  EXPECT_EQ(Count(path, "SELECT count(*) FROM cards"), kThreads * kPerThread);
  const auto stats = store->stats();
  EXPECT_EQ(stats.items, static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_LT(stats.commits, stats.items) << "no group commit happened";
  EXPECT_GT(stats.largest_batch, 1u);
}

TEST(SqliteStoreTest, OneFailingItemDoesNotFailTheOthersInItsBatch) {
  TempDir dir;
  const std::string path = dir.File("audit.db");
  { ASSERT_NE(OpenStore(path), nullptr); }
  Exec(path,
       "CREATE TRIGGER boom BEFORE INSERT ON calls WHEN NEW.hook_instance = 'bad' "
       "BEGIN SELECT RAISE(ABORT, 'refused'); END");
  auto store = OpenStore(path);
  std::vector<std::future<CommitStatus>> results;
  for (const char* hi : {"good-1", "bad", "good-2"}) {
    results.push_back(Submit(*store, MakeCall(hi, At(1))));
  }
  EXPECT_TRUE(results[0].get().ok);
  const CommitStatus bad = results[1].get();
  EXPECT_FALSE(bad.ok);
  EXPECT_THAT(bad.error, HasSubstr("refused"));
  EXPECT_TRUE(results[2].get().ok);
  EXPECT_EQ(Count(path, "SELECT count(*) FROM calls"), 2);
}

// ---- feedback ---------------------------------------------------------------------------------

TEST(SqliteStoreTest, FeedbackLinksToItsCardAndUnknownCardsAreFlagged) {
  TempDir dir;
  auto store = OpenStore(dir.File("audit.db"));
  ASSERT_TRUE(Commit(*store, MakeCall("hi", At(1), "carb-vpa", 1)).ok);
  const CommitStatus status = Commit(
      *store, {Overridden("hi-card-0", At(1, 12, 5)), Accepted("never-issued", At(1, 12, 6))},
      At(1, 12, 7));
  ASSERT_TRUE(status.ok) << status.error;
  EXPECT_EQ(status.unknown_cards, 1u);

  auto card = store->Card("hi-card-0");
  ASSERT_TRUE(card);
  ASSERT_TRUE(card.value().has_value());
  const CardDetail& d = *card.value();
  EXPECT_EQ(d.card.outcome, "overridden");
  ASSERT_EQ(d.feedback.size(), 1u);
  EXPECT_EQ(d.feedback[0].item.reason_code, "id-approved");
  EXPECT_EQ(d.feedback[0].item.comment, "discussed with ID");
  EXPECT_FALSE(d.feedback[0].unknown_card);
  EXPECT_EQ(d.call.call.hook_instance, "hi");
  EXPECT_EQ(d.call.call.orders.size(), 2u);
  ASSERT_EQ(d.card.card.evidence.size(), 2u);
  EXPECT_EQ(d.card.card.evidence[1].reference, "Observation/lvl");
  ASSERT_EQ(d.card.card.suggestions.size(), 2u);
  EXPECT_EQ(d.card.card.suggestions[0].label, "Switch to levetiracetam");
  EXPECT_THAT(d.card.card.implicated, ElementsAre("MedicationRequest/mr-hi"));

  auto unknown = store->UnknownCardFeedback({}, {});
  ASSERT_TRUE(unknown);
  ASSERT_EQ(unknown.value().items.size(), 1u);
  EXPECT_EQ(unknown.value().items[0].item.card_uuid, "never-issued");
  EXPECT_TRUE(unknown.value().items[0].unknown_card);
  EXPECT_THAT(unknown.value().items[0].item.accepted_suggestions, ElementsAre("never-issued-s1"));

  // A later outcome replaces the card's outcome; an older one does not.
  ASSERT_TRUE(Commit(*store, {Accepted("hi-card-0", At(1, 13))}, At(1, 13)).ok);
  ASSERT_TRUE(Commit(*store, {Overridden("hi-card-0", At(1, 11))}, At(1, 14)).ok);
  card = store->Card("hi-card-0");
  EXPECT_EQ(card.value()->card.outcome, "accepted");
  EXPECT_EQ(card.value()->feedback.size(), 3u);
}

// ---- queries -----------------------------------------------------------------------------------

class SeededStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenStore(dir_.File("audit.db"));
    ASSERT_NE(store_, nullptr);
    // 30 calls over days 1-10: rules alternate, patients p0-p2, users u0-u1, every third
    // call has no card.
    for (int i = 0; i < 30; ++i) {
      const std::string rule = i % 2 == 0 ? "carb-vpa" : "tige-bsi";
      CallRecord c =
          MakeCall("hi-" + std::to_string(i), At(1 + i / 3, i % 3 + 8), rule, i % 3 == 2 ? 0 : 1,
                   "p" + std::to_string(i % 3), "u" + std::to_string(i % 2));
      if (!c.cards.empty() && i % 4 == 0) c.cards[0].indicator = "warning";
      ASSERT_TRUE(Commit(*store_, c).ok);
    }
    // Feedback: hi-0 accepted, hi-1 and hi-3 overridden (two reasons), hi-4 overridden.
    ASSERT_TRUE(Commit(*store_,
                       {Accepted("hi-0-card-0", At(1, 9)), Overridden("hi-1-card-0", At(1, 10)),
                        Overridden("hi-3-card-0", At(2, 10), "allergy"),
                        Overridden("hi-4-card-0", At(2, 10)), Accepted("ghost", At(2, 11))},
                       At(2, 12))
                    .ok);
  }

  template <typename Row>
  std::vector<std::string> HookInstances(const Page<Row>& page) {
    std::vector<std::string> out;
    for (const Row& r : page.items) {
      if constexpr (std::is_same_v<Row, CallRow>) {
        out.push_back(r.call.hook_instance);
      } else {
        out.push_back(r.hook_instance);
      }
    }
    return out;
  }

  TempDir dir_;
  std::unique_ptr<SqliteAuditStore> store_;
};

TEST_F(SeededStoreTest, CallsNewestFirstWithFilters) {
  auto all = store_->Calls({}, {0, 100});
  ASSERT_TRUE(all);
  ASSERT_EQ(all.value().items.size(), 30u);
  EXPECT_EQ(all.value().items.front().call.hook_instance, "hi-29");
  EXPECT_FALSE(all.value().next_before_id);
  EXPECT_EQ(all.value().items.front().call.orders.size(), 2u);

  Filter by_patient;
  by_patient.patient_id = "p1";
  EXPECT_EQ(store_->Calls(by_patient, {0, 100}).value().items.size(), 10u);

  Filter by_rule;  // calls having a card of the rule
  by_rule.rule_id = "tige-bsi";
  by_rule.user_id = "Practitioner/u1";
  const auto rule_calls = store_->Calls(by_rule, {0, 100});
  ASSERT_TRUE(rule_calls);
  for (const CallRow& r : rule_calls.value().items) {
    EXPECT_EQ(r.card_count, 1u);
    EXPECT_EQ(r.call.user_id, "Practitioner/u1");
  }
  EXPECT_EQ(store_->Calls(by_rule, {0, 100}).value().items.size(), 10u);

  Filter range;  // days 3 and 4 (calls 6-11)
  range.from = At(3, 0);
  range.to = At(5, 0);
  EXPECT_THAT(HookInstances(store_->Calls(range, {0, 100}).value()),
              ElementsAre("hi-11", "hi-10", "hi-9", "hi-8", "hi-7", "hi-6"));

  Filter overridden;
  overridden.outcome = "overridden";
  EXPECT_THAT(HookInstances(store_->Calls(overridden, {0, 100}).value()),
              ElementsAre("hi-4", "hi-3", "hi-1"));
}

TEST_F(SeededStoreTest, CardsFilterByRuleIndicatorOutcomeAndPatient) {
  Filter f;
  f.rule_id = "carb-vpa";
  f.indicator = "warning";  // i % 4 == 0 among even i with cards: 0, 4, 8, 12, 16, 24, 28
  EXPECT_THAT(HookInstances(store_->Cards(f, {0, 100}).value()),
              ElementsAre("hi-28", "hi-24", "hi-16", "hi-12", "hi-4", "hi-0"));
  Filter none;
  none.outcome = kOutcomeNone;
  EXPECT_EQ(store_->Cards(none, {0, 100}).value().items.size(), 20u - 4u);
  Filter accepted;
  accepted.outcome = "accepted";
  auto rows = store_->Cards(accepted, {0, 100}).value().items;
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].card.uuid, "hi-0-card-0");
  EXPECT_EQ(rows[0].feedback_count, 1u);
  EXPECT_TRUE(rows[0].card.evidence.empty());  // lists leave the children out
  Filter patient;
  patient.patient_id = "p0";
  patient.user_id = "Practitioner/u0";  // i % 6 == 0: 0, 6, 12, 18, 24 (all with a card)
  EXPECT_EQ(store_->Cards(patient, {0, 100}).value().items.size(), 5u);
}

TEST_F(SeededStoreTest, KeysetPagingVisitsEveryRowOnce) {
  std::set<std::string> seen;
  PageRequest page{0, 7};
  int pages = 0;
  for (;;) {
    auto result = store_->Calls({}, page);
    ASSERT_TRUE(result);
    ++pages;
    for (const CallRow& r : result.value().items) {
      EXPECT_TRUE(seen.insert(r.call.hook_instance).second) << r.call.hook_instance;
    }
    if (!result.value().next_before_id) break;
    EXPECT_EQ(result.value().items.size(), 7u);
    page.before_id = *result.value().next_before_id;
  }
  EXPECT_EQ(seen.size(), 30u);
  EXPECT_EQ(pages, 5);
  // The page size is clamped to 1..kMaxPageSize.
  EXPECT_EQ(store_->Cards({}, {0, 0}).value().items.size(), 1u);
  EXPECT_EQ(store_->Cards({}, {0, 100000}).value().items.size(), 20u);
}

TEST_F(SeededStoreTest, SummaryPerRuleAndPerDay) {
  auto summary = store_->Summarize({}, std::chrono::minutes(0));
  ASSERT_TRUE(summary);
  const Summary& s = summary.value();
  EXPECT_EQ(s.calls, 30);
  EXPECT_EQ(s.cards, 20);
  EXPECT_EQ(s.feedback, 5);
  EXPECT_EQ(s.unknown_card_feedback, 1);
  ASSERT_EQ(s.rules.size(), 2u);
  for (const RuleSummary& r : s.rules) {
    EXPECT_EQ(r.counts.fired, 10);
    if (r.rule_id == "carb-vpa") {  // hi-0 accepted, hi-4 overridden
      EXPECT_EQ(r.rule_title, "Title of carb-vpa");
      EXPECT_EQ(r.counts.accepted, 1);
      EXPECT_EQ(r.counts.overridden, 1);
      EXPECT_EQ(r.counts.no_feedback, 8);
      ASSERT_EQ(r.top_override_reasons.size(), 1u);
      EXPECT_EQ(r.top_override_reasons[0].code, "id-approved");
    } else {  // hi-1 (id-approved), hi-3 (allergy) overridden
      EXPECT_EQ(r.counts.accepted, 0);
      EXPECT_EQ(r.counts.overridden, 2);
      EXPECT_EQ(r.counts.no_feedback, 8);
      EXPECT_EQ(r.top_override_reasons.size(), 2u);
    }
  }
  ASSERT_EQ(s.days.size(), 10u);
  EXPECT_EQ(s.days[0].day, "2026-11-01");
  EXPECT_EQ(s.days[0].counts.fired, 2);  // hi-0, hi-1 (hi-2 has no card)
  EXPECT_EQ(s.days[0].counts.accepted, 1);
  // Calls at 08:00-10:00 UTC fall on the previous local day at UTC-10h.
  auto shifted = store_->Summarize({}, std::chrono::minutes(-600));
  ASSERT_TRUE(shifted);
  EXPECT_EQ(shifted.value().days.front().day, "2026-10-31");
  // Filters apply to the summary too.
  Filter rule;
  rule.rule_id = "tige-bsi";
  EXPECT_EQ(store_->Summarize(rule, std::chrono::minutes(0)).value().rules.size(), 1u);
}

// ---- retention ----------------------------------------------------------------------------------

TEST_F(SeededStoreTest, PurgeDeletesWhatIsOlderThanTheCutoffWithItsRows) {
  const std::string path = dir_.File("audit.db");
  // Days 1-2 hold hi-0..hi-5: 4 cards, the feedback on hi-0/1/3/4 (+ the unknown one at day 2).
  auto purged = store_->Purge(At(3, 0));
  ASSERT_TRUE(purged) << purged.error().message;
  EXPECT_EQ(purged.value().calls, 6);
  EXPECT_EQ(purged.value().cards, 4);
  EXPECT_EQ(purged.value().feedback, 5);
  EXPECT_EQ(Count(path, "SELECT count(*) FROM calls"), 24);
  EXPECT_EQ(Count(path, "SELECT min(received_ms) FROM calls"), At(3, 8).time_since_epoch().count());
  EXPECT_EQ(Count(path, "SELECT count(*) FROM cards"), 16);
  EXPECT_EQ(Count(path, "SELECT sum(json_array_length(evidence)) FROM cards"), 16 * 2);
  EXPECT_EQ(Count(path, "SELECT sum(json_array_length(suggestions)) FROM cards"), 16 * 2);
  EXPECT_EQ(Count(path, "SELECT sum(json_array_length(orders)) FROM calls"), 24 * 2);
  EXPECT_EQ(Count(path, "SELECT count(*) FROM feedback"), 0);
  // Nothing older is left: a second purge deletes nothing.
  EXPECT_EQ(store_->Purge(At(3, 0)).value().calls, 0);
}

TEST(SqliteStoreTest, PurgeExpiredUsesTheRetentionPeriod) {
  TempDir dir;
  SqliteOptions options;
  options.retention_days = 30;
  auto store = OpenStore(dir.File("audit.db"), options);
  const auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  ASSERT_TRUE(Commit(*store, MakeCall("old", now - std::chrono::days(31))).ok);
  ASSERT_TRUE(Commit(*store, MakeCall("recent", now - std::chrono::days(29))).ok);
  std::promise<Result<PurgeResult>> done;
  store->PurgeExpired([&](Result<PurgeResult> r) { done.set_value(std::move(r)); });
  auto result = done.get_future().get();
  ASSERT_TRUE(result);
  EXPECT_EQ(result.value().calls, 1);
  auto calls = store->Calls({}, {});
  ASSERT_EQ(calls.value().items.size(), 1u);
  EXPECT_EQ(calls.value().items[0].call.hook_instance, "recent");
}

TEST(SqliteStoreTest, ThePeriodicPurgeRunsOnTheWriterThread) {
  TempDir dir;
  const std::string path = dir.File("audit.db");
  SqliteOptions options;
  options.retention_days = 1;
  options.purge_interval = std::chrono::milliseconds(50);
  auto store = OpenStore(path, options);
  const auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  ASSERT_TRUE(Commit(*store, MakeCall("old", now - std::chrono::days(2))).ok);
  ASSERT_TRUE(Commit(*store, MakeCall("new", now)).ok);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (Count(path, "SELECT count(*) FROM calls WHERE hook_instance = 'old'") != 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(Count(path, "SELECT count(*) FROM calls WHERE hook_instance = 'old'"), 0);
  EXPECT_EQ(Count(path, "SELECT count(*) FROM calls WHERE hook_instance = 'new'"), 1);
}

TEST(SqliteStoreTest, CloseCommitsWhatIsQueued) {
  TempDir dir;
  const std::string path = dir.File("audit.db");
  auto store = OpenStore(path);
  std::atomic<int> done{0};
  for (int i = 0; i < 200; ++i) {
    store->RecordCall(MakeCall("q" + std::to_string(i), At(1)),
                      [&](const CommitStatus& s) { done += s.ok ? 1 : 0; });
  }
  store->Close();
  EXPECT_EQ(done.load(), 200);
  EXPECT_EQ(Count(path, "SELECT count(*) FROM calls"), 200);
  EXPECT_FALSE(Commit(*store, MakeCall("late", At(1))).ok);
}

}  // namespace
}  // namespace cds::audit
