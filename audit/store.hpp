// The audit trail's two small interfaces (issue 7), kept abstract so that a server-side
// database (PostgreSQL, for several instances behind a load balancer) can replace the embedded
// SQLite store (sqlite_store.hpp) without touching the router or the admin routes:
//
// - AuditSink: what the request path writes. Asynchronous: `done` runs once the rows are
//   durable, and only then does the router write the response.
// - AuditStore: what review, export and retention read or delete. Blocking calls: run them on a
//   worker thread, never on a server I/O thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "audit/record.hpp"
#include "audit/result.hpp"

namespace cds::audit {

/// The outcome of one commit.
struct CommitStatus {
  bool ok = true;
  std::string error;              // when !ok: why (logged; never sent to a client)
  std::size_t unknown_cards = 0;  // feedback: items whose card uuid was never issued (flagged)
  /// Feedback: the rule id of each item's card, in item order ("" for an unknown card).
  std::vector<std::string> feedback_rules;
  /// The writer's transaction that carried the item (write + commit); 0 when not measured.
  std::chrono::microseconds commit_time{0};
};
using CommitDone = std::function<void(const CommitStatus&)>;

struct PurgeResult {
  Millis cutoff{};         // rows received before this instant were deleted
  std::int64_t calls = 0;  // with their orders, cards, evidence, suggestions
  std::int64_t cards = 0;
  std::int64_t feedback = 0;  // feedback items (linked or not)
};

/// What /readyz and the metrics report about the audit trail (issue 8).
enum class AuditState {
  kOk,        // commits succeed (or none was tried yet)
  kSpooling,  // fail open: commits failed, records wait in the spool file for replay
  kFailing,   // calls are answered 503: commits fail (fail closed) or the spool refuses records
};
[[nodiscard]] const char* ToString(AuditState state) noexcept;

struct AuditHealth {
  AuditState state = AuditState::kOk;
  bool spool_enabled = false;         // audit.on_failure = spool
  std::uint64_t spooled_records = 0;  // in the spool now, waiting for replay
  std::uint64_t spool_bytes = 0;      // the spool file's size
  std::uint64_t spooled_total = 0;    // records ever written to the spool (since start)
  std::uint64_t replayed_total = 0;   // records replayed from the spool into the store
  std::uint64_t spool_refused = 0;    // records refused by a full or failing spool (503)
  std::uint64_t commit_failures = 0;  // failed commits of the store (since start)
  std::string last_error;             // the last commit error ("" none; never sent to clients)
};

class AuditSink {
 public:
  virtual ~AuditSink() = default;
  /// Queues a call's rows. `done` is called exactly once, after the rows are committed (or the
  /// commit failed), on the store's writer thread: keep it short (post real work elsewhere).
  virtual void RecordCall(CallRecord record, CommitDone done) = 0;
  /// Queues feedback items; each is linked to the card with its uuid, or stored flagged as
  /// "unknown card" when no such card was issued. Same `done` contract.
  virtual void RecordFeedback(FeedbackBatch batch, CommitDone done) = 0;
  /// Deletes what is older than the retention period now (besides the periodic purge).
  /// `done` runs on the writer thread.
  virtual void PurgeExpired(std::function<void(Result<PurgeResult>)> done) = 0;

  // Issue 8: the audit failure policy (spooling_sink.hpp wraps a sink with these).
  /// Replays a record spooled while commits failed: committed at most once per `key` (a key
  /// already committed is skipped and reported ok). A sink that cannot deduplicate fails it.
  virtual void ReplayCall(std::string key, CallRecord record, CommitDone done) {
    (void)key, (void)record;
    done(CommitStatus{false, "this audit sink cannot replay", 0, {}, {}});
  }
  virtual void ReplayFeedback(std::string key, FeedbackBatch batch, CommitDone done) {
    (void)key, (void)batch;
    done(CommitStatus{false, "this audit sink cannot replay", 0, {}, {}});
  }
  /// A commit that records nothing but needs what a record needs (the write lock, a disk
  /// write): tells whether commits succeed again. Same `done` contract.
  virtual void Probe(CommitDone done) { done(CommitStatus{}); }
  /// The sink's state for /readyz and the metrics.
  [[nodiscard]] virtual AuditHealth Health() const { return {}; }

