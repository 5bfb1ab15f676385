// Internal to fhir/: the building blocks of the JSON -> view parsers. Not installed, not
// included outside fhir/*.cpp.
//
// Element paths are built lazily: a Path is a chain of stack nodes (parent pointer + name or
// index) that is only rendered to a string when an issue is reported, so a clean parse
// allocates nothing for paths.
//
// A parser finds the members it reads in one pass over the object: `Members<kFields> m(json)`
// files each member under its index in a compile-time FieldSet, then `m["code"]` (checked at
// compile time) is a Field that the readers below take.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
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

/// Whether `a` and `b` hold the same bytes. For the short names and codes the parsers compare:
/// 8 bytes at a time and inline, where std::string_view's == calls memcmp.
[[nodiscard]] inline bool SameBytes(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  const char* p = a.data();
  const char* q = b.data();
  std::size_t n = a.size();
  for (; n >= 8; n -= 8, p += 8, q += 8) {
    std::uint64_t x;
    std::uint64_t y;
    std::memcpy(&x, p, sizeof x);
    std::memcpy(&y, q, sizeof y);
    if (x != y) return false;
  }
  for (; n > 0; --n, ++p, ++q) {
    if (*p != *q) return false;
  }
  return true;
}

/// The member names an object parser reads, with a collision-free hash table built at compile
/// time, so that one pass over an object's members finds every element the parser wants
/// (instead of one FindMember per element: strlen plus a linear scan of the members each).
/// Built by MakeFields; a name list whose names cannot be told apart by the hash key (length,
/// first, middle and last character) does not compile.
template <std::size_t N>
class FieldSet {
 public:
  static_assert(N > 0 && N < 32, "at most 31 fields per object type");

  consteval explicit FieldSet(const std::array<std::string_view, N>& names) : names_(names) {
    for (std::size_t i = 0; i < N; ++i) {
      if (names_[i].empty()) throw "a field name must not be empty";
      for (std::size_t j = 0; j < i; ++j) {
        if (Key(names_[i]) == Key(names_[j])) throw "two field names share a hash key";
      }
    }
    std::uint32_t multiplier = 0x9E3779B1u;
    for (int attempt = 0; attempt < 10'000; ++attempt, multiplier += 2) {
      std::array<std::uint8_t, kSlots> table{};
      bool collision = false;
      for (std::size_t i = 0; i < N && !collision; ++i) {
        std::uint8_t& slot = table[Slot(Key(names_[i]), multiplier)];
        collision = slot != 0;
        slot = static_cast<std::uint8_t>(i + 1);
      }
      if (!collision) {
        multiplier_ = multiplier;
        table_ = table;
        return;
      }
    }
    throw "no collision-free hash table for these field names";
  }

  [[nodiscard]] static constexpr std::size_t size() noexcept { return N; }
  [[nodiscard]] constexpr std::string_view name(std::size_t index) const noexcept {
    return names_[index];
  }
  /// The index of `name`; not a constant expression (compile error) when it is not in the set.
  [[nodiscard]] consteval std::size_t IndexOf(std::string_view name) const {
    for (std::size_t i = 0; i < N; ++i) {
      if (names_[i] == name) return i;
    }
    throw "not a field of this FieldSet";
  }
  /// The index of `name`, or N when it is not in the set.
  [[nodiscard]] std::size_t Find(std::string_view name) const noexcept {
    if (name.empty()) return N;
    const std::uint8_t entry = table_[Slot(Key(name), multiplier_)];
    if (entry == 0) return N;
    const std::size_t index = entry - 1u;
    return SameBytes(names_[index], name) ? index : N;
  }

 private:
  static constexpr unsigned kSlotBits = 7;
  static constexpr std::size_t kSlots = std::size_t{1} << kSlotBits;

