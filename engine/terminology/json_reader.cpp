#include "engine/terminology/json_reader.hpp"

#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>

namespace cds::engine::json {

Value Value::Bool(bool b) {
  Value v;
  v.type_ = Type::kBool;
  v.bool_ = b;
  return v;
}

Value Value::Number(double d, std::string text) {
  Value v;
  v.type_ = Type::kNumber;
  v.number_ = d;
  v.string_ = std::move(text);
  return v;
}

Value Value::String(std::string s) {
  Value v;
  v.type_ = Type::kString;
  v.string_ = std::move(s);
  return v;
}

Value Value::MakeArray(Array a) {
  Value v;
  v.type_ = Type::kArray;
  v.array_ = std::make_shared<const Array>(std::move(a));
  return v;
}

Value Value::MakeObject(Object o) {
  Value v;
  v.type_ = Type::kObject;
  v.object_ = std::make_shared<const Object>(std::move(o));
  return v;
}

bool Value::as_bool() const noexcept {
  assert(is_bool());
  return bool_;
}

double Value::as_number() const noexcept {
  assert(is_number());
  return number_;
}

const std::string& Value::as_string() const noexcept {
  assert(is_string() || is_number());
  return string_;
}

const Array& Value::as_array() const noexcept {
  assert(is_array());
  static const Array kEmpty;
  return array_ ? *array_ : kEmpty;
}

const Object& Value::as_object() const noexcept {
  assert(is_object());
  static const Object kEmpty;
  return object_ ? *object_ : kEmpty;
}

const Value* Value::Find(std::string_view key) const noexcept {
  if (!is_object() || !object_) return nullptr;
  for (const auto& [k, v] : *object_) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string_view ToString(Value::Type type) noexcept {
  switch (type) {
    case Value::Type::kNull:
      return "null";
    case Value::Type::kBool:
      return "boolean";
    case Value::Type::kNumber:
      return "number";
    case Value::Type::kString:
      return "string";
    case Value::Type::kArray:
      return "array";
    case Value::Type::kObject:
      return "object";
  }
  return "?";
}

std::string ParseError::ToString() const {
  return "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + message;
}

namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  std::variant<Value, ParseError> Run() {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") Advance(3);
    SkipWhitespace();
    std::optional<Value> v = ParseValue(0);
    if (!v) return error_;
    SkipWhitespace();
    if (pos_ != text_.size()) {
      Fail("unexpected text after the document");
      return error_;
    }
    return std::move(*v);
  }

 private:
  [[nodiscard]] bool AtEnd() const { return pos_ >= text_.size(); }
  [[nodiscard]] char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }

  void Advance(std::size_t n = 1) {
    for (std::size_t i = 0; i < n && pos_ < text_.size(); ++i) {
      if (text_[pos_] == '\n') {
        ++line_;
        column_ = 1;
      } else if ((static_cast<unsigned char>(text_[pos_]) & 0xC0) != 0x80) {
        ++column_;  // count code points, not UTF-8 continuation bytes
      }
      ++pos_;
    }
  }

  void Fail(std::string message) {
    if (!failed_) {
      failed_ = true;
      error_ = ParseError{line_, column_, std::move(message)};
    }
  }

