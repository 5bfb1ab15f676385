// Internal to fhir/: the building blocks of the JSON -> view parsers. Not installed, not
// included outside fhir/*.cpp.
//
// Element paths are built lazily: a Path is a chain of stack nodes (parent pointer + name or
// index) that is only rendered to a string when an issue is reported, so a clean parse
// allocates nothing for paths.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include "fhir/dates.hpp"
#include "fhir/issue.hpp"
#include "fhir/json_parse.hpp"

namespace cds::fhir::internal {

using Json = rapidjson::Value;

/// One element of an element path. The parent and the name must outlive this node; build
/// children only as named locals or as arguments of the call that uses them.
class Path {
 public:
  explicit Path(std::string_view root) noexcept : name_(root) {}
  Path(const Path& parent, std::string_view name) noexcept : parent_(&parent), name_(name) {}
  Path(const Path& parent, std::size_t index) noexcept
      : parent_(&parent), index_(index), is_index_(true) {}

  [[nodiscard]] Path Field(std::string_view name) const noexcept { return Path(*this, name); }
  [[nodiscard]] Path Index(std::size_t index) const noexcept { return Path(*this, index); }
  /// "a.b[2].c"; the root name may be empty.
  [[nodiscard]] std::string ToString() const;

 private:
  void AppendTo(std::string& out) const;

  const Path* parent_ = nullptr;
  std::string_view name_;
  std::size_t index_ = 0;
  bool is_index_ = false;
};

/// Collects issues for one parse and carries its options.
class Context {
 public:
  Context(Issues& issues, const ParseOptions& options) noexcept
      : issues_(issues), options_(options) {}

  void Report(Severity severity, const Path& path, std::string message);
  void Error(const Path& path, std::string message) {
    Report(Severity::kError, path, std::move(message));
  }
  void Warning(const Path& path, std::string message) {
    Report(Severity::kWarning, path, std::move(message));
  }
  [[nodiscard]] const ParseOptions& options() const noexcept { return options_; }
  [[nodiscard]] Issues& issues() noexcept { return issues_; }

 private:
  Issues& issues_;
  const ParseOptions& options_;
};

/// "object", "array", "string", "number", "boolean" or "null".
[[nodiscard]] std::string_view JsonTypeName(const Json& value) noexcept;
/// The string's bytes (which may contain NULs). Precondition: value.IsString().
[[nodiscard]] std::string_view StringOf(const Json& value) noexcept;

/// The member `name` of `object`, or nullptr when absent. A JSON null member counts as
/// absent and is reported as a warning. Precondition: object.IsObject().
[[nodiscard]] const Json* Member(Context& ctx, const Json& object, const char* name,
                                 const Path& object_path);

/// Reports "expected <what>, got <type>" at `path`.
void WrongType(Context& ctx, const Path& path, std::string_view expected, const Json& got);

// Value readers: `value` is the element itself. Wrong type or invalid value -> error issue at
// `path` and nullopt.
[[nodiscard]] std::optional<std::string> StringFrom(Context& ctx, const Json& value,
                                                    const Path& path);
[[nodiscard]] std::optional<bool> BoolFrom(Context& ctx, const Json& value, const Path& path);
/// A JSON integer, or an integral decimal such as 2.0 (a common serializer artefact).
[[nodiscard]] std::optional<std::int64_t> Int64From(Context& ctx, const Json& value,
                                                    const Path& path);
[[nodiscard]] std::optional<double> DecimalFrom(Context& ctx, const Json& value, const Path& path);
/// Also reports the tolerated deviations of ParseDateTime as warnings.
[[nodiscard]] std::optional<DateTime> DateTimeFrom(Context& ctx, const Json& value,
                                                   const Path& path, DateKind kind);

/// Calls `fn(name, type, value)` for each member of `object` that is a choice element
/// `prefix[x]` (name = prefix + a type starting with an upper-case letter, e.g. "valueQuantity"
/// -> type "Quantity"), in document order, in one pass over the members. JSON nulls are skipped.
template <typename Fn>
void ForEachChoice(const Json& object, std::string_view prefix, Fn&& fn) {
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    const std::string_view name = StringOf(it->name);
    if (name.size() <= prefix.size() || !name.starts_with(prefix)) continue;
    const std::string_view type = name.substr(prefix.size());
    if (type.front() < 'A' || type.front() > 'Z' || it->value.IsNull()) continue;
    fn(name, type, it->value);
  }
}

// Member readers: absent -> empty/nullopt silently; wrong type or invalid value -> error
// issue at object_path.name and empty/nullopt.
[[nodiscard]] std::string ReadString(Context& ctx, const Json& object, const char* name,
                                     const Path& object_path);
[[nodiscard]] std::optional<bool> ReadBool(Context& ctx, const Json& object, const char* name,
                                           const Path& object_path);
