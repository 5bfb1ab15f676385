#include "fhir/dates.hpp"

#include <cstddef>

namespace cds::fhir {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::sys_days;
using std::chrono::sys_seconds;
using std::chrono::year_month_day;

constexpr std::size_t kMaxQuotedLength = 40;

/// A cursor over the text being parsed.
class Scanner {
 public:
  explicit Scanner(std::string_view text) noexcept : text_(text) {}

  [[nodiscard]] bool AtEnd() const noexcept { return pos_ == text_.size(); }
  [[nodiscard]] char Peek() const noexcept { return AtEnd() ? '\0' : text_[pos_]; }
  bool Consume(char c) noexcept {
    if (Peek() != c || AtEnd()) return false;
    ++pos_;
    return true;
  }
  /// Reads exactly `count` decimal digits.
  std::optional<int> Digits(std::size_t count) noexcept {
    if (text_.size() - pos_ < count) return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const char c = text_[pos_ + i];
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + (c - '0');
    }
    pos_ += count;
    return value;
  }
  /// Skips one or more digits; false when there is none.
  bool SkipDigits() noexcept {
    const std::size_t begin = pos_;
    while (!AtEnd() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    return pos_ > begin;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

std::string Quoted(std::string_view text) {
  std::string out = "'";
  if (text.size() > kMaxQuotedLength) {
    out.append(text.substr(0, kMaxQuotedLength));
    out += "...";
  } else {
    out.append(text);
  }
  out += '\'';
  return out;
}

std::string_view KindName(DateKind kind) noexcept {
  switch (kind) {
    case DateKind::kDate:
      return "date";
    case DateKind::kDateTime:
      return "dateTime";
    case DateKind::kInstant:
      return "instant";
  }
  return "dateTime";
}

DateParseResult Invalid(std::string_view text, DateKind kind, std::string_view why) {
  DateParseResult result;
  result.error = Quoted(text) + " is not a valid FHIR " + std::string(KindName(kind)) + ": ";
  result.error += why;
  return result;
}

struct TimeOfDay {
  seconds since_midnight{0};
  bool had_seconds = true;
};

/// Parses "hh:mm[:ss[.fff]]" after the 'T'.
std::optional<TimeOfDay> ParseTime(Scanner& scan) {
  const std::optional<int> hour = scan.Digits(2);
  if (!hour || *hour > 23 || !scan.Consume(':')) return std::nullopt;
  const std::optional<int> minute = scan.Digits(2);
  if (!minute || *minute > 59) return std::nullopt;
  TimeOfDay time;
  int second = 0;
  if (scan.Consume(':')) {
    const std::optional<int> parsed = scan.Digits(2);
    if (!parsed || *parsed > 60) return std::nullopt;
    second = *parsed == 60 ? 59 : *parsed;  // A leap second reads as the second before it.
    if (scan.Consume('.') && !scan.SkipDigits()) return std::nullopt;
  } else {
    time.had_seconds = false;
  }
  time.since_midnight = hours(*hour) + minutes(*minute) + seconds(second);
  return time;
}

/// Parses "Z" or "±hh:mm"; nullopt for anything else.
std::optional<minutes> ParseOffset(Scanner& scan) {
  if (scan.Consume('Z')) return minutes(0);
  int sign = 0;
  if (scan.Consume('+')) {
    sign = 1;
  } else if (scan.Consume('-')) {
    sign = -1;
  } else {
    return std::nullopt;
  }
  const std::optional<int> hh = scan.Digits(2);
  if (!hh || *hh > 14 || !scan.Consume(':')) return std::nullopt;
  const std::optional<int> mm = scan.Digits(2);
  if (!mm || *mm > 59) return std::nullopt;
  return minutes(sign * (*hh * 60 + *mm));
}

void AddWarning(DateParseResult& result, std::string_view warning) {
  if (!result.warning.empty()) result.warning += "; ";
  result.warning += warning;
}

}  // namespace

std::chrono::sys_seconds DateTime::EndExclusive() const noexcept {
  const sys_seconds local = start + utc_offset;
  const year_month_day date{std::chrono::floor<days>(local)};
  switch (precision) {
    case DatePrecision::kYear:
      return sys_seconds(sys_days((date.year() + std::chrono::years(1)) / 1 / 1)) - utc_offset;
    case DatePrecision::kMonth: {
      const auto next = (date.year() / date.month() / 1) + std::chrono::months(1);
      return sys_seconds(sys_days(next)) - utc_offset;
    }
    case DatePrecision::kDay:
      return sys_seconds(sys_days(date) + days(1)) - utc_offset;
    case DatePrecision::kSecond:
      return start + seconds(1);
  }
  return start + seconds(1);
}

DateParseResult ParseDateTime(std::string_view text, DateKind kind, minutes default_utc_offset) {
  Scanner scan(text);
  const std::optional<int> year = scan.Digits(4);
  if (!year || *year == 0) return Invalid(text, kind, "expected a year YYYY");

  DateTime value;
  value.text = std::string(text);
  value.utc_offset = default_utc_offset;
  int month = 1;
  int day = 1;
  value.precision = DatePrecision::kYear;
  if (scan.Consume('-')) {
    const std::optional<int> mm = scan.Digits(2);
    if (!mm || *mm < 1 || *mm > 12) return Invalid(text, kind, "expected a month 01-12");
    month = *mm;
    value.precision = DatePrecision::kMonth;
    if (scan.Consume('-')) {
      const std::optional<int> dd = scan.Digits(2);
      if (!dd || *dd < 1) return Invalid(text, kind, "expected a day 01-31");
      day = *dd;
      value.precision = DatePrecision::kDay;
    }
  }
  const year_month_day date{std::chrono::year(*year),
                            std::chrono::month(static_cast<unsigned>(month)),
                            std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return Invalid(text, kind, "no such calendar date");

  DateParseResult result;
  seconds time_of_day{0};
  if (value.precision == DatePrecision::kDay && scan.Consume('T')) {
    if (kind == DateKind::kDate) return Invalid(text, kind, "a date cannot have a time");
    const std::optional<TimeOfDay> time = ParseTime(scan);
    if (!time) return Invalid(text, kind, "expected a time hh:mm:ss");
    if (!time->had_seconds) AddWarning(result, "time without seconds accepted");
    time_of_day = time->since_midnight;
    value.precision = DatePrecision::kSecond;
    if (scan.AtEnd()) {
      AddWarning(result, "time without a timezone; the default offset was applied");
    } else {
      const std::optional<minutes> offset = ParseOffset(scan);
      if (!offset) return Invalid(text, kind, "expected a timezone Z or +hh:mm");
      value.utc_offset = *offset;
      value.has_timezone = true;
    }
  }
  if (!scan.AtEnd()) return Invalid(text, kind, "unexpected trailing characters");
  if (kind == DateKind::kInstant && value.precision != DatePrecision::kSecond) {
    AddWarning(result, "an instant should have a full time and timezone; partial value accepted");
  }
  value.start = sys_seconds(sys_days(date)) + time_of_day - value.utc_offset;
  result.value = std::move(value);
  return result;
}

}  // namespace cds::fhir
