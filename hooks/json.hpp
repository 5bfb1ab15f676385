// JSON at the edge: a bounded parser for request bodies and typed member access that reports
// the element path of whatever is wrong. Only hooks/ (and fhir/, cards/) see RapidJSON.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "hooks/hook_error.hpp"

namespace cds::hooks {

/// Deepest nesting accepted in a request body. FHIR resources inside a hook request nest about
/// 15 levels deep; anything far deeper is an attack on the parser's memory, not data.
inline constexpr std::size_t kMaxJsonDepth = 64;

/// Parses `text` in place (RapidJSON insitu: strings of the document point into `text`, which
/// must outlive `doc` and must not be modified while `doc` is used), with
/// fhir::ParseJsonTextInSitu. Recursion is bounded by the depth limit (at most 64 levels; a
/// larger limit parses iteratively); rejects invalid UTF-8 anywhere in the text, NaN/Infinity,
/// NUL bytes (the insitu reader would stop at one and ignore the rest), trailing content and
/// nesting deeper than `max_depth`. On failure returns a kMalformedJson error naming the byte
/// offset; `doc` is then unspecified.
[[nodiscard]] std::optional<Error> ParseJsonInPlace(std::string& text, rapidjson::Document& doc,
                                                    std::size_t max_depth = kMaxJsonDepth);

/// Appends ".key" (or "key" when `base` is empty) to a path.
[[nodiscard]] std::string JoinPath(std::string_view base, std::string_view key);
/// Appends "[index]" to a path.
[[nodiscard]] std::string IndexPath(std::string_view base, std::size_t index);

/// Name of a JSON type for messages: "object", "array", "string", "number", "boolean", "null".
[[nodiscard]] std::string_view JsonTypeName(const rapidjson::Value& v) noexcept;

/// Typed access to the members of one JSON object with error paths. Errors name the member's
/// full path (`base.member`). Strings are returned as views into the document.
class ObjectReader {
 public:
  ObjectReader(const rapidjson::Value& object, std::string_view path)
      : object_(object), path_(path) {}

  [[nodiscard]] const rapidjson::Value* Find(std::string_view key) const;
  [[nodiscard]] std::string Path(std::string_view key) const { return JoinPath(path_, key); }

  /// Required, non-empty string.
  [[nodiscard]] Result<std::string_view> RequiredString(std::string_view key) const;
  /// Optional string: nullopt when absent; an error when present but not a non-empty string.
  [[nodiscard]] Result<std::optional<std::string_view>> OptionalString(std::string_view key) const;
  /// Required JSON object.
  [[nodiscard]] Result<const rapidjson::Value*> RequiredObject(std::string_view key) const;
  /// Optional JSON object (nullptr when absent).
  [[nodiscard]] Result<const rapidjson::Value*> OptionalObject(std::string_view key) const;
  /// Optional JSON array (nullptr when absent).
  [[nodiscard]] Result<const rapidjson::Value*> OptionalArray(std::string_view key) const;

 private:
  const rapidjson::Value& object_;
  std::string_view path_;
};

[[nodiscard]] Error WrongType(std::string path, std::string_view expected,
                              const rapidjson::Value& got);
[[nodiscard]] Error Missing(std::string path);

}  // namespace cds::hooks
