#include "hooks/feedback.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace cds::hooks {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::sys_days;
using std::chrono::sys_time;
using ::testing::ElementsAre;
using namespace std::chrono_literals;

constexpr std::string_view kCard = "0f9a0d8c-3b1c-4a5e-9f3e-6b7c8d9e0a1b";
constexpr std::string_view kSuggestion = "e56e1945-20b3-4393-8503-a1a20fd73152";

sys_time<milliseconds> At(std::chrono::year_month_day ymd, hours h, minutes m, seconds s,
                          milliseconds ms = 0ms) {
  return sys_days(ymd) + h + m + s + ms;
}

// ---- valid bodies ---------------------------------------------------------------------------

TEST(ParseFeedbackTest, AcceptedCardWithSuggestion) {
  auto parsed = ParseFeedback(R"({"feedback":[{"card":"0f9a0d8c-3b1c-4a5e-9f3e-6b7c8d9e0a1b",
      "outcome":"accepted","acceptedSuggestions":[{"id":"e56e1945-20b3-4393-8503-a1a20fd73152"}],
      "outcomeTimestamp":"2021-12-11T10:05:31Z"}]})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().path << ": " << parsed.error().message;
  ASSERT_EQ(parsed.value().items.size(), 1u);
  const FeedbackItem& item = parsed.value().items[0];
  EXPECT_EQ(item.card, kCard);
  EXPECT_EQ(item.outcome, FeedbackOutcome::kAccepted);
  EXPECT_THAT(item.accepted_suggestions, ElementsAre(kSuggestion));
  EXPECT_FALSE(item.override_reason.has_value());
  EXPECT_EQ(item.outcome_timestamp, At(2021y / 12 / 11, 10h, 5min, 31s));
}

TEST(ParseFeedbackTest, SandboxOverrideWithoutDisplay) {
  // The Sandbox sends overrideReason.reason without `display` (spec digest §7): accepted.
  auto parsed = ParseFeedback(R"({"feedback":[{"card":"c1","outcome":"overridden",
      "overrideReason":{"reason":{"code":"reason-code-provided-by-service",
                                  "system":"http://example.org/cds-services/fhir/CodeSystem/override-reasons"}},
      "outcomeTimestamp":"2021-12-11T10:05:31.250Z"}]})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().path << ": " << parsed.error().message;
  const FeedbackItem& item = parsed.value().items[0];
  EXPECT_EQ(item.outcome, FeedbackOutcome::kOverridden);
  EXPECT_TRUE(item.accepted_suggestions.empty());
  ASSERT_TRUE(item.override_reason.has_value());
  ASSERT_TRUE(item.override_reason->reason.has_value());
  EXPECT_EQ(item.override_reason->reason->code, "reason-code-provided-by-service");
  EXPECT_EQ(item.override_reason->reason->system,
            "http://example.org/cds-services/fhir/CodeSystem/override-reasons");
  EXPECT_EQ(item.override_reason->reason->display, "");
  EXPECT_EQ(item.override_reason->user_comment, "");
  EXPECT_EQ(item.outcome_timestamp, At(2021y / 12 / 11, 10h, 5min, 31s, 250ms));
}

TEST(ParseFeedbackTest, OverrideWithCommentOnlyAndWithoutReasonObject) {
  auto parsed = ParseFeedback(R"({"feedback":[
      {"card":"c1","outcome":"overridden","overrideReason":{"userComment":"allergy documented"},
       "outcomeTimestamp":"2021-12-11T11:05:31+01:00"},
      {"card":"c2","outcome":"overridden","outcomeTimestamp":"2021-12-11T10:05:31Z"}]})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().path << ": " << parsed.error().message;
  ASSERT_EQ(parsed.value().items.size(), 2u);
  const FeedbackItem& first = parsed.value().items[0];
  ASSERT_TRUE(first.override_reason.has_value());
  EXPECT_FALSE(first.override_reason->reason.has_value());
  EXPECT_EQ(first.override_reason->user_comment, "allergy documented");
  EXPECT_EQ(first.outcome_timestamp, At(2021y / 12 / 11, 10h, 5min, 31s));
  EXPECT_FALSE(parsed.value().items[1].override_reason.has_value());
}

