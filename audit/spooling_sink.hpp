// The audit failure policy (issue 8): a decorator over any AuditSink (the SQLite store today, a
// PostgreSQL sink the same way) that decides what happens when a commit fails.
//
// - fail closed (the default): the failure reaches the router, which answers 503 and shows no
//   card. The sink only watches: while commits fail its state is `failing` (/readyz 503), and
//   it probes the store with backoff (AuditSink::Probe) so readiness comes back on its own even
//   when a load balancer sends no traffic to an unready instance.
// - spool (fail open): a record whose commit failed is appended as one JSON line to the spool
//   file and fsync'ed, and only then does `done` report success: a 200 the EHR received is
//   always durable somewhere. While the spool holds records, new records go straight to it (in
//   arrival order, so feedback is replayed after the call whose card it names). A replay loop
//   retries the spooled records into the store with exponential backoff, each with a key the
//   store records in the same transaction (AuditSink::Replay*), so a record is never written
//   twice, even when the process dies between a replay's commit and the spool's truncation.
//   Fully replayed, the spool is truncated. Past `max_bytes` a record is refused (its call
//   answers 503, as fail closed): nothing the EHR sees goes unrecorded.
//
// One thread does the spool's appends (group fsync) and drives the replay; a spool an earlier
// run left is replayed first, a torn last line (a crash mid-append, never acknowledged) cut.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "audit/store.hpp"

namespace cds::audit {

enum class FailurePolicy {
  kFailClosed,  // a failed commit answers 503
  kSpool,       // a failed commit is spooled to a local file and replayed; the call answers 200
};

struct SpoolOptions {
  FailurePolicy policy = FailurePolicy::kFailClosed;
  std::string path = "var/audit.spool.ndjson";  // created 0600 (spool policy only)
  std::uint64_t max_bytes = 256ULL << 20;       // spool cap; past it records are refused
  std::chrono::milliseconds retry_min{250};     // first replay/probe retry after a failure
  std::chrono::milliseconds retry_max{10'000};  // backoff ceiling
  std::size_t replay_batch = 64;                // records replayed per attempt
};

class SpoolingSink final : public AuditSink {
 public:
  /// Wraps `inner`. With the spool policy, opens (creating 0600) the spool file and loads what
  /// an earlier run left there for replay. Starts the sink's thread.
  [[nodiscard]] static Result<std::unique_ptr<SpoolingSink>> Open(std::shared_ptr<AuditSink> inner,
                                                                  SpoolOptions options);

  /// Close(). Completions of `inner` refer to this object: close or destroy `inner` first, or
  /// make sure it has nothing queued.
  ~SpoolingSink() override;
  /// Writes the queued spool appends, waits for a replay in flight, stops the thread; later
  /// failures are answered as fail closed. Idempotent; call before closing `inner`.
  void Close();
  SpoolingSink(const SpoolingSink&) = delete;
  SpoolingSink& operator=(const SpoolingSink&) = delete;

  void RecordCall(CallRecord record, CommitDone done) override;
  void RecordFeedback(FeedbackBatch batch, CommitDone done) override;
  void PurgeExpired(std::function<void(Result<PurgeResult>)> done) override;
  void ReplayCall(std::string key, CallRecord record, CommitDone done) override;
  void ReplayFeedback(std::string key, FeedbackBatch batch, CommitDone done) override;
  void Probe(CommitDone done) override;
  /// State and counters (the accessors the metrics read).
  [[nodiscard]] AuditHealth Health() const override;
  void CallBegan() override { inner_->CallBegan(); }
  void CallEnded() override { inner_->CallEnded(); }

  [[nodiscard]] const SpoolOptions& options() const noexcept { return options_; }

 private:
  using Record = std::variant<CallRecord, FeedbackBatch>;
  struct Append {
    Record record;
    CommitDone done;
  };
  struct Line {               // one spooled record read back for replay
    std::uint64_t bytes = 0;  // with its newline
    std::string key;
    std::optional<Record> record;  // nullopt: unreadable (counted and skipped)
  };
  using Clock = std::chrono::steady_clock;

  SpoolingSink(std::shared_ptr<AuditSink> inner, SpoolOptions options);
  std::optional<std::string> OpenSpool();
  void Submit(Record record, CommitDone done);
  void NoteCommit(const CommitStatus& status);
  // Queues a failed record for the spool; false when the sink is closed.
  bool QueueAppend(Record record, CommitDone done);
  void Loop();
  void WriteAppends(std::vector<Append>& appends);
  std::vector<Line> ReadLines(std::uint64_t from, std::uint64_t to, std::size_t max);
  void StartReplay(std::unique_lock<std::mutex>& lock);
  void FinishReplay();
  void StartProbe(std::unique_lock<std::mutex>& lock);
  void Backoff(bool failed);
  [[nodiscard]] bool Spooling() const;  // the spool holds (or is about to hold) records
  std::string NextKey();

  std::shared_ptr<AuditSink> inner_;
  SpoolOptions options_;
  int fd_ = -1;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Append> appends_;
  bool stopping_ = false;
  bool closed_ = false;
  // The spool file: [0, replay_offset_) replayed, [replay_offset_, durable_bytes_) waiting.
  std::uint64_t durable_bytes_ = 0;
  std::uint64_t replay_offset_ = 0;
  std::uint64_t pending_records_ = 0;
  std::string epoch_;  // key prefix, new whenever the spool starts empty
  std::uint64_t sequence_ = 0;
  // Replay (or probe) in flight: results come back on the inner sink's thread.
  bool in_flight_ = false;
  bool flight_done_ = false;
  std::vector<Line> flight_lines_;
  std::vector<CommitStatus> flight_status_;
  std::size_t flight_remaining_ = 0;
  Clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{0};
  // Health.
  bool commit_failing_ = false;  // the last commit (or probe) of the store failed
  bool spool_failing_ = false;   // the last spool append was refused or failed
  AuditHealth counters_;
  std::thread thread_;
};

}  // namespace cds::audit
