#include "hooks/auth/pg_replay_store.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <utility>
#include <vector>

#include "hooks/log.hpp"

namespace cds::hooks::auth {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS cds_jti ("
    " iss bytea NOT NULL,"
    " jti bytea NOT NULL,"
    " expires timestamptz NOT NULL,"
    " PRIMARY KEY (iss, jti));"
    "CREATE INDEX IF NOT EXISTS cds_jti_expires ON cds_jti (expires)";

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

std::string Trimmed(const char* message) {
  std::string s = message == nullptr ? "" : message;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Waits until the socket is ready for `events` or the deadline passes; false on timeout.
bool WaitFor(int socket, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{socket, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 60'000)));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

}  // namespace

// One libpq connection in non-blocking mode: every wait is bounded by a deadline, so a server
// that hangs costs a timeout, never a stuck worker.
class PgReplayStore::Connection {
 public:
  ~Connection() {
    if (conn_ != nullptr) PQfinish(conn_);
  }

  static std::unique_ptr<Connection> Open(const std::string& conninfo, Clock::time_point deadline,
                                          std::string* error) {
    // application_name first: the operator's conninfo (expanded from dbname) may override it.
    const char* keywords[] = {"application_name", "dbname", nullptr};
    const char* values[] = {"cds-hooks-server", conninfo.c_str(), nullptr};
    auto c = std::unique_ptr<Connection>(new Connection(PQconnectStartParams(keywords, values, 1)));
    if (c->conn_ == nullptr) {
      *error = "out of memory";
      return nullptr;
    }
    if (PQstatus(c->conn_) == CONNECTION_BAD) {
      *error = Trimmed(PQerrorMessage(c->conn_));
      return nullptr;
    }
    PostgresPollingStatusType status = PGRES_POLLING_WRITING;
    while (status != PGRES_POLLING_OK) {
      if (status == PGRES_POLLING_FAILED) {
        *error = Trimmed(PQerrorMessage(c->conn_));
        return nullptr;
      }
      const short events = status == PGRES_POLLING_READING ? POLLIN : POLLOUT;
      if (!WaitFor(PQsocket(c->conn_), events, deadline)) {
        *error = "connecting timed out";
        return nullptr;
      }
      status = PQconnectPoll(c->conn_);
    }
    // Server notices ("relation already exists, skipping") are not errors: not printed.
    PQsetNoticeProcessor(
        c->conn_, [](void*, const char*) {}, nullptr);
    if (PQsetnonblocking(c->conn_, 1) != 0) {
      *error = Trimmed(PQerrorMessage(c->conn_));
      return nullptr;
    }
    return c;
  }

  [[nodiscard]] bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }

  // Sends one statement (params as given) and returns its last result, or nullptr with
  // `error` set (failure or deadline).
  ResultPtr Exec(const std::string& sql, const std::vector<const char*>& values,
                 const std::vector<int>& lengths, const std::vector<int>& formats,
                 Clock::time_point deadline, std::string* error) {
    const int sent =
        values.empty()
            ? PQsendQuery(conn_, sql.c_str())
            : PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                values.data(), lengths.data(), formats.data(), 1);
    if (sent == 0) {
      *error = Trimmed(PQerrorMessage(conn_));
      return nullptr;
    }
    for (;;) {  // flush what libpq could not write at once
      const int flushed = PQflush(conn_);
      if (flushed == 0) break;
      if (flushed < 0) {
        *error = Trimmed(PQerrorMessage(conn_));
        return nullptr;
      }
      if (!WaitFor(PQsocket(conn_), POLLIN | POLLOUT, deadline)) {
        *error = "timed out sending";
        return nullptr;
      }
      if (PQconsumeInput(conn_) == 0) {
        *error = Trimmed(PQerrorMessage(conn_));
        return nullptr;
      }
    }
    ResultPtr last;
    std::string failure;
    for (;;) {
      while (PQisBusy(conn_) != 0) {
        if (!WaitFor(PQsocket(conn_), POLLIN, deadline)) {
          *error = "timed out waiting for the answer";
          return nullptr;
        }
        if (PQconsumeInput(conn_) == 0) {
          *error = Trimmed(PQerrorMessage(conn_));
          return nullptr;
        }
      }
      ResultPtr r(PQgetResult(conn_));
      if (r == nullptr) break;
      const ExecStatusType status = PQresultStatus(r.get());
      if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && failure.empty()) {
        failure = Trimmed(PQresultErrorMessage(r.get()));
        if (failure.empty()) failure = PQresStatus(status);
      }
      last = std::move(r);
    }
    if (!failure.empty()) {
      *error = failure;
      return nullptr;
    }
    if (last == nullptr) *error = "no result";
    return last;
  }

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  PGconn* conn_;
};

PgReplayStore::PgReplayStore(PgReplayStoreOptions options, boost::asio::any_io_executor executor)
    : options_(std::move(options)), executor_(std::move(executor)) {}

std::shared_ptr<PgReplayStore> PgReplayStore::Open(PgReplayStoreOptions options,
                                                   boost::asio::any_io_executor executor,
                                                   std::string* error) {
  options.max_batch = std::max<std::size_t>(1, options.max_batch);
  std::shared_ptr<PgReplayStore> store(new PgReplayStore(std::move(options), std::move(executor)));
  const PgReplayStoreOptions& o = store->options_;
  const auto deadline = Clock::now() + o.timeout;
  store->connection_ = Connection::Open(o.conninfo, deadline, error);
  if (store->connection_ == nullptr) {
    *error = "cannot connect to the replay store: " + *error;
    return nullptr;
  }
  // Two instances starting together may race on CREATE TABLE IF NOT EXISTS (a unique
  // violation in the catalog): the loser tries once more and finds the table.
  for (int attempt = 0;; ++attempt) {
    if (store->connection_->Exec(kSchema, {}, {}, {}, Clock::now() + o.timeout, error)) break;
    if (attempt == 1 || !store->connection_->ok()) {
      *error = "cannot create the replay store's table: " + *error;
      return nullptr;
    }
  }
  store->next_purge_ = Clock::now();  // expired rows of earlier runs go first
  store->health_.backend = "postgresql";
  store->worker_ = std::thread([s = store.get()] {
    pthread_setname_np(pthread_self(), "cds-replay-pg");
    s->Loop();
  });
  return store;
}

PgReplayStore::~PgReplayStore() { Close(); }

void PgReplayStore::Close() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
  std::deque<Check> left;
  {
    std::lock_guard lock(mutex_);
    left.swap(queue_);
  }
  for (Check& c : left) Answer(c, ReplayVerdict::kUnavailable);
}

