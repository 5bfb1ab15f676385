// FHIR date, dateTime and instant values as points in time with their precision kept.
//
// A FHIR dateTime may be partial ("2024", "2024-03", "2024-03-15") and may omit its timezone
// (R4 forbids that when a time is given, real EHRs do it anyway). Following google/fhir, the
// offset used for a value without a timezone is an explicit input of the parse; this module
// never reads the local clock or the TZ database.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cds::fhir {

/// How much of a date/time value was given.
enum class DatePrecision { kYear, kMonth, kDay, kSecond };

/// Which FHIR primitive a text is parsed as; it decides the precisions allowed.
/// - kDate: YYYY, YYYY-MM or YYYY-MM-DD, never a time.
/// - kDateTime: any precision; a time needs seconds and should carry a timezone.
/// - kInstant: full precision with a timezone (a missing timezone is tolerated, see ParseDateTime).
enum class DateKind { kDate, kDateTime, kInstant };

/// A parsed FHIR date/dateTime/instant.
///
/// `start` is the first second the value covers, in UTC: for a partial date it is midnight at the
/// start of that year/month/day in the value's offset. Fractional seconds are truncated.
struct DateTime {
  std::chrono::sys_seconds start{};
  DatePrecision precision = DatePrecision::kSecond;
  /// True when the text carried its own timezone ("Z" or "+hh:mm"); false when the caller's
  /// default offset was applied (always the case for dates without a time).
  bool has_timezone = false;
  /// The offset from UTC that was applied, whether given or defaulted.
  std::chrono::minutes utc_offset{0};
  /// The original text, kept for evidence and display.
  std::string text;

  /// The first second after the interval the value covers: start + 1 year/month/day/second.
  /// Compare `EndExclusive()` with a cutoff to ask "could this be after the cutoff?".
  [[nodiscard]] std::chrono::sys_seconds EndExclusive() const noexcept;

  friend bool operator==(const DateTime&, const DateTime&) = default;
};

/// The outcome of ParseDateTime: a value, or the reason it was rejected, plus a note when a
/// tolerated deviation was accepted (no timezone on a time, missing seconds).
struct DateParseResult {
  std::optional<DateTime> value;
  std::string error;    ///< Non-empty iff `value` is empty.
  std::string warning;  ///< Non-empty when the text was accepted with a tolerated deviation.
};

/// Parses `text` as the FHIR primitive `kind`.
///
/// Accepted: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, and for kDateTime/kInstant
/// `YYYY-MM-DDThh:mm:ss[.fff…][Z|±hh:mm]`. A time without seconds (`Thh:mm`) is accepted with a
/// warning. A time without a timezone uses `default_utc_offset` and yields a warning. Calendar
/// validity is checked (no 2023-02-29); a leap second (`:60`) is read as `:59`.
/// Never throws; never reads the clock.
[[nodiscard]] DateParseResult ParseDateTime(std::string_view text, DateKind kind,
                                            std::chrono::minutes default_utc_offset);

}  // namespace cds::fhir