TEST(ParseFeedbackTest, SeveralCardsAndTheSameCardTwice) {
  auto parsed = ParseFeedback(R"({"feedback":[
      {"card":"c1","outcome":"accepted","acceptedSuggestions":[{"id":"s1"},{"id":"s2"}],
       "outcomeTimestamp":"2021-12-11T10:05:31Z"},
      {"card":"c1","outcome":"overridden",
       "overrideReason":{"reason":{"system":"http://x","code":"y","display":"Y"},"userComment":"z"},
       "outcomeTimestamp":"2021-12-11T10:06:31Z","extension":{"com.example.x":1}}],
      "unknown":true})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().path << ": " << parsed.error().message;
  ASSERT_EQ(parsed.value().items.size(), 2u);
  EXPECT_THAT(parsed.value().items[0].accepted_suggestions, ElementsAre("s1", "s2"));
  const auto& reason = parsed.value().items[1].override_reason;
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(reason->reason->display, "Y");
  EXPECT_EQ(reason->user_comment, "z");
}

// ---- invalid bodies -------------------------------------------------------------------------

TEST(ParseFeedbackTest, InvalidBodyTable) {
  struct Case {
    std::string_view note;
    std::string body;
    Error expected;
  };
  const std::string ts = R"("outcomeTimestamp":"2021-12-11T10:05:31Z")";
  const auto one = [](const std::string& item) { return R"({"feedback":[)" + item + "]}"; };
  const std::string kBadTime = "must be an RFC 3339 date-time such as 2021-12-11T10:05:31Z";
  const std::string kMissing = "required element is missing";
  const Case cases[] = {
      {"not JSON",
       "{",
       {HookError::kMalformedJson, "",
        "invalid JSON at byte offset 1: "
        "Missing a name for object member.",
        ""}},
      {"NUL after the document",
       std::string(R"({"feedback":[]})") + std::string(1, '\0') + "x",
       {HookError::kMalformedJson, "", "invalid JSON at byte offset 15: NUL byte.", ""}},
      {"empty body",
       "",
       {HookError::kMalformedJson, "",
        "invalid JSON at byte offset 0: "
        "The document is empty.",
        ""}},
      {"top-level array",
       "[]",
       {HookError::kWrongType, "", "expected a JSON object, got array", ""}},
      {"no feedback", "{}", {HookError::kMissingField, "feedback", kMissing, ""}},
      {"feedback object",
       R"({"feedback":{}})",
       {HookError::kWrongType, "feedback", "expected array, got object", ""}},
      {"empty feedback array",
       R"({"feedback":[]})",
       {HookError::kInvalidValue, "feedback", "must hold at least one item", ""}},
      {"item not an object",
       R"({"feedback":["c1"]})",
       {HookError::kWrongType, "feedback[0]", "expected object, got string", ""}},
      {"missing card",
       one(R"({"outcome":"overridden",)" + ts + "}"),
       {HookError::kMissingField, "feedback[0].card", kMissing, ""}},
      {"empty card",
       one(R"({"card":"","outcome":"overridden",)" + ts + "}"),
       {HookError::kInvalidValue, "feedback[0].card", "must not be an empty string", ""}},
      {"missing outcome",
       one(R"({"card":"c1",)" + ts + "}"),
       {HookError::kMissingField, "feedback[0].outcome", kMissing, ""}},
      {"bad outcome",
       one(R"({"card":"c1","outcome":"dismissed",)" + ts + "}"),
       {HookError::kInvalidValue, "feedback[0].outcome", "must be \"accepted\" or \"overridden\"",
        ""}},
      {"outcome wrong case",
       one(R"({"card":"c1","outcome":"Accepted",)" + ts + "}"),
       {HookError::kInvalidValue, "feedback[0].outcome", "must be \"accepted\" or \"overridden\"",
        ""}},
      {"accepted without acceptedSuggestions",
       one(R"({"card":"c1","outcome":"accepted",)" + ts + "}"),
       {HookError::kMissingField, "feedback[0].acceptedSuggestions", kMissing, ""}},
      {"accepted with empty acceptedSuggestions",
       one(R"({"card":"c1","outcome":"accepted","acceptedSuggestions":[],)" + ts + "}"),
       {HookError::kInvalidValue, "feedback[0].acceptedSuggestions",
        "must name at least one suggestion", ""}},
      {"acceptedSuggestions not an array",
       one(R"({"card":"c1","outcome":"accepted","acceptedSuggestions":{"id":"s"},)" + ts + "}"),
       {HookError::kWrongType, "feedback[0].acceptedSuggestions", "expected array, got object",
        ""}},
      {"acceptedSuggestions item a string",
       one(R"({"card":"c1","outcome":"accepted","acceptedSuggestions":["s1"],)" + ts + "}"),
       {HookError::kWrongType, "feedback[0].acceptedSuggestions[0]", "expected object, got string",
        ""}},
      {"acceptedSuggestions item without id",
       one(R"({"card":"c1","outcome":"accepted","acceptedSuggestions":[{"id":"s"},{}],)" + ts +
           "}"),
       {HookError::kMissingField, "feedback[0].acceptedSuggestions[1].id", kMissing, ""}},
      {"overrideReason empty",
       one(R"({"card":"c1","outcome":"overridden","overrideReason":{},)" + ts + "}"),
       {HookError::kMissingField, "feedback[0].overrideReason", "needs a reason or a userComment",
        ""}},
      {"overrideReason not an object",
       one(R"({"card":"c1","outcome":"overridden","overrideReason":"no",)" + ts + "}"),
       {HookError::kWrongType, "feedback[0].overrideReason", "expected object, got string", ""}},
      {"overrideReason.reason without code",
       one(R"({"card":"c1","outcome":"overridden","overrideReason":{"reason":{"system":"s"}},)" +
           ts + "}"),
       {HookError::kMissingField, "feedback[0].overrideReason.reason.code", kMissing, ""}},
      {"overrideReason.reason without system",
       one(R"({"card":"c1","outcome":"overridden","overrideReason":{"reason":{"code":"c"}},)" + ts +
           "}"),
       {HookError::kMissingField, "feedback[0].overrideReason.reason.system", kMissing, ""}},
      {"overrideReason empty userComment",
       one(R"({"card":"c1","outcome":"overridden","overrideReason":{"userComment":""},)" + ts +
           "}"),
       {HookError::kInvalidValue, "feedback[0].overrideReason.userComment",
        "must not be an empty string", ""}},
      {"missing timestamp",
       one(R"({"card":"c1","outcome":"overridden"})"),
       {HookError::kMissingField, "feedback[0].outcomeTimestamp", kMissing, ""}},
      {"timestamp a number",
       one(R"({"card":"c1","outcome":"overridden","outcomeTimestamp":1639217131})"),
       {HookError::kWrongType, "feedback[0].outcomeTimestamp", "expected string, got number", ""}},
      {"timestamp without zone",
       one(R"({"card":"c1","outcome":"overridden","outcomeTimestamp":"2021-12-11T10:05:31"})"),
       {HookError::kInvalidValue, "feedback[0].outcomeTimestamp", kBadTime, ""}},
      {"timestamp a date",
       one(R"({"card":"c1","outcome":"overridden","outcomeTimestamp":"2021-12-11"})"),
       {HookError::kInvalidValue, "feedback[0].outcomeTimestamp", kBadTime, ""}},
      {"timestamp impossible date",
       one(R"({"card":"c1","outcome":"overridden","outcomeTimestamp":"2021-02-30T10:05:31Z"})"),
       {HookError::kInvalidValue, "feedback[0].outcomeTimestamp", kBadTime, ""}},
      {"second item bad",
       R"({"feedback":[{"card":"c1","outcome":"overridden",)" + ts +
           R"(},{"card":"c2","outcome":"accepted",)" + ts + "}]}",
       {HookError::kMissingField, "feedback[1].acceptedSuggestions", kMissing, ""}},
  };
  for (const Case& c : cases) {
    auto parsed = ParseFeedback(c.body);
    ASSERT_FALSE(parsed.ok()) << c.note;
    EXPECT_EQ(parsed.error(), c.expected)
        << c.note << "\n  got " << parsed.error().path << ": " << parsed.error().message;
    EXPECT_EQ(ToHttpStatus(parsed.error().code), 400) << c.note;
  }
}

