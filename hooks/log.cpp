#include "hooks/log.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

namespace cds::hooks {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::mutex g_write_mutex;

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

void FormatTime(char (&out)[32]) {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto days = floor<std::chrono::days>(now);
  const year_month_day ymd{days};
  const hh_mm_ss<milliseconds> tod{duration_cast<milliseconds>(now - days)};
  std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(tod.hours().count()),
                static_cast<int>(tod.minutes().count()), static_cast<int>(tod.seconds().count()),
                static_cast<int>(tod.subseconds().count()));
}

}  // namespace

struct LogLine::Impl {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer{buffer};
  void Key(std::string_view key) {
    writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  }
  void Str(std::string_view value) {
    writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
};

void SetLogLevel(LogLevel level) noexcept { g_level.store(static_cast<int>(level)); }

bool LogEnabled(LogLevel level) noexcept { return static_cast<int>(level) >= g_level.load(); }

LogLevel ParseLogLevel(std::string_view name) noexcept {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "warn") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  return LogLevel::kInfo;
}

LogLine::LogLine(LogLevel level, std::string_view message) {
  if (!LogEnabled(level)) return;
  impl_ = std::make_unique<Impl>();
  char time[32];
  FormatTime(time);
  impl_->writer.StartObject();
  impl_->Key("time");
  impl_->Str(time);
  impl_->Key("level");
  impl_->Str(LevelName(level));
  impl_->Key("msg");
  impl_->Str(message);
}

LogLine::~LogLine() {
  if (!impl_) return;
  impl_->writer.EndObject();
  impl_->buffer.Put('\n');
  const std::lock_guard<std::mutex> lock(g_write_mutex);
  const char* data = impl_->buffer.GetString();
  std::size_t left = impl_->buffer.GetSize();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, data, left);
    if (n <= 0) break;  // nowhere to report a failing stderr; drop the line
    data += n;
    left -= static_cast<std::size_t>(n);
  }
}

LogLine& LogLine::Str(std::string_view key, std::string_view value) {
  if (impl_) {
    impl_->Key(key);
    impl_->Str(value);
  }
  return *this;
}

LogLine& LogLine::Int(std::string_view key, std::int64_t value) {
  if (impl_) {
    impl_->Key(key);
    impl_->writer.Int64(value);
  }
  return *this;
}

LogLine& LogLine::Num(std::string_view key, double value) {
  if (impl_) {
    impl_->Key(key);
    impl_->writer.Double(value);
  }
  return *this;
}

LogLine& LogLine::Bool(std::string_view key, bool value) {
  if (impl_) {
    impl_->Key(key);
    impl_->writer.Bool(value);
  }
  return *this;
}

LogLine& LogLine::Json(std::string_view key, std::string_view json) {
  if (impl_) {
    impl_->Key(key);
    impl_->writer.RawValue(json.data(), json.size(), rapidjson::kObjectType);
  }
  return *this;
}

}  // namespace cds::hooks