  static constexpr std::uint32_t Key(std::string_view name) noexcept {
    const auto at = [name](std::size_t i) {
      return static_cast<std::uint32_t>(static_cast<unsigned char>(name[i]));
    };
    return static_cast<std::uint32_t>(name.size()) ^ (at(0) << 8) ^ (at(name.size() / 2) << 16) ^
           (at(name.size() - 1) << 24);
  }
  static constexpr std::size_t Slot(std::uint32_t key, std::uint32_t multiplier) noexcept {
    return static_cast<std::size_t>((key * multiplier) >> (32 - kSlotBits));
  }

  std::array<std::string_view, N> names_;
  std::array<std::uint8_t, kSlots> table_{};
  std::uint32_t multiplier_ = 0;
};

/// A FieldSet of the given names: `constexpr auto kFields = MakeFields("system", "code");`.
template <typename... Names>
consteval auto MakeFields(const Names&... names) {
  return FieldSet<sizeof...(Names)>(std::array<std::string_view, sizeof...(Names)>{names...});
}

/// One element of an object as a parser sees it: its value (which may be a JSON null) or
/// nullptr when the object has no such member, and its name (static storage, for paths).
struct Field {
  const Json* value = nullptr;
  std::string_view name;
};

/// The members of one object named in `kFields`, found in one pass over the object. A name
/// given twice reads as its first occurrence, as FindMember does. `members["code"]` is checked
/// at compile time against `kFields`.
template <const auto& kFields>
class Members {
  static constexpr std::size_t kSize = std::remove_cvref_t<decltype(kFields)>::size();

 public:
  /// A field name, resolved to its index at compile time.
  class Key {
   public:
    // NOLINTNEXTLINE(google-explicit-constructor): written as members["code"].
    consteval Key(const char* name) : index_(kFields.IndexOf(name)) {}

   private:
    friend class Members;
    std::size_t index_;
  };

  /// Precondition: object.IsObject().
  explicit Members(const Json& object) noexcept {
    for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
      const std::size_t index = kFields.Find({it->name.GetString(), it->name.GetStringLength()});
      if (index < kSize && values_[index] == nullptr) values_[index] = &it->value;
    }
  }

  [[nodiscard]] Field operator[](Key key) const noexcept {
    return {values_[key.index_], kFields.name(key.index_)};
  }
  /// Whether the member is present, JSON null included (as rapidjson's HasMember).
  [[nodiscard]] bool Has(Key key) const noexcept { return values_[key.index_] != nullptr; }

 private:
  std::array<const Json*, kSize> values_{};
};

/// The member `name` of `object` by FindMember, for one-off reads. Precondition:
/// object.IsObject(); `name` must outlive the result (a literal).
[[nodiscard]] Field FindField(const Json& object, std::string_view name);

/// Reports the warning for a JSON null element at `path`.
void ReportNull(Context& ctx, const Path& path);

/// The value of `field`, or nullptr when absent. A JSON null counts as absent and is reported
/// as a warning.
[[nodiscard]] inline const Json* Member(Context& ctx, Field field, const Path& object_path) {
  if (field.value == nullptr) return nullptr;
  if (field.value->IsNull()) {
    ReportNull(ctx, object_path.Field(field.name));
    return nullptr;
  }
  return field.value;
}

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
    if (name.size() <= prefix.size() || !SameBytes(name.substr(0, prefix.size()), prefix)) {
      continue;
    }
    const std::string_view type = name.substr(prefix.size());
    if (type.front() < 'A' || type.front() > 'Z' || it->value.IsNull()) continue;
    fn(name, type, it->value);
  }
}

// Member readers: absent -> empty/nullopt silently; wrong type or invalid value -> error
// issue at object_path.name and empty/nullopt.
[[nodiscard]] std::string ReadString(Context& ctx, Field field, const Path& object_path);
[[nodiscard]] std::optional<bool> ReadBool(Context& ctx, Field field, const Path& object_path);
/// An integer (see Int64From) that fits in int.
[[nodiscard]] std::optional<int> ReadInt(Context& ctx, Field field, const Path& object_path);
[[nodiscard]] std::optional<std::int64_t> ReadInt64(Context& ctx, Field field,
                                                    const Path& object_path);
