// The embedded audit store: one SQLite file in WAL mode.
//
// Writes: one writer thread owns the write connection. RecordCall/RecordFeedback queue their
// rows; the writer takes everything queued (up to `max_batch` items), writes it in ONE
// transaction and commits (group commit: concurrent calls share the commit's fsync), then runs
// each item's `done`. With synchronous=FULL the commit has reached the disk before `done`
// runs, so a response written after `done` survives a crash of the process or of the machine.
// The same thread purges expired rows every `purge_interval` (and on demand), in short
// transactions interleaved with the queued writes.
//
// Reads (AuditStore): a separate connection, serialised by a mutex; WAL lets it read while the
// writer commits.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "audit/sqlite_util.hpp"
#include "audit/store.hpp"

namespace cds::audit {

enum class Synchronous {
  kFull,    // fsync the WAL on every commit: a committed record survives a power loss
  kNormal,  // fsync only at checkpoints: survives a process crash, not a power loss
};

struct SqliteOptions {
  std::string path = "var/audit.db";  // parent directories are created (0700), the file 0600
  Synchronous synchronous = Synchronous::kFull;
  int retention_days = 365;  // rows older than this are purged
  std::chrono::milliseconds purge_interval = std::chrono::hours(24);  // 0 = no periodic purge
  std::size_t max_batch = 512;                                        // items per group commit
  // Group commit under load, as PostgreSQL's commit_delay and commit_siblings: when the last
  // commit carried at least `commit_siblings` items, the writer waits up to `commit_delay` for
  // more (or until max_batch are queued) before it writes, so that one commit carries more
  // calls. Every commit rewrites the last page of each table and index it touches, so bytes
  // written per call, and the CPU that costs, fall as commits grow. 0 = commit at once.
  // The wait ends early once no call is under way (CallBegan/CallEnded): then nothing more is
  // coming, and waiting would only add latency.
  std::chrono::microseconds commit_delay{0};
  std::size_t commit_siblings = 4;
  bool start_writer = true;  // false: read/export/purge only (the CLI); Record* then fail
  bool create = true;        // false: a missing file is an error (the CLI)
  // How long a commit waits for a lock another connection holds before it fails (SQLITE_BUSY).
  std::chrono::milliseconds busy_timeout{5000};
};

class SqliteAuditStore final : public AuditSink, public AuditStore {
 public:
  /// Opens (creating when allowed) and migrates the database, then starts the writer thread.
  [[nodiscard]] static Result<std::unique_ptr<SqliteAuditStore>> Open(SqliteOptions options);

  /// Commits everything queued, then stops the writer.
  ~SqliteAuditStore() override;
  /// Same, without destroying the store: later writes fail at once. Idempotent. The server
  /// calls it before destroying the objects the completions refer to.
  void Close();
  SqliteAuditStore(const SqliteAuditStore&) = delete;
  SqliteAuditStore& operator=(const SqliteAuditStore&) = delete;

  // AuditSink.
  void RecordCall(CallRecord record, CommitDone done) override;
  void RecordFeedback(FeedbackBatch batch, CommitDone done) override;
  void PurgeExpired(std::function<void(Result<PurgeResult>)> done) override;
  void ReplayCall(std::string key, CallRecord record, CommitDone done) override;
  void ReplayFeedback(std::string key, FeedbackBatch batch, CommitDone done) override;
  void Probe(CommitDone done) override;
  void CallBegan() override;
  void CallEnded() override;

  // AuditStore.
  Result<Page<CallRow>> Calls(const Filter& filter, const PageRequest& page) override;
  Result<Page<CardRow>> Cards(const Filter& filter, const PageRequest& page) override;
  Result<Page<FeedbackRow>> UnknownCardFeedback(const Filter& filter,
                                                const PageRequest& page) override;
  Result<std::optional<CardDetail>> Card(const std::string& uuid) override;
  Result<Summary> Summarize(const Filter& filter, std::chrono::minutes utc_offset) override;
  Result<PurgeResult> Purge(Millis cutoff) override;
  Result<std::size_t> ExportCalls(Millis from, Millis to,
                                  const std::function<bool(const ExportedCall&)>& each) override;
  Result<std::size_t> ExportUnknownCardFeedback(
      Millis from, Millis to, const std::function<bool(const FeedbackRow&)>& each) override;

  /// Group commits so far and the items they carried (for tests and the start-up log).
  struct Stats {
    std::uint64_t commits = 0;
    std::uint64_t items = 0;
    std::size_t largest_batch = 0;
  };
  [[nodiscard]] Stats stats() const;
  /// Items queued for the writer and not yet taken into a commit (the metrics' queue depth).
  [[nodiscard]] std::size_t queue_depth() const;
  [[nodiscard]] const SqliteOptions& options() const noexcept { return options_; }
  /// The instant before which rows are expired now.
  [[nodiscard]] Millis RetentionCutoff() const;

 private:
  struct CallItem {
    CallRecord record;
    CommitDone done;
    std::string key;  // replayed from a spool: written once per key
  };
  struct FeedbackItem {
    FeedbackBatch batch;
    CommitDone done;
    std::string key;
  };
  struct ProbeItem {
    CommitDone done;
  };
  struct PurgeItem {
    std::function<void(Result<PurgeResult>)> done;
  };
  using Item = std::variant<CallItem, FeedbackItem, PurgeItem, ProbeItem>;
  struct Writer;  // the write connection and its prepared statements
  struct Purging {
    PurgeResult result;
    std::vector<std::function<void(Result<PurgeResult>)>> waiters;
  };

  explicit SqliteAuditStore(SqliteOptions options);
  void Enqueue(Item item);
  void WriterLoop();
  void CommitBatch(std::vector<Item>& batch);
  // One short purge transaction; true when nothing older than the cutoff is left.
  bool PurgeChunk(sqlite3* db, Purging& purging, std::string* error);

  SqliteOptions options_;
  sql::DbPtr read_db_;
  std::mutex read_mutex_;
  std::unique_ptr<Writer> writer_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  bool lingering_ = false;  // the writer waits out commit_delay: enqueuing need not wake it
  std::atomic<std::int64_t> active_calls_{0};  // CallBegan minus CallEnded
  Stats stats_;
  std::thread thread_;
};

}  // namespace cds::audit