/// An integer (see Int64From) that fits in int.
[[nodiscard]] std::optional<int> ReadInt(Context& ctx, const Json& object, const char* name,
                                         const Path& object_path);
[[nodiscard]] std::optional<std::int64_t> ReadInt64(Context& ctx, const Json& object,
                                                    const char* name, const Path& object_path);
[[nodiscard]] std::optional<double> ReadDecimal(Context& ctx, const Json& object, const char* name,
                                                const Path& object_path);
[[nodiscard]] std::optional<DateTime> ReadDateTime(Context& ctx, const Json& object,
                                                   const char* name, const Path& object_path,
                                                   DateKind kind = DateKind::kDateTime);
/// An array of strings; non-string items are reported and skipped.
[[nodiscard]] std::vector<std::string> ReadStringArray(Context& ctx, const Json& object,
                                                       const char* name, const Path& object_path);

/// A required code: missing -> error "required"; not in `allowed` (when non-empty) -> error.
/// Returns nullopt in both cases, so the caller rejects the resource.
[[nodiscard]] std::optional<std::string> ReadRequiredCode(
    Context& ctx, const Json& object, const char* name, const Path& object_path,
    std::span<const std::string_view> allowed);

/// "'<value, at most max_chars>'<tail>". (Built by appends: GCC 12 at -O2/-O3 reports a false
/// -Wrestrict on "'" + std::string(...), which -Werror turns into a build failure.)
[[nodiscard]] std::string QuotedMessage(std::string_view value, std::size_t max_chars,
                                        std::string_view tail);

[[nodiscard]] bool IsOneOf(std::string_view code,
                           std::span<const std::string_view> allowed) noexcept;

template <typename R>
struct UnwrapOptional {
  using type = R;
};
template <typename T>
struct UnwrapOptional<std::optional<T>> {
  using type = T;
};

/// The element type a parse function yields: T for `T f(...)` and for `optional<T> f(...)`.
template <typename Fn>
using ParsedType = typename UnwrapOptional<
    std::remove_cvref_t<std::invoke_result_t<Fn&, Context&, const Json&, const Path&>>>::type;

/// Applies `parse(ctx, value, path)` to an object value; a non-object is reported and skipped.
/// `parse` returns T or optional<T> (nullopt = rejected, issues already reported).
template <typename Fn>
std::optional<ParsedType<Fn>> ParseObjectValue(Context& ctx, const Json& value, const Path& path,
                                               Fn&& parse) {
  if (!value.IsObject()) {
    WrongType(ctx, path, "an object", value);
    return std::nullopt;
  }
  return parse(ctx, value, path);
}

/// Reads the complex element `name` of `object` with `parse`; absent -> nullopt silently.
/// An array where a single object is expected is a tolerated quirk: its first item is used,
/// with a warning.
template <typename Fn>
std::optional<ParsedType<Fn>> ReadObject(Context& ctx, const Json& object, const char* name,
                                         const Path& object_path, Fn&& parse) {
  const Json* value = Member(ctx, object, name, object_path);
  if (value == nullptr) return std::nullopt;
  const Path path = object_path.Field(name);
  if (value->IsArray() && !value->Empty()) {
    ctx.Warning(path, "expected a single object, got an array; its first item is used");
    const Path item_path = path.Index(0);
    return ParseObjectValue(ctx, (*value)[0], item_path, parse);
  }
  return ParseObjectValue(ctx, *value, path, parse);
}

/// Reads the repeating complex element `name`; absent -> empty. A single object where an
/// array is expected is a tolerated quirk (category, reasonCode, doseAndRate from the
/// sandbox): it is read as a one-item array, with a warning. Rejected items are dropped.
template <typename Fn>
std::vector<ParsedType<Fn>> ReadArray(Context& ctx, const Json& object, const char* name,
                                      const Path& object_path, Fn&& parse) {
  std::vector<ParsedType<Fn>> out;
  const Json* value = Member(ctx, object, name, object_path);
  if (value == nullptr) return out;
  const Path path = object_path.Field(name);
  if (value->IsObject()) {
    ctx.Warning(path, "expected an array, got a single object; read as a one-item array");
    if (auto item = ParseObjectValue(ctx, *value, path, parse)) out.push_back(std::move(*item));
    return out;
  }
  if (!value->IsArray()) {
    WrongType(ctx, path, "an array", *value);
    return out;
  }
  out.reserve(value->Size());
  for (rapidjson::SizeType i = 0; i < value->Size(); ++i) {
    const Path item_path = path.Index(i);
    if (auto item = ParseObjectValue(ctx, (*value)[i], item_path, parse)) {
      out.push_back(std::move(*item));
    }
  }
  return out;
}

}  // namespace cds::fhir::internal
