#include "audit/spooling_sink.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rapidjson/document.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <random>
#include <string_view>
#include <system_error>
#include <utility>

#include "audit/record_json.hpp"

namespace cds::audit {
namespace {

std::string ErrnoText(int error) {
  return std::error_code(error, std::generic_category()).message();
}

std::string NewEpoch() {
  std::random_device random;
  const std::uint64_t value =
      (std::uint64_t{random()} << 32) ^ random() ^
      static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

// Writes all of `data` at the end of the file (O_APPEND).
bool WriteAll(int fd, std::string_view data, int* error) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = errno;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

const char* ToString(AuditState state) noexcept {
  switch (state) {
    case AuditState::kOk:
      return "ok";
    case AuditState::kSpooling:
      return "spooling";
    case AuditState::kFailing:
      return "failing";
  }
  return "ok";
}

SpoolingSink::SpoolingSink(std::shared_ptr<AuditSink> inner, SpoolOptions options)
    : inner_(std::move(inner)), options_(std::move(options)), epoch_(NewEpoch()) {}

Result<std::unique_ptr<SpoolingSink>> SpoolingSink::Open(std::shared_ptr<AuditSink> inner,
                                                         SpoolOptions options) {
  if (inner == nullptr) return StoreError{"no audit sink to wrap"};
  std::unique_ptr<SpoolingSink> sink(new SpoolingSink(std::move(inner), std::move(options)));
  if (sink->options_.policy == FailurePolicy::kSpool) {
    if (auto error = sink->OpenSpool()) return StoreError{*error};
  }
  sink->thread_ = std::thread([s = sink.get()] {
    pthread_setname_np(pthread_self(), "cds-audit-spool");
    s->Loop();
  });
  return sink;
}

// Opens the spool (0600, its directory 0700), cuts a torn last line, and counts the records an
// earlier run left: they are replayed first.
std::optional<std::string> SpoolingSink::OpenSpool() {
  namespace fs = std::filesystem;
  const std::string& path = options_.path;
  if (path.empty()) return "no audit spool file";
  std::error_code ec;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::exists(parent, ec)) {
    fs::create_directories(parent, ec);
    if (ec) return "cannot create directory " + parent.string() + ": " + ec.message();
    fs::permissions(parent, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  const bool existed = fs::exists(path, ec);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) return "cannot open audit spool " + path + ": " + ErrnoText(errno);
  if (!existed) {
    // The new file's directory entry must survive a crash too.
    const int dir = ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY);
    if (dir >= 0) {
      (void)::fsync(dir);
      ::close(dir);
    }
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return "cannot stat audit spool " + path + ": " + ErrnoText(errno);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  std::uint64_t lines = 0;
  std::uint64_t end_of_last_line = 0;
  std::string buffer(1 << 16, '\0');
  for (std::uint64_t pos = 0; pos < size;) {
    const ssize_t n = ::pread(fd_, buffer.data(), buffer.size(), static_cast<off_t>(pos));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return "cannot read audit spool " + path + ": " + ErrnoText(n < 0 ? errno : EIO);
    for (ssize_t i = 0; i < n; ++i) {
      if (buffer[static_cast<std::size_t>(i)] == '\n') {
        ++lines;
        end_of_last_line = pos + static_cast<std::uint64_t>(i) + 1;
      }
    }
    pos += static_cast<std::uint64_t>(n);
  }
  if (end_of_last_line != size) {
    // A crash in the middle of an append: that record's call was never answered.
    if (::ftruncate(fd_, static_cast<off_t>(end_of_last_line)) != 0 || ::fsync(fd_) != 0) {
      return "cannot cut the torn end of audit spool " + path + ": " + ErrnoText(errno);
    }
  }
  durable_bytes_ = end_of_last_line;
  pending_records_ = lines;
  return std::nullopt;
}

SpoolingSink::~SpoolingSink() {
  Close();
  if (fd_ >= 0) ::close(fd_);
}

void SpoolingSink::Close() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string SpoolingSink::NextKey() { return epoch_ + "-" + std::to_string(++sequence_); }

bool SpoolingSink::Spooling() const { return pending_records_ > 0 || !appends_.empty(); }

void SpoolingSink::RecordCall(CallRecord record, CommitDone done) {
  Submit(std::move(record), std::move(done));
}

void SpoolingSink::RecordFeedback(FeedbackBatch batch, CommitDone done) {
  Submit(std::move(batch), std::move(done));
}

void SpoolingSink::Submit(Record record, CommitDone done) {
  const auto forward = [this](Record&& r, CommitDone d) {
    if (auto* call = std::get_if<CallRecord>(&r)) {
      inner_->RecordCall(std::move(*call), std::move(d));
    } else {
      inner_->RecordFeedback(std::get<FeedbackBatch>(std::move(r)), std::move(d));
    }
  };
  if (options_.policy == FailurePolicy::kFailClosed) {
    return forward(std::move(record), [this, done = std::move(done)](const CommitStatus& status) {
      NoteCommit(status);
      done(status);
    });
  }
  {
    std::lock_guard lock(mutex_);
    if (!closed_ && Spooling()) {
      // Behind records already spooled: keep their order (feedback after its call).
      appends_.push_back(Append{std::move(record), std::move(done)});
      wake_.notify_all();
      return;
    }
  }
  // Kept for the spool should the commit fail.
  auto copy = std::make_shared<Record>(record);
  forward(std::move(record),
          [this, copy, done = std::move(done)](const CommitStatus& status) mutable {
            NoteCommit(status);
            if (status.ok || !QueueAppend(std::move(*copy), done)) done(status);
          });
}

bool SpoolingSink::QueueAppend(Record record, CommitDone done) {
  std::lock_guard lock(mutex_);
  if (closed_) return false;
  appends_.push_back(Append{std::move(record), std::move(done)});
  wake_.notify_all();
  return true;
}

void SpoolingSink::NoteCommit(const CommitStatus& status) {
  std::lock_guard lock(mutex_);
  if (status.ok) {
    if (commit_failing_) backoff_ = std::chrono::milliseconds{0};
    commit_failing_ = false;
    if (pending_records_ == 0) spool_failing_ = false;
    return;
  }
  commit_failing_ = true;
  ++counters_.commit_failures;
  counters_.last_error = status.error;
  wake_.notify_all();
}

void SpoolingSink::PurgeExpired(std::function<void(Result<PurgeResult>)> done) {
  inner_->PurgeExpired(std::move(done));
}

void SpoolingSink::ReplayCall(std::string key, CallRecord record, CommitDone done) {
  inner_->ReplayCall(std::move(key), std::move(record), std::move(done));
}

void SpoolingSink::ReplayFeedback(std::string key, FeedbackBatch batch, CommitDone done) {
  inner_->ReplayFeedback(std::move(key), std::move(batch), std::move(done));
}

void SpoolingSink::Probe(CommitDone done) { inner_->Probe(std::move(done)); }

AuditHealth SpoolingSink::Health() const {
  std::lock_guard lock(mutex_);
  AuditHealth h = counters_;
  h.spool_enabled = options_.policy == FailurePolicy::kSpool;
  h.spooled_records = pending_records_;
  h.spool_bytes = durable_bytes_;
  if (spool_failing_) {
    h.state = AuditState::kFailing;
  } else if (h.spool_enabled && (Spooling() || commit_failing_)) {
    h.state = AuditState::kSpooling;
  } else if (commit_failing_) {
    h.state = AuditState::kFailing;
  } else {
    h.state = AuditState::kOk;
  }
  return h;
}

void SpoolingSink::Loop() {
  std::unique_lock lock(mutex_);
  const auto replay_wanted = [this] {
    return options_.policy == FailurePolicy::kSpool && replay_offset_ < durable_bytes_;
  };
  // Fail closed (or a spool with nothing to replay): learn when commits succeed again.
  const auto probe_wanted = [&] { return commit_failing_ && !replay_wanted(); };
  const auto due = [&] {
    return !in_flight_ && (replay_wanted() || probe_wanted()) && Clock::now() >= next_attempt_;
  };
  const auto ready = [&] { return stopping_ || !appends_.empty() || flight_done_ || due(); };
  for (;;) {
    if (!ready()) {
      if (!in_flight_ && (replay_wanted() || probe_wanted())) {
        wake_.wait_until(lock, next_attempt_, ready);
      } else {
        wake_.wait(lock, ready);
      }
    }
    if (!appends_.empty()) {
      std::vector<Append> batch(std::make_move_iterator(appends_.begin()),
                                std::make_move_iterator(appends_.end()));
      appends_.clear();
      lock.unlock();
      WriteAppends(batch);
      lock.lock();
      continue;
    }
    if (flight_done_) {
      FinishReplay();
      continue;
    }
    if (stopping_) {
      if (in_flight_) {
        wake_.wait(lock, [this] { return flight_done_ || !appends_.empty(); });
        continue;
      }
      closed_ = true;
      break;
    }
    if (due()) {
      if (replay_wanted()) {
        StartReplay(lock);
      } else {
        StartProbe(lock);
      }
    }
  }
}

// On the sink's thread, without the lock: serializes, appends and fsyncs a batch of records,
// then reports each as committed (durable in the spool) or refused.
void SpoolingSink::WriteAppends(std::vector<Append>& appends) {
  std::vector<CommitStatus> status(appends.size());
  std::vector<bool> written(appends.size(), false);
  std::string buffer;
  std::uint64_t size = 0;
  {
    std::lock_guard lock(mutex_);
    size = durable_bytes_;
  }
  std::size_t accepted = 0;
  std::size_t refused = 0;
  for (std::size_t i = 0; i < appends.size(); ++i) {
    const bool call = std::holds_alternative<CallRecord>(appends[i].record);
    std::string line = R"({"key":")" + NextKey() + R"(","kind":")" + (call ? "call" : "feedback") +
                       R"(","record":)";
    line += call ? CallRecordToJson(std::get<CallRecord>(appends[i].record))
                 : FeedbackBatchToJson(std::get<FeedbackBatch>(appends[i].record));
    line += "}\n";
    if (size + buffer.size() + line.size() > options_.max_bytes) {
      status[i] =
          CommitStatus{false, "audit spool full (" + std::to_string(size) + " bytes)", 0, {}, {}};
      ++refused;
      continue;
    }
    buffer += line;
    written[i] = true;
    ++accepted;
  }
  std::string write_error;
  if (!buffer.empty()) {
    int error = 0;
    if (!WriteAll(fd_, buffer, &error) || ::fdatasync(fd_) != 0) {
      if (error == 0) error = errno;
      write_error = "audit spool write failed: " + ErrnoText(error);
      // Cut what was written of the batch: those records are answered as failed.
      (void)::ftruncate(fd_, static_cast<off_t>(size));
    }
  }
  {
    std::lock_guard lock(mutex_);
    if (write_error.empty()) {
      durable_bytes_ += buffer.size();
      pending_records_ += accepted;
      counters_.spooled_total += accepted;
      counters_.spool_refused += refused;
      if (refused > 0) {
        spool_failing_ = true;
        counters_.last_error = "audit spool full";
      } else if (accepted > 0) {
        spool_failing_ = false;
      }
    } else {
      spool_failing_ = true;
      counters_.spool_refused += appends.size();
      counters_.last_error = write_error;
    }
  }
  for (std::size_t i = 0; i < appends.size(); ++i) {
    CommitStatus s = status[i];
    if (written[i])
      s = write_error.empty() ? CommitStatus{} : CommitStatus{false, write_error, 0, {}, {}};
    try {
      appends[i].done(s);
    } catch (...) {
      // A completion that throws is the caller's bug; the spool must keep working.
    }
  }
}

std::vector<SpoolingSink::Line> SpoolingSink::ReadLines(std::uint64_t from, std::uint64_t to,
                                                        std::size_t max) {
  std::vector<Line> out;
  std::string pending;
  std::string chunk(1 << 16, '\0');
  std::uint64_t pos = from;
  while (out.size() < max && pos < to) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), to - pos));
    const ssize_t n = ::pread(fd_, chunk.data(), want, static_cast<off_t>(pos));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // retried on the next attempt
    pos += static_cast<std::uint64_t>(n);
    pending.append(chunk.data(), static_cast<std::size_t>(n));
    std::size_t start = 0;
    while (out.size() < max) {
      const std::size_t nl = pending.find('\n', start);
      if (nl == std::string::npos) break;
      const std::string_view text(pending.data() + start, nl - start);
      Line line;
      line.bytes = nl - start + 1;
      rapidjson::Document doc;
      doc.Parse(text.data(), text.size());
      if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("key") && doc["key"].IsString() &&
          doc.HasMember("kind") && doc["kind"].IsString() && doc.HasMember("record")) {
        line.key = doc["key"].GetString();
        const std::string_view kind = doc["kind"].GetString();
        if (kind == "call") {
          if (auto r = CallRecordFromJson(doc["record"])) line.record = std::move(*r);
        } else if (kind == "feedback") {
          if (auto r = FeedbackBatchFromJson(doc["record"])) line.record = std::move(*r);
        }
      }
      out.push_back(std::move(line));
      start = nl + 1;
    }
    pending.erase(0, start);
  }
  return out;
}

