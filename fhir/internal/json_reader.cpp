#include "fhir/internal/json_reader.hpp"

#include <cmath>
#include <limits>

namespace cds::fhir::internal {

void Path::AppendTo(std::string& out) const {
  if (parent_ != nullptr) parent_->AppendTo(out);
  if (is_index_) {
    out += '[';
    out += std::to_string(index_);
    out += ']';
    return;
  }
  if (name_.empty()) return;
  if (!out.empty()) out += '.';
  out += name_;
}

std::string Path::ToString() const {
  std::string out;
  AppendTo(out);
  return out;
}

void Context::Report(Severity severity, const Path& path, std::string message) {
  issues_.push_back(Issue{severity, path.ToString(), std::move(message)});
}

std::string_view JsonTypeName(const Json& value) noexcept {
  switch (value.GetType()) {
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
  return "unknown";
}

std::string_view StringOf(const Json& value) noexcept {
  return {value.GetString(), value.GetStringLength()};
}

Field FindField(const Json& object, std::string_view name) {
  const auto it = object.FindMember(
      Json(rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()))));
  return {it == object.MemberEnd() ? nullptr : &it->value, name};
}

void ReportNull(Context& ctx, const Path& path) {
  ctx.Warning(path, "null is not a valid FHIR value; ignored");
}

void WrongType(Context& ctx, const Path& path, std::string_view expected, const Json& got) {
  std::string message = "expected ";
  message += expected;
  message += ", got ";
  message += JsonTypeName(got);
  message += "; element ignored";
  ctx.Error(path, std::move(message));
}

std::optional<std::string> StringFrom(Context& ctx, const Json& value, const Path& path) {
  if (!value.IsString()) {
    WrongType(ctx, path, "a string", value);
    return std::nullopt;
  }
  return std::string(StringOf(value));
}

std::optional<bool> BoolFrom(Context& ctx, const Json& value, const Path& path) {
  if (!value.IsBool()) {
    WrongType(ctx, path, "a boolean", value);
    return std::nullopt;
  }
  return value.GetBool();
}

std::optional<std::int64_t> Int64From(Context& ctx, const Json& value, const Path& path) {
  if (value.IsInt64()) return value.GetInt64();
  if (value.IsDouble()) {
    const double d = value.GetDouble();
    constexpr double kLimit = 9007199254740992.0;  // 2^53: every integer below is exact.
    if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) <= kLimit) {
      return static_cast<std::int64_t>(d);
    }
  }
  WrongType(ctx, path, "an integer", value);
  return std::nullopt;
}

std::optional<double> DecimalFrom(Context& ctx, const Json& value, const Path& path) {
  if (!value.IsNumber()) {
    WrongType(ctx, path, "a number", value);
    return std::nullopt;
  }
  const double d = value.GetDouble();
  if (!std::isfinite(d)) {
    ctx.Error(path, "number out of range; element ignored");
    return std::nullopt;
  }
  return d;
}

std::optional<DateTime> DateTimeFrom(Context& ctx, const Json& value, const Path& path,
                                     DateKind kind) {
  if (!value.IsString()) {
    WrongType(ctx, path, "a date/time string", value);
    return std::nullopt;
  }
  DateParseResult parsed = ParseDateTime(StringOf(value), kind, ctx.options().default_utc_offset);
  if (!parsed.value) {
    ctx.Error(path, std::move(parsed.error) + "; element ignored");
    return std::nullopt;
  }
  if (!parsed.warning.empty()) ctx.Warning(path, std::move(parsed.warning));
  return std::move(parsed.value);
}

std::string ReadString(Context& ctx, Field field, const Path& object_path) {
  const Json* value = Member(ctx, field, object_path);
  if (value == nullptr) return {};
  if (!value->IsString()) {
    WrongType(ctx, object_path.Field(field.name), "a string", *value);
    return {};
  }
  return std::string(value->GetString(), value->GetStringLength());
}

std::optional<bool> ReadBool(Context& ctx, Field field, const Path& object_path) {
  const Json* value = Member(ctx, field, object_path);
  if (value == nullptr) return std::nullopt;
  return BoolFrom(ctx, *value, object_path.Field(field.name));
}

std::optional<std::int64_t> ReadInt64(Context& ctx, Field field, const Path& object_path) {
  const Json* value = Member(ctx, field, object_path);
  if (value == nullptr) return std::nullopt;
  return Int64From(ctx, *value, object_path.Field(field.name));
}

std::optional<int> ReadInt(Context& ctx, Field field, const Path& object_path) {
  const std::optional<std::int64_t> value = ReadInt64(ctx, field, object_path);
  if (!value) return std::nullopt;
  if (*value < std::numeric_limits<int>::min() || *value > std::numeric_limits<int>::max()) {
    ctx.Error(object_path.Field(field.name), "integer out of range; element ignored");
    return std::nullopt;
  }
  return static_cast<int>(*value);
}

std::optional<double> ReadDecimal(Context& ctx, Field field, const Path& object_path) {
  const Json* value = Member(ctx, field, object_path);
  if (value == nullptr) return std::nullopt;
  return DecimalFrom(ctx, *value, object_path.Field(field.name));
}

std::optional<DateTime> ReadDateTime(Context& ctx, Field field, const Path& object_path,
                                     DateKind kind) {
  const Json* value = Member(ctx, field, object_path);
  if (value == nullptr) return std::nullopt;
  return DateTimeFrom(ctx, *value, object_path.Field(field.name), kind);
}

std::vector<std::string> ReadStringArray(Context& ctx, Field field, const Path& object_path) {
  std::vector<std::string> out;
  const Json* value = Member(ctx, field, object_path);
  if (value == nullptr) return out;
  const Path path = object_path.Field(field.name);
  if (value->IsString()) {
    ctx.Warning(path, "expected an array, got a single string; read as a one-item array");
    out.emplace_back(StringOf(*value));
    return out;
  }
  if (!value->IsArray()) {
    WrongType(ctx, path, "an array of strings", *value);
    return out;
  }
  for (rapidjson::SizeType i = 0; i < value->Size(); ++i) {
    const Json& item = (*value)[i];
    if (item.IsString()) {
      out.emplace_back(StringOf(item));
    } else {
      WrongType(ctx, path.Index(i), "a string", item);
    }
  }
  return out;
}

std::string QuotedMessage(std::string_view value, std::size_t max_chars, std::string_view tail) {
  std::string message;
  message.reserve(max_chars + tail.size() + 2);
  message += '\'';
  message.append(value.substr(0, max_chars));
  message += '\'';
  message.append(tail);
  return message;
}

bool IsOneOf(std::string_view code, std::span<const std::string_view> allowed) noexcept {
  for (std::string_view candidate : allowed) {
    if (code == candidate) return true;
  }
  return false;
}

std::optional<std::string> ReadRequiredCode(Context& ctx, Field field, const Path& object_path,
                                            std::span<const std::string_view> allowed) {
  const Json* value = Member(ctx, field, object_path);
  const Path path = object_path.Field(field.name);
  if (value == nullptr) {
    ctx.Error(path, "required element is missing; resource rejected");
    return std::nullopt;
  }
  if (!value->IsString()) {
    WrongType(ctx, path, "a code string", *value);
    ctx.Error(path, "required element is invalid; resource rejected");
    return std::nullopt;
  }
  const std::string_view code = StringOf(*value);
  if (allowed.size() > 0 && !IsOneOf(code, allowed)) {
    ctx.Error(path, QuotedMessage(code, code.size(), " is not a valid code; resource rejected"));
    return std::nullopt;
  }
  return std::string(code);
}

}  // namespace cds::fhir::internal
