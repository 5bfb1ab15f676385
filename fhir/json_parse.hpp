// FHIR JSON -> typed views (fhir/resources.hpp). For hooks/ only: this header exposes
// RapidJSON; engine/ must include fhir/resources.hpp instead.
//
// Error policy (google/fhir's ErrorHandler levels, see fhir/issue.hpp):
// - A JSON value of the wrong type (a string where an object is expected, ...) or an invalid
//   value (bad date, unknown comparator) is an kError at its element path; the element is
//   ignored and parsing continues.
// - A missing or invalid element the view requires (Observation.code, MedicationRequest.status,
//   ...) is an kError and the resource is rejected (`value` is empty).
// - Tolerated real-world quirks (doseAndRate or category given as an object, Bundle without
//   type, dateTime without timezone, ...) are kWarning.
// - Unknown elements are ignored silently.
// - Unreadable JSON text (string overloads only) is kFatal.
// Nothing here throws on bad input. Recursion depth is bounded by the FHIR structure this
// layer models (nested Bundles and contained resources inside contained ones are not entered),
// not by the input.
//
// Paths: every issue's path is `base_path` followed by the JSON element path, e.g. with
// base_path "prefetch.labs" -> "prefetch.labs.entry[3].resource.valueQuantity.value". An empty
// base_path yields paths relative to the resource ("valueQuantity.value").
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "fhir/issue.hpp"
#include "fhir/resources.hpp"

namespace cds::fhir {

/// Inputs of a parse that do not come from the JSON itself.
struct ParseOptions {
  /// Offset applied to dates and dateTimes that carry no timezone (google/fhir's
  /// default_timezone). Never derived from the machine's clock or locale.
  std::chrono::minutes default_utc_offset{0};
  /// Extra Medications (e.g. a prefetched Medication search) that medicationReferences may
  /// point to, after contained resources and the same Bundle. Not owned; may be null; must
  /// outlive the call.
  const MedicationCatalog* external_medications = nullptr;
};

/// A parsed view, or nothing when the input was rejected, plus every issue found.
/// `value` may be present together with kError issues (elements that were ignored); the
/// caller picks the policy (e.g. `HasErrors(issues)` to be strict).
template <typename T>
struct ParseResult {
  std::optional<T> value;
  Issues issues;

  [[nodiscard]] bool ok() const noexcept { return value.has_value(); }
};

/// Parses one resource, dispatching on `resourceType` (MedicationOrder -> MedicationRequest).
/// An unknown resourceType is a kWarning and yields no value; a missing or non-string one is
/// a kError. A Bundle is rejected with a kError: use ParseBundle.
[[nodiscard]] ParseResult<Resource> ParseResource(const rapidjson::Value& json,
                                                  std::string_view base_path,
                                                  const ParseOptions& options = {});

/// Parses one resource that must be of type T (one of the Resource alternatives); any other
/// resourceType is a kError. T = MedicationRequest also accepts a DSTU2 MedicationOrder.
/// medicationReference is resolved against contained Medications and
/// `options.external_medications`.
template <typename T>
[[nodiscard]] ParseResult<T> ParseResourceAs(const rapidjson::Value& json,
                                             std::string_view base_path,
                                             const ParseOptions& options = {});

/// Parses a Bundle. Each entry is parsed on its own; an entry whose resource is rejected,
/// of an unknown type, or missing is skipped (recorded in Bundle::skipped) and all of its
/// issues are downgraded to kWarning, so one bad resource never fails the Bundle. Issues of
/// kept entries are downgraded as well. medicationReferences are resolved against contained
/// Medications, then the Bundle's Medication entries, then `options.external_medications`;
/// one still unresolved is a kWarning. Missing `type` is a kWarning.
/// `value` is empty only when `json` is not a Bundle object.
[[nodiscard]] ParseResult<Bundle> ParseBundle(const rapidjson::Value& json,
                                              std::string_view base_path,
                                              const ParseOptions& options = {});

/// Convenience overloads over JSON text (tests, tools). Text that is not valid JSON yields a
/// kFatal issue at `base_path` naming the byte offset. Any nesting depth is accepted, and the
/// parse never recurses more than 64 levels deep (deeper text is parsed iteratively).
[[nodiscard]] ParseResult<Resource> ParseResource(std::string_view json_text,
                                                  std::string_view base_path = {},
                                                  const ParseOptions& options = {});
[[nodiscard]] ParseResult<Bundle> ParseBundle(std::string_view json_text,
                                              std::string_view base_path = {},
                                              const ParseOptions& options = {});

/// Why ParseJsonTextInSitu did not accept a text.
struct JsonTextError {
  enum class Kind {
    kInvalidEncoding,  ///< A byte that is not well-formed UTF-8 (anywhere in the text).
    kNulByte,          ///< A NUL byte, which would end an in-situ parse early.
    kTooDeep,          ///< Arrays and objects nested deeper than the limit.
    kSyntax,           ///< Anything else RapidJSON rejects (its message).
  };
  Kind kind;
  std::size_t offset;        ///< Byte offset of the problem (0 for kTooDeep).
  std::string_view message;  ///< RapidJSON's English message, "NUL byte." or empty (kTooDeep).

  friend bool operator==(const JsonTextError&, const JsonTextError&) = default;
};

/// Parses `text` in situ into `doc`, for request bodies and FHIR server answers that hooks/
/// keeps as a DOM: strings of `doc` point into `text`, which must outlive `doc` and must not
/// be modified while it is used. The same fast path as the text overloads above: encoding
/// and NUL bytes are checked up front 16 bytes at a time, and the string and whitespace scans
/// read 16 bytes at a time (text gets 16 NUL bytes appended for the parse and is resized back
/// afterwards, so its capacity grows). Rejects NaN/Infinity, trailing
/// content, and nesting deeper than `max_depth`; never recurses more than 64 levels deep
/// (a larger `max_depth` is parsed iteratively). On failure `doc` is unspecified.
[[nodiscard]] std::optional<JsonTextError> ParseJsonTextInSitu(std::string& text,
                                                               rapidjson::Document& doc,
                                                               std::size_t max_depth);

}  // namespace cds::fhir
