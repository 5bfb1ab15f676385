// Internal to fhir/: JSON -> resource views (fhir/resources.hpp), one resource at a time.
// Medication references are resolved here against contained Medications only; the entry
// points in fhir/json_parse.cpp resolve the rest (Bundle, external catalog).
#pragma once

#include <optional>
#include <string_view>

#include "fhir/internal/json_reader.hpp"
#include "fhir/resources.hpp"

namespace cds::fhir::internal {

/// The outcome of ParseResourceOfType.
struct TypedParse {
  bool known_type = false;           ///< False: `resource_type` is not modelled here.
  std::optional<Resource> resource;  ///< Empty when unknown or rejected.
};

/// Parses `json` (precondition: an object) as the resource type `resource_type` (its
/// `resourceType` member, already read by the caller). "MedicationOrder" yields a
/// MedicationRequest. "Bundle" is not handled here (known_type = false).
[[nodiscard]] TypedParse ParseResourceOfType(Context& ctx, const Json& json, const Path& path,
                                             std::string_view resource_type);

}  // namespace cds::fhir::internal
