// An AuditSink for the router's tests: keeps what it is given, holds each commit until the test
// releases it (the commit's timing is the subject; the real store is tested in tests/audit),
// and counts the calls the router says are under way. Thread-safe: a call whose prefetch was
// fetched reaches the sink from a client thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "audit/store.hpp"

namespace cds::hooks::testing {

class HeldSink final : public audit::AuditSink {
 public:
  void RecordCall(audit::CallRecord record, audit::CommitDone done) override {
    std::lock_guard lock(mutex_);
    calls.push_back(std::move(record));
    Hold(std::move(done));
  }
  void RecordFeedback(audit::FeedbackBatch batch, audit::CommitDone done) override {
    std::lock_guard lock(mutex_);
    feedback.push_back(std::move(batch));
    Hold(std::move(done));
  }
  void CallBegan() override { ++began; }
  void CallEnded() override { ++ended; }
  void PurgeExpired(std::function<void(audit::Result<audit::PurgeResult>)> done) override {
    done(audit::PurgeResult{});
  }

  /// Completes the oldest held commit with `status`.
  void Release(const audit::CommitStatus& status) {
    audit::CommitDone done;
    {
      std::lock_guard lock(mutex_);
      done = std::move(pending.front());
      pending.erase(pending.begin());
    }
    done(status);
  }
  /// Waits up to 30 s for a commit to be held, then completes it successfully; false if none.
  bool ReleaseWhenHeld() {
    {
      std::unique_lock lock(mutex_);
      if (!held_.wait_for(lock, std::chrono::seconds(30), [&] { return !pending.empty(); })) {
        return false;
      }
    }
    Release({});
    return true;
  }

  // Read these once the router is idle (every call answered, or waiting on this sink).
  std::vector<audit::CallRecord> calls;
  std::vector<audit::FeedbackBatch> feedback;
  std::vector<audit::CommitDone> pending;
  std::atomic<int> began{0};  // CallBegan/CallEnded so far
  std::atomic<int> ended{0};
  std::vector<int> under_way_at_record;  // began - ended when each record was queued

 private:
  void Hold(audit::CommitDone done) {  // under mutex_
    pending.push_back(std::move(done));
    under_way_at_record.push_back(began.load() - ended.load());
    held_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable held_;
};

}  // namespace cds::hooks::testing