// ---- ParseRfc3339 ---------------------------------------------------------------------------

TEST(ParseRfc3339Test, AcceptedTable) {
  struct Case {
    std::string_view text;
    sys_time<milliseconds> expected;
  };
  const auto base = At(2021y / 12 / 11, 10h, 5min, 31s);
  const Case cases[] = {
      {"2021-12-11T10:05:31Z", base},
      {"2021-12-11t10:05:31z", base},
      {"2021-12-11T10:05:31+00:00", base},
      {"2021-12-11T10:05:31-00:00", base},
      {"2021-12-11T12:05:31+02:00", base},
      {"2021-12-11T05:05:31-05:00", base},
      {"2021-12-11T15:50:31+05:45", base},
      {"2021-12-12T00:05:31+14:00", base},
      {"2021-12-11T00:30:00+01:00", At(2021y / 12 / 10, 23h, 30min, 0s)},
      {"2021-12-31T23:30:00-01:00", At(2022y / 1 / 1, 0h, 30min, 0s)},
      {"2021-12-11T10:05:31.1Z", base + 100ms},
      {"2021-12-11T10:05:31.12Z", base + 120ms},
      {"2021-12-11T10:05:31.123Z", base + 123ms},
      {"2021-12-11T10:05:31.123456789Z", base + 123ms},
      {"2021-12-11T10:05:31.000Z", base},
      {"2021-12-11T12:05:31.5+02:00", base + 500ms},
      {"2024-02-29T00:00:00Z", At(2024y / 2 / 29, 0h, 0min, 0s)},
      {"2000-02-29T23:59:59Z", At(2000y / 2 / 29, 23h, 59min, 59s)},
      {"1970-01-01T00:00:00Z", sys_time<milliseconds>{}},
      {"2016-12-31T23:59:60Z", At(2017y / 1 / 1, 0h, 0min, 0s)},  // leap second
  };
  for (const Case& c : cases) {
    const auto parsed = ParseRfc3339(c.text);
    ASSERT_TRUE(parsed.has_value()) << c.text;
    EXPECT_EQ(*parsed, c.expected) << c.text;
  }
}