void SpoolingSink::StartReplay(std::unique_lock<std::mutex>& lock) {
  const std::uint64_t from = replay_offset_;
  const std::uint64_t to = durable_bytes_;
  in_flight_ = true;
  lock.unlock();
  std::vector<Line> lines = ReadLines(from, to, std::max<std::size_t>(1, options_.replay_batch));
  std::vector<std::pair<std::size_t, Record>> submit;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].record) submit.emplace_back(i, std::move(*lines[i].record));
  }
  lock.lock();
  if (lines.empty()) {
    // The spool could not be read: try again later rather than spin.
    in_flight_ = false;
    counters_.last_error = "cannot read the audit spool: " + ErrnoText(errno);
    Backoff(true);
    return;
  }
  flight_status_.assign(lines.size(), CommitStatus{});
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!lines[i].record.has_value() && lines[i].bytes > 0) {
      // Moved-from records are still engaged; only an unreadable line is empty here.
      ++counters_.replayed_total;  // counted as handled; it cannot be replayed
      counters_.last_error = "unreadable audit spool line skipped";
    }
  }
  flight_lines_ = std::move(lines);
  flight_remaining_ = submit.size();
  if (submit.empty()) {
    flight_done_ = true;
    return;
  }
  lock.unlock();
  for (auto& [index, record] : submit) {
    CommitDone done = [this, i = index](const CommitStatus& status) {
      std::lock_guard guard(mutex_);
      flight_status_[i] = status;
      if (--flight_remaining_ == 0) {
        flight_done_ = true;
        wake_.notify_all();
      }
    };
    std::string key = flight_lines_[index].key;
    if (auto* call = std::get_if<CallRecord>(&record)) {
      inner_->ReplayCall(std::move(key), std::move(*call), std::move(done));
    } else {
      inner_->ReplayFeedback(std::move(key), std::get<FeedbackBatch>(std::move(record)),
                             std::move(done));
    }
  }
  lock.lock();
}