  void SkipWhitespace() {
    while (!AtEnd()) {
      char c = Peek();
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        Advance();
      } else {
        break;
      }
    }
  }

  static std::string Describe(char c) {
    if (c == '\0') return "end of input";
    if (static_cast<unsigned char>(c) < 0x20) return "a control character";
    return std::string("'") + c + "'";
  }

  std::optional<Value> ParseValue(std::size_t depth) {
    const std::size_t line = line_;
    const std::size_t column = column_;
    std::optional<Value> v;
    switch (Peek()) {
      case '{':
        v = ParseObject(depth);
        break;
      case '[':
        v = ParseArray(depth);
        break;
      case '"': {
        std::optional<std::string> s = ParseString();
        if (s) v = Value::String(std::move(*s));
        break;
      }
      case 't':
      case 'f':
      case 'n':
        v = ParseLiteral();
        break;
      default:
        if (Peek() == '-' || (Peek() >= '0' && Peek() <= '9')) {
          v = ParseNumber();
        } else {
          Fail("expected a value, found " + Describe(Peek()));
        }
    }
    if (v) v->set_position(line, column);
    return v;
  }

  std::optional<Value> ParseLiteral() {
    for (const auto& [word, value] :
         {std::pair<std::string_view, int>{"true", 1}, {"false", 0}, {"null", -1}}) {
      if (text_.substr(pos_, word.size()) == word) {
        Advance(word.size());
        if (value < 0) return Value::Null();
        return Value::Bool(value == 1);
      }
    }
    Fail("invalid literal");
    return std::nullopt;
  }

  std::optional<Value> ParseNumber() {
    const std::size_t start = pos_;
    if (Peek() == '-') Advance();
    if (Peek() == '0') {
      Advance();
    } else if (Peek() >= '1' && Peek() <= '9') {
      while (Peek() >= '0' && Peek() <= '9') Advance();
    } else {
      Fail("invalid number");
      return std::nullopt;
    }
    if (Peek() == '.') {
      Advance();
      if (!(Peek() >= '0' && Peek() <= '9')) {
        Fail("invalid number: digit expected after '.'");
        return std::nullopt;
      }
      while (Peek() >= '0' && Peek() <= '9') Advance();
    }
    if (Peek() == 'e' || Peek() == 'E') {
      Advance();
      if (Peek() == '+' || Peek() == '-') Advance();
      if (!(Peek() >= '0' && Peek() <= '9')) {
        Fail("invalid number: digit expected in exponent");
        return std::nullopt;
      }
      while (Peek() >= '0' && Peek() <= '9') Advance();
    }
    std::string number_text(text_.substr(start, pos_ - start));
    // strtod is locale-dependent for the decimal point; the "C" locale is the default in a
    // process that never calls setlocale, which the server does not.
    char* end = nullptr;
    const double d = std::strtod(number_text.c_str(), &end);
    if (!std::isfinite(d)) {
      Fail("number out of range");
      return std::nullopt;
    }
    return Value::Number(d, std::move(number_text));
  }

  // Parses 4 hex digits after "\u".
  std::optional<std::uint32_t> ParseHex4() {
    std::uint32_t cp = 0;
    for (int i = 0; i < 4; ++i) {
      char c = Peek();
      std::uint32_t d = 0;
      if (c >= '0' && c <= '9') {
        d = static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        d = static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        d = static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        Fail("invalid \\u escape");
        return std::nullopt;
      }
      cp = cp * 16 + d;
      Advance();
    }
    return cp;
  }

  static void AppendUtf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // Validates one UTF-8 sequence starting at pos_ and copies it.
  bool CopyUtf8(std::string& out) {
    const auto b0 = static_cast<unsigned char>(Peek());
    std::size_t len = 0;
    std::uint32_t min = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
      min = 0x80;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      min = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      min = 0x10000;
    } else {
      Fail("invalid UTF-8");
      return false;
    }
    if (pos_ + len > text_.size()) {
      Fail("truncated UTF-8");
      return false;
    }
    std::uint32_t cp = b0 & (0xFF >> (len + 1));
    for (std::size_t i = 1; i < len; ++i) {
      const auto b = static_cast<unsigned char>(text_[pos_ + i]);
      if ((b & 0xC0) != 0x80) {
        Fail("invalid UTF-8");
        return false;
      }
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      Fail("invalid UTF-8");
      return false;
    }
    out.append(text_.substr(pos_, len));
    Advance(len);
    return true;
  }

  std::optional<std::string> ParseString() {
    Advance();  // opening quote
    std::string out;
    while (true) {
      if (AtEnd()) {
        Fail("unterminated string");
        return std::nullopt;
      }
      const char c = Peek();
      if (c == '"') {
        Advance();
        return out;
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        Fail("control character in string");
        return std::nullopt;
      }
      if (c == '\\') {
        Advance();
        const char e = Peek();
        switch (e) {
          case '"':
          case '\\':
          case '/':
            out += e;
            Advance();
            break;
          case 'b':
            out += '\b';
            Advance();
            break;
          case 'f':
            out += '\f';
            Advance();
            break;
          case 'n':
            out += '\n';
            Advance();
            break;
          case 'r':
            out += '\r';
            Advance();
            break;
          case 't':
            out += '\t';
            Advance();
            break;
          case 'u': {
            Advance();
            std::optional<std::uint32_t> cp = ParseHex4();
            if (!cp) return std::nullopt;
            if (*cp >= 0xD800 && *cp <= 0xDBFF) {
              if (text_.substr(pos_, 2) != "\\u") {
                Fail("unpaired surrogate in \\u escape");
                return std::nullopt;
              }
              Advance(2);
              std::optional<std::uint32_t> low = ParseHex4();
              if (!low) return std::nullopt;
              if (*low < 0xDC00 || *low > 0xDFFF) {
                Fail("invalid low surrogate in \\u escape");
                return std::nullopt;
              }
              *cp = 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
            } else if (*cp >= 0xDC00 && *cp <= 0xDFFF) {
              Fail("unpaired surrogate in \\u escape");
              return std::nullopt;
            }
            AppendUtf8(out, *cp);
            break;
          }
          default:
            Fail("invalid escape");
            return std::nullopt;
        }
        continue;
      }
      if (static_cast<unsigned char>(c) >= 0x80) {
        if (!CopyUtf8(out)) return std::nullopt;
        continue;
      }
      out += c;
      Advance();
    }
  }

  std::optional<Value> ParseArray(std::size_t depth) {
    if (depth + 1 > kMaxDepth) {
      Fail("nesting deeper than " + std::to_string(kMaxDepth));
      return std::nullopt;
    }
    Advance();  // '['
    Array items;
    SkipWhitespace();
    if (Peek() == ']') {
      Advance();
      return Value::MakeArray(std::move(items));
    }
    while (true) {
      SkipWhitespace();
      std::optional<Value> item = ParseValue(depth + 1);
      if (!item) return std::nullopt;
      items.push_back(std::move(*item));
      SkipWhitespace();
      if (Peek() == ',') {
        Advance();
        SkipWhitespace();
        if (Peek() == ']') {
          Fail("trailing comma in array");
          return std::nullopt;
        }
        continue;
      }
      if (Peek() == ']') {
        Advance();
        return Value::MakeArray(std::move(items));
      }
      Fail("expected ',' or ']', found " + Describe(Peek()));
      return std::nullopt;
    }
  }

  std::optional<Value> ParseObject(std::size_t depth) {
    if (depth + 1 > kMaxDepth) {
      Fail("nesting deeper than " + std::to_string(kMaxDepth));
      return std::nullopt;
    }
    Advance();  // '{'
    Object members;
    SkipWhitespace();
    if (Peek() == '}') {
      Advance();
      return Value::MakeObject(std::move(members));
    }
    while (true) {
      SkipWhitespace();
      if (Peek() != '"') {
        Fail("expected a member name in double quotes, found " + Describe(Peek()));
        return std::nullopt;
      }
      const std::size_t key_line = line_;
      const std::size_t key_column = column_;
      std::optional<std::string> key = ParseString();
      if (!key) return std::nullopt;
      for (const auto& [k, unused] : members) {
        if (k == *key) {
          failed_ = true;
          error_ = ParseError{key_line, key_column, "duplicate member \"" + *key + "\""};
          return std::nullopt;
        }
      }
      SkipWhitespace();
      if (Peek() != ':') {
        Fail("expected ':' after member name, found " + Describe(Peek()));
        return std::nullopt;
      }
      Advance();
      SkipWhitespace();
      std::optional<Value> value = ParseValue(depth + 1);
      if (!value) return std::nullopt;
      members.emplace_back(std::move(*key), std::move(*value));
      SkipWhitespace();
      if (Peek() == ',') {
        Advance();
        SkipWhitespace();
        if (Peek() == '}') {
          Fail("trailing comma in object");
          return std::nullopt;
        }
        continue;
      }
      if (Peek() == '}') {
        Advance();
        return Value::MakeObject(std::move(members));
      }
      Fail("expected ',' or '}', found " + Describe(Peek()));
      return std::nullopt;
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::size_t column_ = 1;
  bool failed_ = false;
  ParseError error_;
};

}  // namespace

std::variant<Value, ParseError> Parse(std::string_view text) { return Parser(text).Run(); }

}  // namespace cds::engine::json