TEST(ParseRfc3339Test, RejectedTable) {
  for (const std::string_view text : {
           "",
           "2021",
           "2021-12-11",
           "2021-12-11T10:05Z",
           "2021-12-11T10:05:31",         // no zone
           "2021-12-11T10:05:31.123",     // no zone
           "2021-12-11T10:05:31.Z",       // no fraction digits
           "2021-12-11T10:05:31+0200",    // offset without colon
           "2021-12-11T10:05:31+02",      // offset without minutes
           "2021-12-11T10:05:31+02:0",    // short offset
           "2021-12-11T10:05:31+24:00",   // offset hour out of range
           "2021-12-11T10:05:31+02:60",   // offset minute out of range
           "2021-12-11T10:05:31ZZ",       // trailing
           "2021-12-11T10:05:31Z ",       // trailing space
           " 2021-12-11T10:05:31Z",       // leading space
           "2021-12-11T10:05:31+02:00x",  // trailing after offset
           "2021-02-30T10:05:31Z",        // no such day
           "2021-02-29T10:05:31Z",        // not a leap year
           "1900-02-29T10:05:31Z",        // century, not a leap year
           "2021-04-31T10:05:31Z",        // April has 30 days
           "2021-13-01T10:05:31Z",        // month 13
           "2021-00-10T10:05:31Z",        // month 0
           "2021-12-00T10:05:31Z",        // day 0
           "2021-12-32T10:05:31Z",        // day 32
           "2021-12-11T24:00:00Z",        // hour 24
           "2021-12-11T10:60:00Z",        // minute 60
           "2021-12-11T10:05:61Z",        // second 61
           "2021/12/11T10:05:31Z",        // wrong separators
           "2021-12-11X10:05:31Z",        // wrong T
           "2021-12-11T10-05-31Z",        // wrong time separators
           "21-12-11T10:05:31Z",          // two-digit year
           "2021-1-11T10:05:31Z",         // one-digit month
           "2021-12-11T10:05:3aZ",        // letter in seconds
           "+2021-12-11T10:05:31Z",       // sign on the year
           "2021-12-11T10:05:31+-2:00",   // sign in the offset digits
       }) {
    EXPECT_EQ(ParseRfc3339(text), std::nullopt) << '"' << text << '"';
  }
}

TEST(ParseRfc3339Test, NeverReadsPastTheView) {
  // Views that are prefixes of a longer valid text must be judged on their own characters.
  const std::string text = "2021-12-11T10:05:31Z";
  for (std::size_t n = 0; n < text.size(); ++n) {
    EXPECT_EQ(ParseRfc3339(std::string_view(text.data(), n)), std::nullopt) << n;
  }
  const std::string offset = "2021-12-11T10:05:31+02:00";
  for (std::size_t n = 20; n < offset.size(); ++n) {
    EXPECT_EQ(ParseRfc3339(std::string_view(offset.data(), n)), std::nullopt) << n;
  }
}

}  // namespace
}  // namespace cds::hooks
