// Routing and request handling, separate from transport: an HTTP request in, an HTTP response
// out, no sockets (Beast's handle_request seam). The session (server.cpp) owns all I/O.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hooks/auth/authenticator.hpp"
#include "hooks/auth/rate_limiter.hpp"
#include "hooks/config.hpp"
#include "hooks/hook_engine.hpp"
#include "hooks/hook_error.hpp"
#include "hooks/services.hpp"

namespace cds::hooks {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

/// What the router learnt about a request, for the access log.
struct RequestInfo {
  std::string request_id;     // X-Request-Id if acceptable, else generated
  std::string service_id;     // empty unless a service or feedback route matched
  std::string hook_instance;  // empty unless a hook request parsed
  std::string error;          // ToString(HookError) when the answer is an error
  std::string error_detail;   // path: message (never a token or body)
  std::size_t cards = 0;      // cards returned by a service call
  std::string rules;          // comma-separated rule ids of those cards
  std::string iss;            // the authenticated issuer (never the token)
  std::string jti;            // the authenticated token's id
};

/// Per-connection facts the router needs.
struct ConnectionInfo {
  bool secure = true;                 // arrived over TLS (HSTS is only sent then)
  std::string peer;                   // client address, for per-client limits and logs
  bool client_cert_verified = false;  // mTLS: the peer presented a certificate the CA verified
};

/// Receives the one response to a request. Called exactly once, on any thread, possibly
/// before Handle returns.
using Respond = std::function<void(HttpResponse)>;

class Router {
 public:
  /// `engine` decides service calls; it must not be null. `authenticator` checks the EHR's
  /// JWT on service and feedback calls (and discovery with auth.protect_discovery); null =
  /// authentication disabled (--insecure-no-auth), which /readyz reports as a warning.
  Router(const ServerConfig& config, ServiceCatalog catalog,
         std::shared_ptr<const HookEngine> engine,
         std::shared_ptr<const auth::Authenticator> authenticator = nullptr);

  /// Handles one complete request and passes the response to `respond`. Steps that wait for
  /// I/O (prefetch fetches, key sets, the audit commit) complete asynchronously, on whichever
  /// thread finished the I/O; no thread blocks. `info` must stay valid until `respond` is
  /// called, and is not touched afterwards. Thread-safe; never throws for bad input (a bug may
  /// throw before `respond` is called, and the session answers 500 then). Sets keep-alive from
  /// the request.
  void Handle(HttpRequest&& request, const ConnectionInfo& connection, RequestInfo& info,
              Respond respond) const;

  /// Blocking form of Handle for tests and tools: waits for the response.
  [[nodiscard]] HttpResponse HandleSync(HttpRequest&& request, const ConnectionInfo& connection,
                                        RequestInfo& info) const;

  /// The response for `error` to `request` (used by Handle and by the session for transport
  /// errors such as 413/431, where only the header may have been read).
  [[nodiscard]] HttpResponse ErrorResponse(const Error& error,
                                           const boost::beast::http::request_header<>& request,
                                           const ConnectionInfo& connection,
                                           RequestInfo& info) const;

  /// Draining: /readyz answers 503 and responses close their connection.
  void SetDraining() noexcept { draining_.store(true); }
  [[nodiscard]] bool draining() const noexcept { return draining_.load(); }

  [[nodiscard]] const ServiceCatalog& catalog() const noexcept { return catalog_; }

 private:
  struct Call;  // one POST to a service or its feedback route, carried through async steps
  using CallPtr = std::shared_ptr<Call>;

  HttpResponse Discovery(const HttpRequest& request) const;
  // Service call steps, in order; each either fails the call or passes it to the next.
  void Authenticate(CallPtr call) const;
  void Authorized(CallPtr call) const;     // rate limit, then the route's own steps
  void DiscoveryCall(CallPtr call) const;  // protected discovery, after Authenticate
  void ParseServiceCall(CallPtr call) const;
  void ResolvePrefetch(CallPtr call) const;
  void Evaluate(CallPtr call) const;
  void RecordCall(CallPtr call) const;
  // Feedback steps (after Authenticate).
  void ParseFeedbackCall(CallPtr call) const;
  // Runs a step of `call`, from Handle or from an asynchronous completion: a bug that throws
  // answers 500 (if nothing was answered yet) instead of ending the process.
  void Resume(CallPtr call, void (Router::*step)(CallPtr) const) const;
  // Ends a call: the success response, or the error response for `error`.
  void Complete(const CallPtr& call, HttpResponse response) const;
  void Fail(const CallPtr& call, const Error& error) const;
  HttpResponse Health(const HttpRequest& request, bool readiness) const;
  HttpResponse Preflight(const HttpRequest& request) const;
  void Finish(const boost::beast::http::request_header<>& request, const ConnectionInfo& connection,
              const RequestInfo& info, HttpResponse& response) const;

  CorsConfig cors_;
  bool cors_any_origin_ = true;
  ServiceCatalog catalog_;
  std::shared_ptr<const HookEngine> engine_;
  std::shared_ptr<const auth::Authenticator> authenticator_;
  bool protect_discovery_ = false;
  std::unique_ptr<auth::IssuerRateLimiter> rate_limiter_;
  std::optional<std::chrono::sys_seconds> fixed_now_;
  std::atomic<bool> draining_{false};
};

/// Accepts a client's X-Request-Id when it is 1-128 characters of [A-Za-z0-9._:-]; otherwise
/// returns a fresh random id.
[[nodiscard]] std::string RequestIdFor(std::string_view client_value);

}  // namespace cds::hooks
