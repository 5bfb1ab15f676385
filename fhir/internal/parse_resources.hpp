// Internal to fhir/: JSON -> resource views (fhir/resources.hpp), one resource at a time.
// Medication references are resolved here against contained Medications only; the entry
// points in fhir/json_parse.cpp resolve the rest (Bundle, external catalog).
#pragma once

#include <string_view>

#include "fhir/internal/json_reader.hpp"
#include "fhir/resources.hpp"

namespace cds::fhir::internal {

/// The outcome of ParseResourceOfType.
enum class TypedParse {
  kUnknownType,  ///< `resource_type` is not modelled here; `out` is untouched.
  kRejected,     ///< A required element is missing or invalid; `out` holds a partial view.
  kParsed,       ///< `out` holds the view.
};

/// Parses `json` (precondition: an object) as the resource type `resource_type` (its
/// `resourceType` member, already read by the caller) into `out`, which is replaced by a view
/// of that type (built in place: no copy of the view). "MedicationOrder" yields a
/// MedicationRequest. "Bundle" is not handled here (kUnknownType).
[[nodiscard]] TypedParse ParseResourceOfType(Context& ctx, const Json& json, const Path& path,
                                             std::string_view resource_type, Resource& out);

}  // namespace cds::fhir::internal
