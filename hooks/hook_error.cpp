#include "hooks/hook_error.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace cds::hooks {

int ToHttpStatus(HookError code) noexcept {
  switch (code) {
    case HookError::kMalformedHttp:
    case HookError::kMalformedJson:
    case HookError::kWrongType:
    case HookError::kMissingField:
    case HookError::kInvalidValue:
    case HookError::kInvariant:
      return 400;
    case HookError::kUnauthorized:
      return 401;
    case HookError::kForbidden:
      return 403;
    case HookError::kNotFound:
      return 404;
    case HookError::kMethodNotAllowed:
      return 405;
    case HookError::kPreconditionFailed:
      return 412;
    case HookError::kPayloadTooLarge:
      return 413;
    case HookError::kUnsupportedMediaType:
      return 415;
    case HookError::kTooManyRequests:
      return 429;
    case HookError::kHeadersTooLarge:
      return 431;
    case HookError::kInternal:
      return 500;
    case HookError::kUnavailable:
      return 503;
  }
  return 500;
}

std::string_view ToIssueType(HookError code) noexcept {
  switch (code) {
    case HookError::kMalformedHttp:
    case HookError::kMalformedJson:
    case HookError::kWrongType:
      return "structure";
    case HookError::kMissingField:
      return "required";
    case HookError::kInvalidValue:
      return "value";
    case HookError::kInvariant:
      return "invariant";
    case HookError::kUnauthorized:
      return "login";
    case HookError::kForbidden:
      return "forbidden";
    case HookError::kNotFound:
      return "not-found";
    case HookError::kMethodNotAllowed:
    case HookError::kUnsupportedMediaType:
      return "not-supported";
    case HookError::kPreconditionFailed:
      return "incomplete";
    case HookError::kPayloadTooLarge:
    case HookError::kHeadersTooLarge:
      return "too-long";
    case HookError::kTooManyRequests:
      return "throttled";
    case HookError::kInternal:
      return "exception";
    case HookError::kUnavailable:
      return "transient";
  }
  return "exception";
}

std::string_view ToString(HookError code) noexcept {
  switch (code) {
    case HookError::kMalformedHttp:
      return "malformed_http";
    case HookError::kMalformedJson:
      return "malformed_json";
    case HookError::kWrongType:
      return "wrong_type";
    case HookError::kMissingField:
      return "missing_field";
    case HookError::kInvalidValue:
      return "invalid_value";
    case HookError::kInvariant:
      return "invariant";
    case HookError::kUnauthorized:
      return "unauthorized";
    case HookError::kForbidden:
      return "forbidden";
    case HookError::kNotFound:
      return "not_found";
    case HookError::kMethodNotAllowed:
      return "method_not_allowed";
    case HookError::kPreconditionFailed:
      return "precondition_failed";
    case HookError::kPayloadTooLarge:
      return "payload_too_large";
    case HookError::kUnsupportedMediaType:
      return "unsupported_media_type";
    case HookError::kTooManyRequests:
      return "too_many_requests";
    case HookError::kHeadersTooLarge:
      return "headers_too_large";
    case HookError::kInternal:
      return "internal";
    case HookError::kUnavailable:
      return "unavailable";
  }
  return "internal";
}

std::string RenderOperationOutcome(const Error& error) {
  std::string_view diagnostics = error.message;
  std::string_view path = error.path;
  if (error.code == HookError::kUnauthorized) {
    diagnostics = "Authentication failed.";
    path = {};
  } else if (error.code == HookError::kInternal) {
    diagnostics = "Internal server error.";
    path = {};
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  const auto str = [&w](std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  w.StartObject();
  w.Key("resourceType");
  w.String("OperationOutcome");
  w.Key("issue");
  w.StartArray();
  w.StartObject();
  w.Key("severity");
  w.String("error");
  w.Key("code");
  str(ToIssueType(error.code));
  if (!diagnostics.empty()) {
    w.Key("diagnostics");
    if (path.empty()) {
      str(diagnostics);
    } else {
      std::string text;
      text.reserve(path.size() + diagnostics.size() + 2);
      text.append(path).append(": ").append(diagnostics);
      str(text);
    }
  }
  if (!path.empty()) {
    w.Key("expression");
    w.StartArray();
    str(path);
    w.EndArray();
  }
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace cds::hooks
