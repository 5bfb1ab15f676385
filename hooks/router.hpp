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

#include "audit/store.hpp"
#include "hooks/auth/authenticator.hpp"
#include "hooks/auth/rate_limiter.hpp"
#include "hooks/config.hpp"
#include "hooks/hook_engine.hpp"
#include "hooks/hook_error.hpp"
#include "hooks/prefetch_resolver.hpp"
#include "hooks/service_metrics.hpp"
#include "hooks/services.hpp"

namespace cds::hooks {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

/// What the router learnt about a request, for the access log.
struct RequestInfo {
  std::string request_id;      // X-Request-Id if acceptable, else generated
  std::string service_id;      // empty unless a service or feedback route matched
  std::string hook_instance;   // empty unless a hook request parsed
  std::string error;           // ToString(HookError) when the answer is an error
  std::string error_detail;    // path: message (never a token or body)
  std::size_t cards = 0;       // cards returned by a service call
  std::string rules;           // comma-separated rule ids of those cards
  std::string iss;             // the authenticated issuer (never the token)
  std::string jti;             // the authenticated token's id
  Route route = Route::kNone;  // the route matched, for the metrics (never the raw path)
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

class AdminRoutes;

/// What the transport (hooks/server.cpp) needs from the application: the Router, or the
/// constant-reply handler of the transport baseline benchmark (bench/baseline_server.cpp).
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  /// See Router::Handle.
  virtual void Handle(HttpRequest&& request, const ConnectionInfo& connection, RequestInfo& info,
                      Respond respond) const = 0;
  /// The response for an error found by the transport (413, 431, 500).
  [[nodiscard]] virtual HttpResponse ErrorResponse(
      const Error& error, const boost::beast::http::request_header<>& request,
      const ConnectionInfo& connection, RequestInfo& info) const = 0;
  /// Draining: readiness fails and responses close their connection.
  virtual void SetDraining() noexcept = 0;
  /// One response was written with `status` (called where the session writes its access log
  /// line): counts it in the metrics, if any.
  virtual void Observe(const RequestInfo& /*info*/, unsigned /*status*/) const noexcept {}
};

class Router final : public RequestHandler {
 public:
  /// `engine` decides service calls; it must not be null. `prefetch` fetches prefetch keys the
  /// client did not fill; null = none is fetched (what the client sent is what the engine sees).
  /// `authenticator` checks the EHR's JWT on service and feedback calls (and discovery with
  /// auth.protect_discovery); null = authentication disabled (--insecure-no-auth), which
  /// /readyz reports as a warning.
  Router(const ServerConfig& config, ServiceCatalog catalog,
         std::shared_ptr<const HookEngine> engine,
         std::shared_ptr<const PrefetchResolver> prefetch = nullptr,
         std::shared_ptr<const auth::Authenticator> authenticator = nullptr);

  /// Handles one complete request and passes the response to `respond`. Steps that wait for
  /// I/O (prefetch fetches, key sets, the audit commit) complete asynchronously, on whichever
  /// thread finished the I/O; no thread blocks. `info` must stay valid until `respond` is
  /// called, and is not touched afterwards. Thread-safe; never throws for bad input (a bug may
  /// throw before `respond` is called, and the session answers 500 then). Sets keep-alive from
  /// the request.
  void Handle(HttpRequest&& request, const ConnectionInfo& connection, RequestInfo& info,
              Respond respond) const override;

  /// Blocking form of Handle for tests and tools: waits for the response.
  [[nodiscard]] HttpResponse HandleSync(HttpRequest&& request, const ConnectionInfo& connection,
                                        RequestInfo& info) const;

  /// The response for `error` to `request` (used by Handle and by the session for transport
  /// errors such as 413/431, where only the header may have been read).
  [[nodiscard]] HttpResponse ErrorResponse(const Error& error,
                                           const boost::beast::http::request_header<>& request,
                                           const ConnectionInfo& connection,
                                           RequestInfo& info) const override;

  /// Draining: /readyz answers 503 and responses close their connection.
  void SetDraining() noexcept override { draining_.store(true); }
  [[nodiscard]] bool draining() const noexcept { return draining_.load(); }

  [[nodiscard]] const ServiceCatalog& catalog() const noexcept { return catalog_; }

  void Observe(const RequestInfo& info, unsigned status) const noexcept override;

  /// The audit trail (issue 7): every service call (errors included) and every feedback item
  /// is committed to `sink` before its response is written; a failed commit answers 503. Null
  /// (the default): nothing is recorded. Call before the server starts.
  void SetAuditSink(std::shared_ptr<audit::AuditSink> sink) { audit_ = std::move(sink); }
  /// The /admin routes; null or without a credential: /admin answers 404. Call before the
  /// server starts.
  void SetAdminRoutes(std::shared_ptr<const AdminRoutes> admin) { admin_ = std::move(admin); }
  /// The metrics the router records and GET /metrics renders (behind the admin credential;
  /// without metrics or an admin credential, /metrics answers 404). Null (the default): none.
  /// Call before the server starts.
  void SetMetrics(std::shared_ptr<ServiceMetrics> metrics) { metrics_ = std::move(metrics); }
  [[nodiscard]] ServiceMetrics* metrics() const noexcept { return metrics_.get(); }

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
  void ApplyPrefetch(CallPtr call) const;
  void Evaluate(CallPtr call) const;
  void RecordCall(CallPtr call) const;
  void AnswerRecordedCall(CallPtr call) const;  // after the audit commit
  // Feedback steps (after Authenticate).
  void ParseFeedbackCall(CallPtr call) const;
  void RecordFeedback(CallPtr call) const;
  void AnswerRecordedFeedback(CallPtr call) const;  // after the audit commit
  HttpResponse Metrics(const HttpRequest& request, const ConnectionInfo& connection,
                       RequestInfo& info) const;
  // Observes the time since the call's last stage mark into `stage`, and moves the mark.
  void MarkStage(Call& call, Stage stage) const;
  // The audit commit latency of a record submitted at `submitted`.
  void ObserveCommit(const audit::CommitStatus& status,
                     std::chrono::steady_clock::time_point submitted) const;
  void Admin(HttpRequest&& request, const ConnectionInfo& connection, RequestInfo& info,
             Respond respond) const;
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
  std::shared_ptr<const PrefetchResolver> prefetch_;
  std::shared_ptr<const auth::Authenticator> authenticator_;
  bool protect_discovery_ = false;
  std::unique_ptr<auth::IssuerRateLimiter> rate_limiter_;
  std::optional<std::chrono::sys_seconds> fixed_now_;
  std::atomic<bool> draining_{false};
  std::vector<cards::Coding> override_reasons_;  // displays for feedback that omits them
  std::shared_ptr<audit::AuditSink> audit_;
  std::shared_ptr<const AdminRoutes> admin_;
  std::shared_ptr<ServiceMetrics> metrics_;
};

/// Accepts a client's X-Request-Id when it is 1-128 characters of [A-Za-z0-9._:-]; otherwise
/// returns a fresh random id.
[[nodiscard]] std::string RequestIdFor(std::string_view client_value);

}  // namespace cds::hooks
