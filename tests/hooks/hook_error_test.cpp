#include "hooks/hook_error.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace cds::hooks {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Mapping {
  HookError code;
  int status;
  std::string_view issue_type;
  std::string_view name;
};

// The complete mapping, one row per enumerator (keep in the enum's order).
const std::vector<Mapping> kMappings = {
    {HookError::kMalformedHttp, 400, "structure", "malformed_http"},
    {HookError::kMalformedJson, 400, "structure", "malformed_json"},
    {HookError::kWrongType, 400, "structure", "wrong_type"},
    {HookError::kMissingField, 400, "required", "missing_field"},
    {HookError::kInvalidValue, 400, "value", "invalid_value"},
    {HookError::kInvariant, 400, "invariant", "invariant"},
    {HookError::kUnauthorized, 401, "login", "unauthorized"},
    {HookError::kForbidden, 403, "forbidden", "forbidden"},
    {HookError::kNotFound, 404, "not-found", "not_found"},
    {HookError::kMethodNotAllowed, 405, "not-supported", "method_not_allowed"},
    {HookError::kPreconditionFailed, 412, "incomplete", "precondition_failed"},
    {HookError::kPayloadTooLarge, 413, "too-long", "payload_too_large"},
    {HookError::kUnsupportedMediaType, 415, "not-supported", "unsupported_media_type"},
    {HookError::kTooManyRequests, 429, "throttled", "too_many_requests"},
    {HookError::kHeadersTooLarge, 431, "too-long", "headers_too_large"},
    {HookError::kInternal, 500, "exception", "internal"},
    {HookError::kUnavailable, 503, "transient", "unavailable"},
};

TEST(HookErrorTest, MappingTableCoversEveryEnumerator) {
  ASSERT_EQ(kMappings.size(), static_cast<std::size_t>(HookError::kUnavailable) + 1);
  for (std::size_t i = 0; i < kMappings.size(); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(kMappings[i].code), i);
  }
}

TEST(HookErrorTest, ToHttpStatusToIssueTypeAndToString) {
  for (const Mapping& m : kMappings) {
    SCOPED_TRACE(m.name);
    EXPECT_EQ(ToHttpStatus(m.code), m.status);
    EXPECT_EQ(ToIssueType(m.code), m.issue_type);
    EXPECT_EQ(ToString(m.code), m.name);
  }
}

TEST(HookErrorTest, ClientErrorsComeFirst) {
  int previous = 0;
  for (const Mapping& m : kMappings) {
    EXPECT_GE(m.status, previous) << m.name;
    previous = m.status;
  }
}

TEST(HookErrorTest, NamesAreUnique) {
  std::set<std::string_view> names;
  for (const Mapping& m : kMappings) EXPECT_TRUE(names.insert(ToString(m.code)).second) << m.name;
}

TEST(HookErrorTest, OutOfRangeValuesMapToInternal) {
  const auto bogus = static_cast<HookError>(999);
  EXPECT_EQ(ToHttpStatus(bogus), 500);
  EXPECT_EQ(ToIssueType(bogus), "exception");
  EXPECT_EQ(ToString(bogus), "internal");
}

TEST(HookErrorTest, RenderOperationOutcomeTable) {
  struct Case {
    std::string_view note;
    Error error;
    std::string_view body;
  };
  const Case cases[] = {
      {"path and message",
       {HookError::kMissingField, "context.draftOrders.entry[2].resource.resourceType",
        "required element is missing", "log only"},
       R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"required",)"
       R"("diagnostics":"context.draftOrders.entry[2].resource.resourceType: required element )"
       R"(is missing","expression":["context.draftOrders.entry[2].resource.resourceType"]}]})"},
      {"message only",
       {HookError::kNotFound, "", "no such path", ""},
       R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found",)"
       R"("diagnostics":"no such path"}]})"},
      {"path only",
       {HookError::kInvalidValue, "hook", "", ""},
       R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"value",)"
       R"("expression":["hook"]}]})"},
      {"neither",
       {HookError::kMalformedHttp, "", "", ""},
       R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"structure"}]})"},
      {"escaping",
       {HookError::kInvalidValue, "hook", "not \"x\\y\"\n", ""},
       R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"value",)"
       R"("diagnostics":"hook: not \"x\\y\"\n","expression":["hook"]}]})"},
      {"401 hides reason and path",
       {HookError::kUnauthorized, "header.kid", "unknown kid abc", "iss=x"},
       R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"login",)"
       R"("diagnostics":"Authentication failed."}]})"},
      {"401 without message still gets the fixed text",
       {HookError::kUnauthorized, "", "", ""},
       R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"login",)"
       R"("diagnostics":"Authentication failed."}]})"},
      {"500 hides internals",
       {HookError::kInternal, "engine.rules[3]", "std::bad_alloc in /src/engine/x.cpp:12", "stack"},
       R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"exception",)"
       R"("diagnostics":"Internal server error."}]})"},
      {"412",
       {HookError::kPreconditionFailed, "prefetch.patient", "prefetch key absent", ""},
       R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"incomplete",)"
       R"("diagnostics":"prefetch.patient: prefetch key absent","expression":)"
       R"(["prefetch.patient"]}]})"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(RenderOperationOutcome(c.error), c.body) << c.note;
  }
}

TEST(HookErrorTest, InternalTextNeverReachesTheBody) {
  for (const Mapping& m : kMappings) {
    const Error e{m.code, "a.b", "message", "INTERNAL-DETAIL"};
    EXPECT_THAT(RenderOperationOutcome(e), Not(HasSubstr("INTERNAL-DETAIL"))) << m.name;
  }
}

TEST(HookErrorTest, UnauthorizedBodyNeverCarriesTheReason) {
  const Error e{HookError::kUnauthorized, "header.kid", "unknown kid abc", "iss=x"};
  EXPECT_EQ(RenderOperationOutcome(e),
            R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"login",)"
            R"("diagnostics":"Authentication failed."}]})");
}

TEST(HookErrorTest, ErrorEquality) {
  const Error a{HookError::kWrongType, "p", "m", "i"};
  EXPECT_EQ(a, (Error{HookError::kWrongType, "p", "m", "i"}));
  EXPECT_NE(a, (Error{HookError::kMissingField, "p", "m", "i"}));
  EXPECT_NE(a, (Error{HookError::kWrongType, "q", "m", "i"}));
  EXPECT_NE(a, (Error{HookError::kWrongType, "p", "n", "i"}));
  EXPECT_NE(a, (Error{HookError::kWrongType, "p", "m", "j"}));
  EXPECT_EQ(Error{}.code, HookError::kInternal);
}

TEST(ResultTest, HoldsAValue) {
  Result<std::string> r = std::string("value");
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(r.value(), "value");
  r.value().append("!");
  EXPECT_EQ(std::as_const(r).value(), "value!");
  const std::string moved = std::move(r).value();
  EXPECT_EQ(moved, "value!");
}

TEST(ResultTest, HoldsAnError) {
  const Result<int> r = Error{HookError::kNotFound, "", "gone", ""};
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(r.error().code, HookError::kNotFound);
  EXPECT_EQ(r.error().message, "gone");
  EXPECT_THROW(static_cast<void>(r.value()), std::bad_variant_access);
}

}  // namespace
}  // namespace cds::hooks
