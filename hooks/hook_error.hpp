// The one error type of the protocol layer, and the one place where errors become HTTP
// statuses and FHIR OperationOutcome bodies (userver's HandlerErrorCode pattern).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace cds::hooks {

/// Every way a request can fail, client errors first.
/// When adding a value, update ToHttpStatus() and ToIssueType() in hook_error.cpp: those two
/// functions are the complete mapping to HTTP and to FHIR issue types.
enum class HookError {
  kMalformedHttp,         // 400: the HTTP message itself is broken
  kMalformedJson,         // 400: body is not JSON
  kWrongType,             // 400: an element has the wrong JSON type
  kMissingField,          // 400: a required element is absent
  kInvalidValue,          // 400: an element has a value the spec does not allow
  kInvariant,             // 400: a rule across elements is broken (e.g. cds-r-1)
  kUnauthorized,          // 401: authentication failed (no detail is ever sent)
  kForbidden,             // 403
  kNotFound,              // 404: unknown path or service id
  kMethodNotAllowed,      // 405 (+ Allow)
  kPreconditionFailed,    // 412: required prefetch data cannot be had
  kPayloadTooLarge,       // 413
  kUnsupportedMediaType,  // 415
  kTooManyRequests,       // 429
  kHeadersTooLarge,       // 431
  kInternal,              // 500: reveals nothing
  kUnavailable,           // 503: draining or a store is down
};

/// An error with the element it concerns. `message` goes to the client; `internal` only to
/// the log (it may name internals, never a token).
struct Error {
  HookError code = HookError::kInternal;
  std::string path;      // e.g. "context.draftOrders.entry[2].resource.resourceType"; may be empty
  std::string message;   // external diagnostics
  std::string internal;  // log-only detail

  friend bool operator==(const Error&, const Error&) = default;
};

[[nodiscard]] int ToHttpStatus(HookError code) noexcept;
/// FHIR R4 IssueType code (http://hl7.org/fhir/issue-type) for the OperationOutcome.
[[nodiscard]] std::string_view ToIssueType(HookError code) noexcept;
/// Stable machine-readable name used in logs and metrics, e.g. "malformed_json".
[[nodiscard]] std::string_view ToString(HookError code) noexcept;

/// The OperationOutcome body for an error. 401 and 500 bodies carry a fixed text only, whatever
/// `message` says, so that no reason or internal detail can leak.
[[nodiscard]] std::string RenderOperationOutcome(const Error& error);

/// A value or an Error. (C++20 has no std::expected.)
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  [[nodiscard]] T& value() & { return std::get<0>(v_); }
  [[nodiscard]] const T& value() const& { return std::get<0>(v_); }
  [[nodiscard]] T&& value() && { return std::get<0>(std::move(v_)); }
  [[nodiscard]] const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace cds::hooks
