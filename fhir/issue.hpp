// Parse issues reported by the FHIR layer: a severity and the element path it concerns.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cds::fhir {

/// How bad a parse issue is (google/fhir's ErrorHandler levels).
/// - kFatal: the input cannot be parsed at all, or our code failed; no output can be trusted.
/// - kError: the data breaks a rule of FHIR or CDS Hooks, but the parser worked.
/// - kWarning: the data is odd but still usable (a tolerated quirk, an ignored element).
enum class Severity { kFatal, kError, kWarning };

[[nodiscard]] std::string_view ToString(Severity severity) noexcept;

/// One issue with the element it concerns, as a JSON-style path from the root of the
/// document that was parsed, e.g. `context.draftOrders.entry[2].resource.resourceType`.
struct Issue {
  Severity severity = Severity::kError;
  std::string path;
  std::string message;

  friend bool operator==(const Issue&, const Issue&) = default;
};

using Issues = std::vector<Issue>;

/// True when any issue is fatal or an error.
[[nodiscard]] bool HasErrors(const Issues& issues) noexcept;

}  // namespace cds::fhir
