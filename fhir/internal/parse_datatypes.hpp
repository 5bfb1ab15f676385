// Internal to fhir/: JSON -> general-purpose data types (fhir/datatypes.hpp).
//
// Every `ParseX(ctx, json, path)` has the precondition json.IsObject() (ReadObject/ReadArray
// check it) and reports issues at paths below `path`. Those returning std::optional reject the
// element (nullopt) when it would otherwise be misread, e.g. a Quantity with an unknown
// comparator: dropping only the comparator would turn ">=16" into "16".
#pragma once

#include <optional>

#include "fhir/datatypes.hpp"
#include "fhir/internal/json_reader.hpp"

namespace cds::fhir::internal {

/// Which release's element names a Dosage is read with.
enum class Release { kR4, kDstu2 };

[[nodiscard]] Coding ParseCoding(Context& ctx, const Json& json, const Path& path);
[[nodiscard]] CodeableConcept ParseCodeableConcept(Context& ctx, const Json& json,
                                                   const Path& path);
[[nodiscard]] std::optional<Quantity> ParseQuantity(Context& ctx, const Json& json,
                                                    const Path& path);
/// ParseQuantity into `quantity` (default-constructed); false when the quantity is rejected.
[[nodiscard]] bool ParseQuantityInto(Context& ctx, const Json& json, const Path& path,
                                     Quantity& quantity);
[[nodiscard]] Reference ParseReference(Context& ctx, const Json& json, const Path& path);
[[nodiscard]] Period ParsePeriod(Context& ctx, const Json& json, const Path& path);
[[nodiscard]] Ratio ParseRatio(Context& ctx, const Json& json, const Path& path);
[[nodiscard]] Range ParseRange(Context& ctx, const Json& json, const Path& path);
[[nodiscard]] Timing ParseTiming(Context& ctx, const Json& json, const Path& path, Release release);
[[nodiscard]] Dosage ParseDosage(Context& ctx, const Json& json, const Path& path, Release release);

/// Shorthands for optional single elements; absent or invalid -> empty value.
[[nodiscard]] CodeableConcept ReadConcept(Context& ctx, Field field, const Path& object_path);
[[nodiscard]] Reference ReadReference(Context& ctx, Field field, const Path& object_path);
[[nodiscard]] std::optional<Quantity> ReadQuantity(Context& ctx, Field field,
                                                   const Path& object_path);
[[nodiscard]] std::vector<CodeableConcept> ReadConcepts(Context& ctx, Field field,
                                                        const Path& object_path);
[[nodiscard]] std::vector<Reference> ReadReferences(Context& ctx, Field field,
                                                    const Path& object_path);

/// Reads the time choice element `prefix[x]` (e.g. "effective" -> effectiveDateTime,
/// effectivePeriod and, when `allow_instant`, effectiveInstant) in one pass over the members.
/// Other types (onsetAge, onsetString, ...) are ignored silently. More than one usable choice
/// -> warning; the first in document order is used.
[[nodiscard]] TimeChoice ReadTimeChoice(Context& ctx, const Json& object, const Path& object_path,
                                        std::string_view prefix, bool allow_instant = false);

}  // namespace cds::fhir::internal
