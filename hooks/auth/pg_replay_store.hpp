// The shared jti replay store for several server instances behind a load balancer: PostgreSQL
// (libpq), so a token replayed to another instance is refused like one replayed to the same
// instance. One table, `cds_jti (iss bytea, jti bytea, expires timestamptz, primary key (iss,
// jti))`, created when missing:
//
// - a check is `INSERT ... ON CONFLICT (iss, jti) DO UPDATE SET expires = EXCLUDED.expires
//   WHERE cds_jti.expires <= now RETURNING ...`: a row inserted, or an expired row renewed, is
//   a fresh jti; anything else a replay. The primary key makes it atomic across instances (a
//   concurrent insert of the same key waits for the first and then sees the conflict).
// - iss and jti are bound as bytea in binary, so any bytes a token carries (a NUL included)
//   compare exactly; nothing is interpolated into SQL.
// - one worker thread and one connection: the checks queued while a round trip is under way
//   go out together as one statement (a group check), so the store costs a round trip per
//   batch, not per call.
// - expired rows are deleted every `purge_interval` by whichever instance gets there.
// - fail closed: a check the store cannot answer within `timeout` (server down, hanging,
//   refusing) is answered kUnavailable (the call gets 503); the connection is dropped and the
//   worker makes it again, with or without checks waiting, at most once per
//   `reconnect_interval`. Health() says whether the store answers (/readyz, the metrics).
//
// Completions are posted to `executor` (a server I/O thread), never run on the worker.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "hooks/auth/replay_store.hpp"

namespace cds::hooks::auth {

struct PgReplayStoreOptions {
  /// libpq connection string ("host=... dbname=... user=... sslmode=verify-full") or URI. No
  /// password in it: libpq reads one from PGPASSFILE / passfile= / ~/.pgpass (or use a client
  /// certificate), so the string can be logged as is.
  std::string conninfo;
  std::chrono::milliseconds timeout{2'000};  // a batch's connect + round trip, at most
  std::chrono::milliseconds reconnect_interval{1'000};
  std::chrono::milliseconds purge_interval{60'000};
  std::size_t max_batch = 512;
};

class PgReplayStore final : public ReplayStore {
 public:
  /// Connects, creates the table when missing, starts the worker. An error (unreachable
  /// server, refused login, bad conninfo) is returned, not thrown: start-up reports it.
  [[nodiscard]] static std::shared_ptr<PgReplayStore> Open(PgReplayStoreOptions options,
                                                           boost::asio::any_io_executor executor,
                                                           std::string* error);
  ~PgReplayStore() override;
  PgReplayStore(const PgReplayStore&) = delete;
  PgReplayStore& operator=(const PgReplayStore&) = delete;

  void CheckAndRemember(std::string_view iss, std::string_view jti,
                        std::chrono::sys_seconds expires, std::chrono::sys_seconds now,
                        std::function<void(ReplayVerdict)> done) override;
  /// Answers what is queued as kUnavailable and stops the worker. Idempotent.
  void Close();
  /// backend "postgresql"; `available` false from a failed connect, check or purge until the
  /// next success (the worker connects again on its own, idle or not).
  [[nodiscard]] ReplayStoreHealth Health() const override;

 private:
  struct Check {
    std::string iss;
    std::string jti;
    std::chrono::sys_seconds expires;
    std::chrono::sys_seconds now;
    std::function<void(ReplayVerdict)> done;
    std::chrono::steady_clock::time_point queued;
  };
  class Connection;

  PgReplayStore(PgReplayStoreOptions options, boost::asio::any_io_executor executor);
  void Loop();
  void RunBatch(std::deque<Check>& batch);
  void Purge();
  bool EnsureConnected(std::chrono::steady_clock::time_point deadline, std::string* error);
  void Answer(Check& check, ReplayVerdict verdict);
  // Records whether the store answers; logs when that changes.
  void Report(bool available, const std::string& error);

  PgReplayStoreOptions options_;
  boost::asio::any_io_executor executor_;
  std::unique_ptr<Connection> connection_;  // the worker's only
  std::chrono::steady_clock::time_point next_connect_{};
  std::chrono::steady_clock::time_point next_purge_{};

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Check> queue_;
  bool stopping_ = false;
  ReplayStoreHealth health_;
  std::thread worker_;
};

}  // namespace cds::hooks::auth
