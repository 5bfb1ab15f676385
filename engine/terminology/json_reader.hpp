// A small, strict JSON reader for the terminology data files (the engine may not link RapidJSON).
// RFC 8259 only: no comments, no trailing commas, no NaN/Infinity, no duplicate object keys, UTF-8
// input, nesting limited to kMaxDepth. Errors carry a 1-based line and column. Not for untrusted
// request bodies (fhir/ parses those); the data files are ours.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace cds::engine::json {

class Value;
using Array = std::vector<Value>;
/// Members in document order (keys are unique: duplicates are a parse error).
using Object = std::vector<std::pair<std::string, Value>>;

/// A parsed JSON value. Numbers are kept as double plus their source text.
class Value {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  Value() = default;
  static Value Null() { return Value(); }
  static Value Bool(bool b);
  static Value Number(double d, std::string text);
  static Value String(std::string s);
  static Value MakeArray(Array a);
  static Value MakeObject(Object o);

  [[nodiscard]] Type type() const noexcept { return type_; }
  [[nodiscard]] bool is_null() const noexcept { return type_ == Type::kNull; }
  [[nodiscard]] bool is_bool() const noexcept { return type_ == Type::kBool; }
  [[nodiscard]] bool is_number() const noexcept { return type_ == Type::kNumber; }
  [[nodiscard]] bool is_string() const noexcept { return type_ == Type::kString; }
  [[nodiscard]] bool is_array() const noexcept { return type_ == Type::kArray; }
  [[nodiscard]] bool is_object() const noexcept { return type_ == Type::kObject; }

  /// Accessors; precondition: the matching type (checked with assert in debug builds).
  [[nodiscard]] bool as_bool() const noexcept;
  [[nodiscard]] double as_number() const noexcept;
  [[nodiscard]] const std::string& as_string() const noexcept;  // string or number text
  [[nodiscard]] const Array& as_array() const noexcept;
  [[nodiscard]] const Object& as_object() const noexcept;

  /// Object member lookup; nullptr when absent or when this is not an object.
  [[nodiscard]] const Value* Find(std::string_view key) const noexcept;

  /// 1-based position of the value's first character in the source.
  [[nodiscard]] std::size_t line() const noexcept { return line_; }
  [[nodiscard]] std::size_t column() const noexcept { return column_; }
  void set_position(std::size_t line, std::size_t column) noexcept {
    line_ = line;
    column_ = column;
  }

 private:
  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;  // string value or number text
  std::shared_ptr<const Array> array_;
  std::shared_ptr<const Object> object_;
  std::size_t line_ = 0;
  std::size_t column_ = 0;
};

[[nodiscard]] std::string_view ToString(Value::Type type) noexcept;

struct ParseError {
  std::size_t line = 0;
  std::size_t column = 0;
  std::string message;

  /// "line 3, column 14: expected ',' or '}'".
  [[nodiscard]] std::string ToString() const;
};

inline constexpr std::size_t kMaxDepth = 64;

/// Parses a whole document (one value, optional surrounding whitespace, optional UTF-8 BOM).
[[nodiscard]] std::variant<Value, ParseError> Parse(std::string_view text);

}  // namespace cds::engine::json
