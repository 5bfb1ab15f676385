#include "hooks/json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

namespace cds::hooks {
namespace {

// Forwards SAX events to the document while counting nesting depth, so that a body of
// sixteen million '[' cannot make the parser allocate without bound.
class DepthLimitedHandler {
 public:
  DepthLimitedHandler(rapidjson::Document& doc, std::size_t max_depth)
      : doc_(doc), max_depth_(max_depth) {}

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(int64_t i) { return doc_.Int64(i); }
  bool Uint64(uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    return doc_.RawNumber(s, n, copy);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return doc_.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return doc_.Key(s, n, copy); }
  bool StartObject() { return Enter() && doc_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) {
    --depth_;
    return doc_.EndObject(n);
  }
  bool StartArray() { return Enter() && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) {
    --depth_;
    return doc_.EndArray(n);
  }

  [[nodiscard]] bool too_deep() const noexcept { return too_deep_; }

 private:
  bool Enter() {
    if (++depth_ > max_depth_) {
      too_deep_ = true;
      return false;
    }
    return true;
  }

  rapidjson::Document& doc_;
  std::size_t max_depth_;
  std::size_t depth_ = 0;
  bool too_deep_ = false;
};

constexpr unsigned kParseFlags = rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag |
                                 rapidjson::kParseValidateEncodingFlag;

}  // namespace

std::optional<Error> ParseJsonInPlace(std::string& text, rapidjson::Document& doc,
                                      std::size_t max_depth) {
  if (const std::size_t nul = text.find('\0'); nul != std::string::npos) {
    return Error{HookError::kMalformedJson, "",
                 "invalid JSON at byte offset " + std::to_string(nul) + ": NUL byte.", ""};
  }
  rapidjson::InsituStringStream stream(text.data());
  rapidjson::Reader reader;
  rapidjson::ParseResult result;
  bool too_deep = false;
  auto generator = [&](rapidjson::Document& target) {
    DepthLimitedHandler handler(target, max_depth);
    result = reader.Parse<kParseFlags>(stream, handler);
    too_deep = handler.too_deep();
    return !result.IsError();
  };
  doc.Populate(generator);
  if (!result.IsError()) return std::nullopt;
  Error error{HookError::kMalformedJson, "", "", ""};
  if (too_deep) {
    error.message = "JSON nesting deeper than " + std::to_string(max_depth) + " levels";
  } else {
    error.message = std::string("invalid JSON at byte offset ") + std::to_string(result.Offset()) +
                    ": " + rapidjson::GetParseError_En(result.Code());
  }
  return error;
}

std::string JoinPath(std::string_view base, std::string_view key) {
  std::string path;
  path.reserve(base.size() + key.size() + 1);
  path.append(base);
  if (!base.empty()) path.push_back('.');
  path.append(key);
  return path;
}

std::string IndexPath(std::string_view base, std::size_t index) {
  std::string path(base);
  path.push_back('[');
  path.append(std::to_string(index));
  path.push_back(']');
  return path;
}

std::string_view JsonTypeName(const rapidjson::Value& v) noexcept {
  switch (v.GetType()) {
    case rapidjson::kNullType:
      return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return "boolean";
    case rapidjson::kObjectType:
      return "object";
    case rapidjson::kArrayType:
      return "array";
    case rapidjson::kStringType:
      return "string";
    case rapidjson::kNumberType:
      return "number";
  }
  return "value";
}

Error WrongType(std::string path, std::string_view expected, const rapidjson::Value& got) {
  std::string message = "expected ";
  message.append(expected).append(", got ").append(JsonTypeName(got));
  return Error{HookError::kWrongType, std::move(path), std::move(message), ""};
}

Error Missing(std::string path) {
  return Error{HookError::kMissingField, std::move(path), "required element is missing", ""};
}

const rapidjson::Value* ObjectReader::Find(std::string_view key) const {
  const auto it = object_.FindMember(
      rapidjson::Value(key.data(), static_cast<rapidjson::SizeType>(key.size())));
  return it == object_.MemberEnd() ? nullptr : &it->value;
}

Result<std::optional<std::string_view>> ObjectReader::OptionalString(std::string_view key) const {
  const rapidjson::Value* v = Find(key);
  if (v == nullptr) return std::optional<std::string_view>();
  if (!v->IsString()) return WrongType(Path(key), "string", *v);
  if (v->GetStringLength() == 0) {
    return Error{HookError::kInvalidValue, Path(key), "must not be an empty string", ""};
  }
  return std::optional<std::string_view>(std::string_view(v->GetString(), v->GetStringLength()));
}

Result<std::string_view> ObjectReader::RequiredString(std::string_view key) const {
  auto s = OptionalString(key);
  if (!s) return s.error();
  if (!s.value()) return Missing(Path(key));
  return *s.value();
}

Result<const rapidjson::Value*> ObjectReader::OptionalObject(std::string_view key) const {
  const rapidjson::Value* v = Find(key);
  if (v == nullptr) return static_cast<const rapidjson::Value*>(nullptr);
  if (!v->IsObject()) return WrongType(Path(key), "object", *v);
  return v;
}

Result<const rapidjson::Value*> ObjectReader::RequiredObject(std::string_view key) const {
  auto o = OptionalObject(key);
  if (!o) return o.error();
  if (o.value() == nullptr) return Missing(Path(key));
  return o.value();
}

Result<const rapidjson::Value*> ObjectReader::OptionalArray(std::string_view key) const {
  const rapidjson::Value* v = Find(key);
  if (v == nullptr) return static_cast<const rapidjson::Value*>(nullptr);
  if (!v->IsArray()) return WrongType(Path(key), "array", *v);
  return v;
}

}  // namespace cds::hooks
