#include "hooks/json.hpp"

#include "fhir/json_parse.hpp"

namespace cds::hooks {

std::optional<Error> ParseJsonInPlace(std::string& text, rapidjson::Document& doc,
                                      std::size_t max_depth) {
  const std::optional<fhir::JsonTextError> failure =
      fhir::ParseJsonTextInSitu(text, doc, max_depth);
  if (!failure) return std::nullopt;
  Error error{HookError::kMalformedJson, "", "", ""};
  if (failure->kind == fhir::JsonTextError::Kind::kTooDeep) {
    error.message = "JSON nesting deeper than " + std::to_string(max_depth) + " levels";
  } else {
    error.message = "invalid JSON at byte offset " + std::to_string(failure->offset) + ": ";
    error.message.append(failure->message);
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
