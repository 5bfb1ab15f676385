#include "fhir/issue.hpp"

#include <algorithm>

namespace cds::fhir {

std::string_view ToString(Severity severity) noexcept {
  switch (severity) {
    case Severity::kFatal:
      return "fatal";
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
  }
  return "error";
}

bool HasErrors(const Issues& issues) noexcept {
  return std::any_of(issues.begin(), issues.end(),
                     [](const Issue& i) { return i.severity != Severity::kWarning; });
}

}  // namespace cds::fhir