void PgReplayStore::CheckAndRemember(std::string_view iss, std::string_view jti,
                                     std::chrono::sys_seconds expires, std::chrono::sys_seconds now,
                                     std::function<void(ReplayVerdict)> done) {
  Check check{std::string(iss), std::string(jti), expires, now, std::move(done), Clock::now()};
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back(std::move(check));
      wake_.notify_one();
      return;
    }
  }
  Answer(check, ReplayVerdict::kUnavailable);
}

ReplayStoreHealth PgReplayStore::Health() const {
  std::lock_guard lock(mutex_);
  return health_;
}

void PgReplayStore::Answer(Check& check, ReplayVerdict verdict) {
  boost::asio::post(executor_, [done = std::move(check.done), verdict] { done(verdict); });
}

void PgReplayStore::Loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    // Disconnected, the worker connects again on its own (not only when a check arrives), so
    // /readyz recovers while a load balancer sends this instance nothing.
    const Clock::time_point until =
        connection_ == nullptr ? std::min(next_purge_, next_connect_) : next_purge_;
    wake_.wait_until(lock, until, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    std::deque<Check> batch;
    while (!queue_.empty() && batch.size() < options_.max_batch) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    if (!batch.empty()) {
      RunBatch(batch);
    } else if (connection_ == nullptr && Clock::now() >= next_connect_) {
      std::string error;
      const bool connected = EnsureConnected(Clock::now() + options_.timeout, &error);
      Report(connected, error);
    }
    if (Clock::now() >= next_purge_) Purge();
    lock.lock();
  }
}

void PgReplayStore::Report(bool available, const std::string& error) {
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    changed = health_.available != available;
    health_.available = available;
    health_.last_error = available ? "" : error;
  }
  if (!changed) return;
  if (available) {
    LogLine(LogLevel::kInfo, "replay store available again").Str("store", "postgresql");
  } else {
    LogLine(LogLevel::kError, "replay store unavailable: calls with a JWT are answered 503")
        .Str("store", "postgresql")
        .Str("error", error);
  }
}

bool PgReplayStore::EnsureConnected(Clock::time_point deadline, std::string* error) {
  if (connection_ != nullptr && connection_->ok()) return true;
  connection_.reset();
  const auto now = Clock::now();
  if (now < next_connect_) {
    *error =
        "not connected (next attempt in " +
        std::to_string(std::chrono::ceil<std::chrono::milliseconds>(next_connect_ - now).count()) +
        " ms)";
    return false;
  }
  connection_ = Connection::Open(options_.conninfo, deadline, error);
  if (connection_ == nullptr) {
    next_connect_ = Clock::now() + options_.reconnect_interval;
    return false;
  }
  return true;
}