  /// Calls under way that will queue a record: the router calls CallBegan when it starts on a
  /// hook or feedback call, and CallEnded once the record is queued (or the call ends without
  /// one). A group commit waits for siblings only while some calls are under way.
  virtual void CallBegan() {}
  virtual void CallEnded() {}
};

// ---------------------------------------------------------------------------------------------
// Review queries.

/// Card outcome filter values: the latest feedback on the card, or none.
inline constexpr const char* kOutcomeNone = "none";

/// Filters shared by the call and card queries; empty strings and nullopt do not filter.
struct Filter {
  std::optional<Millis> from;  // received at or after
  std::optional<Millis> to;    // received before
  std::string rule_id;
  std::string indicator;  // info | warning | critical
  std::string patient_id;
  std::string user_id;
  std::string outcome;  // accepted | overridden | none
  std::string service;
};

inline constexpr std::size_t kMaxPageSize = 500;

/// Keyset paging, newest first: rows with id < before_id (0 = from the newest).
struct PageRequest {
  std::int64_t before_id = 0;
  std::size_t limit = 50;  // clamped to 1..kMaxPageSize
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<std::int64_t> next_before_id;  // set when more rows follow
};

struct CallRow {
  std::int64_t id = 0;
  CallRecord call;  // orders filled; cards empty (see card_count)
  std::size_t card_count = 0;
};

struct CardRow {
  std::int64_t id = 0;
  std::int64_t call_id = 0;
  Millis received{};
  std::string hook_instance;
  std::string service;
  std::string hook;
  std::string patient_id;
  std::string user_id;
  CardRecord card;      // list queries leave evidence and suggestions empty
  std::string outcome;  // latest feedback: accepted | overridden | "" (none)
  std::optional<Millis> outcome_time;
  std::size_t feedback_count = 0;
};

struct FeedbackRow {
  std::int64_t id = 0;
  Millis received{};
  std::string service;
  Principal principal;
  std::string request_id;
  FeedbackRecord item;
  bool unknown_card = false;  // no card with this uuid was ever issued (or it was purged)
  std::optional<std::int64_t> card_id;
};

/// A card with everything behind it: the call, its orders, evidence, suggestions, feedback.
struct CardDetail {
  CardRow card;
  CallRow call;
  std::vector<FeedbackRow> feedback;
};

struct ReasonCount {
  std::string system;
  std::string code;
  std::string display;
  std::int64_t count = 0;
};

struct Counts {
  std::int64_t fired = 0;
  std::int64_t accepted = 0;
  std::int64_t overridden = 0;
  std::int64_t no_feedback = 0;
};

struct RuleSummary {
  std::string rule_id;
  std::string rule_title;
  std::string catalogue_id;
  Counts counts;
  std::vector<ReasonCount> top_override_reasons;  // most frequent first, at most 5
};

struct DaySummary {
  std::string day;  // YYYY-MM-DD in the requested UTC offset
  Counts counts;
};

struct Summary {
  std::int64_t calls = 0;
  std::int64_t error_calls = 0;  // HTTP status not 200
  std::int64_t cards = 0;
  std::int64_t feedback = 0;
  std::int64_t unknown_card_feedback = 0;
  std::vector<RuleSummary> rules;  // most fired first
  std::vector<DaySummary> days;    // oldest first
};

/// One call with its cards and each card's feedback, for export.
struct ExportedCall {
  std::int64_t id = 0;
  CallRecord call;  // cards filled, evidence and suggestions included
  std::vector<std::vector<FeedbackRow>> feedback;  // parallel to call.cards
};

class AuditStore {
 public:
  virtual ~AuditStore() = default;
  [[nodiscard]] virtual Result<Page<CallRow>> Calls(const Filter& filter,
                                                    const PageRequest& page) = 0;
  [[nodiscard]] virtual Result<Page<CardRow>> Cards(const Filter& filter,
                                                    const PageRequest& page) = 0;
  /// Feedback whose card is unknown, newest first (the flagged items).
  [[nodiscard]] virtual Result<Page<FeedbackRow>> UnknownCardFeedback(const Filter& filter,
                                                                      const PageRequest& page) = 0;
  /// nullopt when no card has this uuid.
  [[nodiscard]] virtual Result<std::optional<CardDetail>> Card(const std::string& uuid) = 0;
  /// Per rule and per day over `filter` (outcome ignored); days are counted in UTC shifted by
  /// `utc_offset` (the reviewer's local time).
  [[nodiscard]] virtual Result<Summary> Summarize(const Filter& filter,
                                                  std::chrono::minutes utc_offset) = 0;
  /// Deletes calls (with their rows) and feedback received before `cutoff`.
  [[nodiscard]] virtual Result<PurgeResult> Purge(Millis cutoff) = 0;
  /// Calls received in [from, to), oldest first; `each` returns false to stop.
  [[nodiscard]] virtual Result<std::size_t> ExportCalls(
      Millis from, Millis to, const std::function<bool(const ExportedCall&)>& each) = 0;
  /// Unknown-card feedback received in [from, to), oldest first.
  [[nodiscard]] virtual Result<std::size_t> ExportUnknownCardFeedback(
      Millis from, Millis to, const std::function<bool(const FeedbackRow&)>& each) = 0;
};

}  // namespace cds::audit
