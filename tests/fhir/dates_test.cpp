#include "fhir/dates.hpp"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

namespace cds::fhir {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::sys_days;
using std::chrono::sys_seconds;
using namespace std::chrono_literals;

constexpr minutes kUtc{0};
constexpr minutes kNewYork{-5 * 60};  // EST, as a caller would pass it.

sys_seconds Utc(std::chrono::year_month_day date, std::chrono::seconds time = 0s) {
  return sys_seconds(sys_days(date)) + time;
}

DateTime Parsed(std::string_view text, DateKind kind = DateKind::kDateTime, minutes offset = kUtc) {
  DateParseResult result = ParseDateTime(text, kind, offset);
  EXPECT_TRUE(result.value.has_value()) << text << ": " << result.error;
  return result.value.value_or(DateTime{});
}

TEST(ParseDateTime, YearOnlyCoversTheWholeYear) {
  const DateTime value = Parsed("1947", DateKind::kDate);
  EXPECT_EQ(value.precision, DatePrecision::kYear);
  EXPECT_EQ(value.start, Utc(1947y / 1 / 1));
  EXPECT_EQ(value.EndExclusive(), Utc(1948y / 1 / 1));
  EXPECT_FALSE(value.has_timezone);
  EXPECT_EQ(value.text, "1947");
}

TEST(ParseDateTime, YearMonthCoversTheMonthIncludingDecemberRollover) {
  const DateTime june = Parsed("2019-06", DateKind::kDate);
  EXPECT_EQ(june.precision, DatePrecision::kMonth);
  EXPECT_EQ(june.start, Utc(2019y / 6 / 1));
  EXPECT_EQ(june.EndExclusive(), Utc(2019y / 7 / 1));
  EXPECT_EQ(Parsed("2019-12").EndExclusive(), Utc(2020y / 1 / 1));
}

TEST(ParseDateTime, DayUsesTheCallersOffsetForMidnight) {
  const DateTime value = Parsed("2026-03-02", DateKind::kDate, kNewYork);
  EXPECT_EQ(value.precision, DatePrecision::kDay);
  EXPECT_EQ(value.start, Utc(2026y / 3 / 2, 5h));
  EXPECT_EQ(value.EndExclusive(), Utc(2026y / 3 / 3, 5h));
  EXPECT_EQ(value.utc_offset, kNewYork);
}

TEST(ParseDateTime, FullDateTimeWithZuluOrOffset) {
  const DateTime zulu = Parsed("2026-03-04T09:12:44Z");
  EXPECT_EQ(zulu.precision, DatePrecision::kSecond);
  EXPECT_TRUE(zulu.has_timezone);
  EXPECT_EQ(zulu.start, Utc(2026y / 3 / 4, 9h + 12min + 44s));
  EXPECT_EQ(zulu.EndExclusive(), zulu.start + 1s);

  const DateTime plus_one = Parsed("2026-03-01T22:10:00+01:00");
  EXPECT_EQ(plus_one.start, Utc(2026y / 3 / 1, 21h + 10min));
  EXPECT_EQ(plus_one.utc_offset, 60min);

  const DateTime minus_five = Parsed("2026-03-02T06:40:00-05:00", DateKind::kDateTime, kUtc);
  EXPECT_EQ(minus_five.start, Utc(2026y / 3 / 2, 11h + 40min));
}

TEST(ParseDateTime, ExplicitTimezoneIgnoresTheDefaultOffset) {
  EXPECT_EQ(Parsed("2026-03-04T09:00:00Z", DateKind::kDateTime, kNewYork).start,
            Parsed("2026-03-04T09:00:00Z", DateKind::kDateTime, kUtc).start);
}

TEST(ParseDateTime, MissingTimezoneUsesTheExplicitDefaultOffsetWithAWarning) {
  const DateParseResult result =
      ParseDateTime("2026-03-03T05:30:00", DateKind::kDateTime, kNewYork);
  ASSERT_TRUE(result.value.has_value()) << result.error;
  EXPECT_FALSE(result.value->has_timezone);
  EXPECT_EQ(result.value->start, Utc(2026y / 3 / 3, 10h + 30min));
  EXPECT_NE(result.warning.find("timezone"), std::string::npos);
  // A different caller offset yields a different instant: nothing comes from the local clock.
  EXPECT_EQ(Parsed("2026-03-03T05:30:00", DateKind::kDateTime, kUtc).start,
            Utc(2026y / 3 / 3, 5h + 30min));
}

TEST(ParseDateTime, FractionalSecondsAreTruncated) {
  EXPECT_EQ(Parsed("2026-03-04T09:12:44.987654Z").start, Utc(2026y / 3 / 4, 9h + 12min + 44s));
}

TEST(ParseDateTime, LeapSecondReadsAsTheSecondBefore) {
  EXPECT_EQ(Parsed("2016-12-31T23:59:60Z").start, Utc(2016y / 12 / 31, 23h + 59min + 59s));
}

TEST(ParseDateTime, TimeWithoutSecondsIsToleratedWithAWarning) {
  const DateParseResult result = ParseDateTime("2026-03-04T09:12Z", DateKind::kDateTime, kUtc);
  ASSERT_TRUE(result.value.has_value());
  EXPECT_EQ(result.value->start, Utc(2026y / 3 / 4, 9h + 12min));
  EXPECT_NE(result.warning.find("seconds"), std::string::npos);
}

TEST(ParseDateTime, LeapDayOnlyInLeapYears) {
  EXPECT_TRUE(ParseDateTime("2024-02-29", DateKind::kDate, kUtc).value.has_value());
  EXPECT_FALSE(ParseDateTime("2023-02-29", DateKind::kDate, kUtc).value.has_value());
}

TEST(ParseDateTime, RejectsMalformedValuesWithAReason) {
  for (const char* text :
       {"", "0000", "26", "2026-3-2", "03/02/2026", "2026-13", "2026-00-10", "2026-02-30",
        "2026-04-31", "2026-03-02T25:00:00Z", "2026-03-02T10:61:00Z", "2026-03-02T10:00:00+15:00",
        "2026-03-02T10:00:00+0500", "2026-03-02T10:00:00.Z", "2026-03-02 10:00:00", "2026-03-02T",
        "2026-03T10:00:00Z", "2026-03-02T10:00:00Zjunk", "2026-03-02\n"}) {
    const DateParseResult result = ParseDateTime(text, DateKind::kDateTime, kUtc);
    EXPECT_FALSE(result.value.has_value()) << "'" << text << "'";
    EXPECT_FALSE(result.error.empty()) << "'" << text << "'";
  }
}

TEST(ParseDateTime, DateKindForbidsATime) {
  const DateParseResult result = ParseDateTime("1980-02-29T00:00:00Z", DateKind::kDate, kUtc);
  EXPECT_FALSE(result.value.has_value());
  EXPECT_NE(result.error.find("time"), std::string::npos);
}

TEST(ParseDateTime, PartialInstantIsToleratedWithAWarning) {
  const DateParseResult result = ParseDateTime("2026-03-04", DateKind::kInstant, kUtc);
  ASSERT_TRUE(result.value.has_value());
  EXPECT_FALSE(result.warning.empty());
}

TEST(ParseDateTime, LongGarbageIsQuotedTruncated) {
  const std::string junk(10'000, 'x');
  const DateParseResult result = ParseDateTime(junk, DateKind::kDateTime, kUtc);
  EXPECT_FALSE(result.value.has_value());
  EXPECT_LT(result.error.size(), 200u);
}

}  // namespace
}  // namespace cds::fhir
