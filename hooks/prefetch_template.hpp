// Prefetch templates (spec digest §4): a relative FHIR read or search URL with {{tokens}},
// rendered against one hook call. Pure functions; no I/O.
//
// Grammar (whitespace inside the braces is ignored, as the CDS Hooks Sandbox does):
//   token     = "{{" ws* body ws* "}}"
//   body      = "context." name                  ; root-level primitive of the hook context
//             | "userPractitionerId" | "userPractitionerRoleId"
//             | "userPatientId" | "userRelatedPersonId"
//             | "today()" [ ws* ("+" | "-") ws* digits ws* ("day" | "days") ]
//   name      = [A-Za-z0-9_]+
// The user tokens are the bare id of `context.userId` ("Practitioner/123" gives
// userPractitionerId = "123"); a user token of another type cannot be resolved. `today()` is the
// calendar date (YYYY-MM-DD) of the call in the EHR's time zone (CDS Hooks 3.0 ballot; the
// Sandbox resolves it).
//
// Encoding: substituted values are percent-encoded except RFC 3986 unreserved characters, so an
// id can never add a path segment or a query parameter; `context.userId` keeps its one "/" when
// it is a relative reference `Type/id` (so "{{context.userId}}" is a valid read). Template text
// outside tokens is kept, except that characters a URI may not contain (e.g. "|") are
// percent-encoded.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cds::hooks {

/// What a template is rendered against (order-select / order-sign context fields).
struct TemplateContext {
  std::string_view user_id;       // context.userId, "Practitioner/123"
  std::string_view patient_id;    // context.patientId
  std::string_view encounter_id;  // context.encounterId; empty when absent
  std::chrono::year_month_day today{};
};

struct TemplateError {
  enum class Kind {
    kMalformed,     // "{{" without "}}", empty token, bad today() arithmetic
    kUnknownToken,  // not a token of the grammar (e.g. {{context.foo}}, {{patient}})
    kNotAllowed,    // a context field that is not a prefetch token (draftOrders, selections)
    kUnresolved,    // a valid token with no value in this call (no encounterId, userId of
                    // another type than the user token asks for)
  };
  Kind kind = Kind::kMalformed;
  std::string token;    // the token as written, without braces, e.g. "context.encounterId"
  std::string message;  // for logs and OperationOutcomes: names the token, never a value
};

/// A rendered template: the relative URL, or why it cannot be built.
struct RenderedTemplate {
  std::string relative_url;
  std::optional<TemplateError> error;
  [[nodiscard]] bool ok() const noexcept { return !error.has_value(); }
};

[[nodiscard]] RenderedTemplate RenderPrefetchTemplate(std::string_view templ,
                                                      const TemplateContext& context);

/// Checks a template offered in discovery: CDS Hooks 2.0 allows only {{context.userId}},
/// {{context.patientId}}, {{context.encounterId}} and the four user tokens there (conformance
/// point 3; `today()` is a 3.0 ballot feature and not accepted here). nullopt = fine.
[[nodiscard]] std::optional<TemplateError> CheckDiscoveryTemplate(std::string_view templ);

/// Percent-encodes every byte except RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~).
[[nodiscard]] std::string PercentEncode(std::string_view value);

/// True when `templ` is an instance read ("Type/id", no query): the answer is that resource,
/// not a Bundle. `resource_type` receives "Type".
[[nodiscard]] bool IsReadTemplate(std::string_view templ, std::string* resource_type = nullptr);

}  // namespace cds::hooks