void PgReplayStore::RunBatch(std::deque<Check>& batch) {
  // Each check is answered within `timeout` of its arrival: the batch's deadline is its
  // oldest check's.
  Clock::time_point deadline = batch.front().queued + options_.timeout;
  for (const Check& c : batch) deadline = std::min(deadline, c.queued + options_.timeout);
  // The first of several checks of one (iss, jti) in the batch gets the store's answer; the
  // others are replays of it. The map is ordered: rows are inserted in key order on every
  // instance, since two instances inserting the same ids in opposite orders would wait on each
  // other's unique-index entries, a deadlock PostgreSQL breaks only after deadlock_timeout by
  // failing one batch.
  std::map<std::string, std::size_t> first;
  std::vector<ReplayVerdict> verdict(batch.size(), ReplayVerdict::kReplayed);
  std::chrono::sys_seconds now{};
  for (std::size_t i = 0; i < batch.size(); ++i) {
    first.emplace(ReplayKey(batch[i].iss, batch[i].jti), i);
    now = std::max(now, batch[i].now);
  }
  std::string error;
  bool answered = false;
  if (Clock::now() < deadline && EnsureConnected(deadline, &error)) {
    std::string sql = "INSERT INTO cds_jti AS t (iss, jti, expires) VALUES ";
    std::vector<std::string> numbers;
    numbers.reserve(first.size() + 1);
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
    int n = 0;
    for (const auto& [key, index] : first) {
      const Check& c = batch[index];
      numbers.push_back(std::to_string(c.expires.time_since_epoch().count()));
      if (n > 0) sql += ',';
      sql += "($" + std::to_string(n + 1) + "::bytea,$" + std::to_string(n + 2) +
             "::bytea,to_timestamp($" + std::to_string(n + 3) + "::bigint))";
      n += 3;
      values.insert(values.end(), {c.iss.data(), c.jti.data(), numbers.back().c_str()});
      lengths.insert(lengths.end(),
                     {static_cast<int>(c.iss.size()), static_cast<int>(c.jti.size()), 0});
      formats.insert(formats.end(), {1, 1, 0});
    }
    numbers.push_back(std::to_string(now.time_since_epoch().count()));
    sql +=
        " ON CONFLICT (iss, jti) DO UPDATE SET expires = EXCLUDED.expires WHERE t.expires <= "
        "to_timestamp($" +
        std::to_string(n + 1) + "::bigint) RETURNING t.iss, t.jti";
    values.push_back(numbers.back().c_str());
    lengths.push_back(0);
    formats.push_back(0);
    if (ResultPtr r = connection_->Exec(sql, values, lengths, formats, deadline, &error)) {
      // RETURNING lists the rows inserted or renewed: the fresh ones.
      for (int row = 0; row < PQntuples(r.get()); ++row) {
        const std::string_view iss(PQgetvalue(r.get(), row, 0),
                                   static_cast<std::size_t>(PQgetlength(r.get(), row, 0)));
        const std::string_view jti(PQgetvalue(r.get(), row, 1),
                                   static_cast<std::size_t>(PQgetlength(r.get(), row, 1)));
        if (const auto it = first.find(ReplayKey(iss, jti)); it != first.end()) {
          verdict[it->second] = ReplayVerdict::kFresh;
        }
      }
      answered = true;
    } else {
      connection_.reset();  // its state is unknown: the next batch connects again
    }
  } else if (error.empty()) {
    error = "timed out before the store was asked";
  }
  {
    std::lock_guard lock(mutex_);
    if (answered) {
      health_.checks += batch.size();
      ++health_.round_trips;
    } else {
      health_.unavailable += batch.size();
    }
  }
  Report(answered, error);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    Answer(batch[i], answered ? verdict[i] : ReplayVerdict::kUnavailable);
  }
}

void PgReplayStore::Purge() {
  next_purge_ = Clock::now() + options_.purge_interval;
  const auto deadline = Clock::now() + options_.timeout;
  std::string error;
  if (!EnsureConnected(deadline, &error)) return Report(false, error);
  const std::string now =
      std::to_string(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())
                         .time_since_epoch()
                         .count());
  const ResultPtr r =
      connection_->Exec("DELETE FROM cds_jti WHERE expires <= to_timestamp($1::bigint)",
                        {now.c_str()}, {0}, {0}, deadline, &error);
  if (r == nullptr) {
    connection_.reset();
    return Report(false, "purge: " + error);
  }
  {
    std::lock_guard lock(mutex_);
    health_.purged += std::strtoull(PQcmdTuples(r.get()), nullptr, 10);
  }
  Report(true, "");
}

}  // namespace cds::hooks::auth