[[nodiscard]] std::optional<double> ReadDecimal(Context& ctx, Field field, const Path& object_path);
[[nodiscard]] std::optional<DateTime> ReadDateTime(Context& ctx, Field field,
                                                   const Path& object_path,
                                                   DateKind kind = DateKind::kDateTime);
/// An array of strings; non-string items are reported and skipped.
[[nodiscard]] std::vector<std::string> ReadStringArray(Context& ctx, Field field,
                                                       const Path& object_path);

/// A required code: missing -> error "required"; not in `allowed` (when non-empty) -> error.
/// Returns nullopt in both cases, so the caller rejects the resource.
[[nodiscard]] std::optional<std::string> ReadRequiredCode(
    Context& ctx, Field field, const Path& object_path, std::span<const std::string_view> allowed);

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

/// Reads the complex element `field` with `parse`; absent -> nullopt silently.
/// An array where a single object is expected is a tolerated quirk: its first item is used,
/// with a warning.
template <typename Fn>
std::optional<ParsedType<Fn>> ReadObject(Context& ctx, Field field, const Path& object_path,
                                         Fn&& parse) {
  const Json* value = Member(ctx, field, object_path);
  if (value == nullptr) return std::nullopt;
  const Path path = object_path.Field(field.name);
  if (value->IsArray() && !value->Empty()) {
    ctx.Warning(path, "expected a single object, got an array; its first item is used");
    const Path item_path = path.Index(0);
    return ParseObjectValue(ctx, (*value)[0], item_path, parse);
  }
  return ParseObjectValue(ctx, *value, path, parse);
}

/// Converts to what `make()` returns by calling it: passed to emplace_back, the result is
/// built in the vector's storage (guaranteed copy elision) instead of being moved there.
template <typename Make>
struct Deferred {
  Make make;
  // NOLINTNEXTLINE(google-explicit-constructor): the conversion is the point.
  operator std::invoke_result_t<Make&>() { return make(); }
};
template <typename Make>
Deferred(Make) -> Deferred<Make>;

/// Appends `parse(ctx, value, path)` to `out` when `value` is an object and the parse does not
/// reject it; a non-object is reported and skipped.
template <typename T, typename Fn>
void AppendParsed(Context& ctx, const Json& value, const Path& path, Fn& parse,
                  std::vector<T>& out) {
  if (!value.IsObject()) {
    WrongType(ctx, path, "an object", value);
    return;
  }
  if constexpr (std::is_same_v<std::remove_cvref_t<
                                   std::invoke_result_t<Fn&, Context&, const Json&, const Path&>>,
                               T>) {
    out.emplace_back(Deferred{[&] { return parse(ctx, value, path); }});
  } else if (auto item = parse(ctx, value, path)) {
    out.push_back(std::move(*item));
  }
}

/// Reads the repeating complex element `field`; absent -> empty. A single object where an
/// array is expected is a tolerated quirk (category, reasonCode, doseAndRate from the
/// sandbox): it is read as a one-item array, with a warning. Rejected items are dropped.
template <typename Fn>
std::vector<ParsedType<Fn>> ReadArray(Context& ctx, Field field, const Path& object_path,
                                      Fn&& parse) {
  std::vector<ParsedType<Fn>> out;
  const Json* value = Member(ctx, field, object_path);
  if (value == nullptr) return out;
  const Path path = object_path.Field(field.name);
  if (value->IsObject()) {
    ctx.Warning(path, "expected an array, got a single object; read as a one-item array");
    AppendParsed(ctx, *value, path, parse, out);
    return out;
  }
  if (!value->IsArray()) {
    WrongType(ctx, path, "an array", *value);
    return out;
  }
  out.reserve(value->Size());
  for (rapidjson::SizeType i = 0; i < value->Size(); ++i) {
    const Path item_path = path.Index(i);
    AppendParsed(ctx, (*value)[i], item_path, parse, out);
  }
  return out;
}

}  // namespace cds::fhir::internal
