// Structured logs: one JSON object per line on stderr.
// Never log a request body, an access token, a JWT or an Authorization header: log iss, jti,
// hookInstance, rule ids and timings instead.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

namespace cds::hooks {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

/// Sets the minimum level written (process-wide; set once at start-up).
void SetLogLevel(LogLevel level) noexcept;
[[nodiscard]] bool LogEnabled(LogLevel level) noexcept;
/// "debug" | "info" | "warn" | "error"; anything else is kInfo.
[[nodiscard]] LogLevel ParseLogLevel(std::string_view name) noexcept;

/// Builds one log line; written (atomically with respect to other lines) when destroyed.
///   LogLine(LogLevel::kInfo, "request").Str("path", p).Int("status", 200);
class LogLine {
 public:
  LogLine(LogLevel level, std::string_view message);
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  LogLine& Str(std::string_view key, std::string_view value);
  LogLine& Int(std::string_view key, std::int64_t value);
  LogLine& Num(std::string_view key, double value);
  LogLine& Bool(std::string_view key, bool value);
  /// `json` must be one complete, valid JSON value (written as is, not escaped).
  LogLine& Json(std::string_view key, std::string_view json);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;  // null when the level is disabled
};

}  // namespace cds::hooks