void SpoolingSink::StartProbe(std::unique_lock<std::mutex>& lock) {
  in_flight_ = true;
  flight_lines_.clear();
  flight_status_.assign(1, CommitStatus{});
  flight_remaining_ = 1;
  lock.unlock();
  inner_->Probe([this](const CommitStatus& status) {
    std::lock_guard guard(mutex_);
    flight_status_[0] = status;
    flight_remaining_ = 0;
    flight_done_ = true;
    wake_.notify_all();
  });
  lock.lock();
}

void SpoolingSink::Backoff(bool failed) {
  if (!failed) {
    backoff_ = std::chrono::milliseconds{0};
    next_attempt_ = Clock::now();
    return;
  }
  backoff_ =
      backoff_.count() == 0 ? options_.retry_min : std::min(backoff_ * 2, options_.retry_max);
  next_attempt_ = Clock::now() + backoff_;
}

// Under the lock: the replay (or probe) in flight has all its answers.
void SpoolingSink::FinishReplay() {
  in_flight_ = false;
  flight_done_ = false;
  const CommitStatus* failure = nullptr;
  std::size_t prefix = 0;
  for (const CommitStatus& s : flight_status_) {
    if (!s.ok) {
      failure = &s;
      break;
    }
    ++prefix;
  }
  if (!flight_lines_.empty()) {
    // The records before the first failure are in the store: skip them from now on. Those
    // after it that did commit are retried and skipped by their key.
    std::uint64_t bytes = 0;
    std::size_t readable = 0;
    for (std::size_t i = 0; i < prefix; ++i) {
      bytes += flight_lines_[i].bytes;
      if (flight_lines_[i].record.has_value()) ++readable;
    }
    replay_offset_ += bytes;
    pending_records_ -= std::min<std::uint64_t>(pending_records_, prefix);
    counters_.replayed_total += readable;
  }
  if (failure != nullptr) {
    commit_failing_ = true;
    ++counters_.commit_failures;
    counters_.last_error = failure->error;
    Backoff(true);
  } else {
    commit_failing_ = false;
    Backoff(false);
  }
  flight_lines_.clear();
  flight_status_.clear();
  if (options_.policy == FailurePolicy::kSpool && replay_offset_ == durable_bytes_ &&
      durable_bytes_ > 0 && appends_.empty()) {
    // Everything is in the store: start an empty spool (a crash before this point replays
    // records the store skips by key).
    if (::ftruncate(fd_, 0) == 0 && ::fdatasync(fd_) == 0) {
      durable_bytes_ = 0;
      replay_offset_ = 0;
      pending_records_ = 0;
      epoch_ = NewEpoch();
      sequence_ = 0;
      spool_failing_ = false;
    } else {
      counters_.last_error = "cannot truncate the replayed audit spool: " + ErrnoText(errno);
    }
  }
}

}  // namespace cds::audit
