#include "hooks/router.hpp"

#include <algorithm>
#include <atomic>
#include <boost/beast/http/rfc7230.hpp>
#include <cctype>
#include <ctime>
#include <future>
#include <random>
#include <utility>

#include "hooks/admin.hpp"
#include "hooks/audit_record.hpp"
#include "hooks/feedback.hpp"
#include "hooks/hook_request.hpp"
#include "hooks/log.hpp"

namespace cds::hooks {

namespace http = boost::beast::http;

namespace {

constexpr std::string_view kServicesPrefix = "/cds-services";
constexpr std::string_view kAllowedMethods = "GET, POST, OPTIONS";
constexpr std::string_view kAllowedHeaders = "Authorization, Content-Type, Accept, X-Request-Id";

using RouteKind = Route;

struct RouteMatch {
  RouteKind kind = RouteKind::kNone;
  std::string_view service_id;
};

RouteMatch MatchRoute(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == "/healthz") return {RouteKind::kHealth, {}};
  if (path == "/readyz") return {RouteKind::kReady, {}};
  if (path == "/metrics") return {RouteKind::kMetrics, {}};
  if (path == kServicesPrefix) return {RouteKind::kDiscovery, {}};
  if (path == "/admin" || path.starts_with("/admin/")) return {RouteKind::kAdmin, {}};
  if (!path.starts_with(kServicesPrefix) || path.size() <= kServicesPrefix.size() + 1 ||
      path[kServicesPrefix.size()] != '/') {
    return {};
  }
  std::string_view rest = path.substr(kServicesPrefix.size() + 1);
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return {RouteKind::kService, rest};
  if (rest.substr(slash) == "/feedback" && slash > 0) {
    return {RouteKind::kFeedback, rest.substr(0, slash)};
  }
  return {};
}

std::string_view AllowFor(RouteKind kind) {
  switch (kind) {
    case RouteKind::kDiscovery:
    case RouteKind::kHealth:
    case RouteKind::kReady:
    case RouteKind::kMetrics:
      return "GET, HEAD, OPTIONS";
    case RouteKind::kService:
    case RouteKind::kFeedback:
      return "POST, OPTIONS";
    case RouteKind::kNone:
    case RouteKind::kAdmin:
      break;
  }
  return "OPTIONS";
}

http::verb MethodFor(RouteKind kind) {
  return kind == RouteKind::kService || kind == RouteKind::kFeedback ? http::verb::post
                                                                     : http::verb::get;
}

// application/json, or any application/*+json (e.g. application/fhir+json), with parameters.
bool IsJsonContentType(std::string_view value) {
  std::string media(value.substr(0, value.find(';')));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.pop_back();
  const auto first = media.find_first_not_of(" \t");
  if (first == std::string::npos) return false;
  media.erase(0, first);
  std::transform(media.begin(), media.end(), media.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (media == "application/json") return true;
  return media.starts_with("application/") && media.ends_with("+json") &&
         media.find('/', 12) == std::string::npos;
}

HttpResponse JsonResponse(http::status status, unsigned version, std::string body) {
  HttpResponse response(status, version);
  response.set(http::field::content_type, "application/json");
  response.body() = std::move(body);
  return response;
}

bool WantsKeepAlive(const http::request_header<>& request) {
  http::token_list connection{request[http::field::connection]};
  if (request.version() >= 11) return !connection.exists("close");
  return connection.exists("keep-alive");
}

// RFC 9110 §6.6.1: an origin server with a clock sends Date. Formatted once per second per
// thread, not per response.
const std::string& HttpDate() {
  thread_local std::time_t cached_second = 0;
  thread_local std::string cached;
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    char text[40];
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached = text;
    cached_second = now;
  }
  return cached;
}

std::string Hex(std::uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = kDigits[value & 0xf];
    value >>= 4;
  }
  return out;
}

}  // namespace

// Tells the audit sink that a call is under way, from its request until its record is queued
// (End) or the call goes without one (the destructor): the group commit waits for siblings only
// while some calls are under way. The sink is the router's, which outlives its calls.
class ActiveCall {
 public:
  ActiveCall() = default;
  ActiveCall(const ActiveCall&) = delete;
  ActiveCall& operator=(const ActiveCall&) = delete;
  ~ActiveCall() { End(); }
  void Begin(audit::AuditSink* sink) {
    End();
    sink_ = sink;
    if (sink_ != nullptr) sink_->CallBegan();
  }
  void End() {
    if (sink_ != nullptr) std::exchange(sink_, nullptr)->CallEnded();
  }
  // The sink counting this call, for pausing it (Router::ResolvePrefetch). Read it on the
  // call's own thread before the call can continue elsewhere.
  [[nodiscard]] audit::AuditSink* sink() const { return sink_; }

 private:
  audit::AuditSink* sink_ = nullptr;
};

// Everything one service or feedback call carries from step to step. Owned by a shared_ptr
// that each asynchronous step keeps alive; only one step runs at a time, so no locking.
struct Router::Call {
  http::request_header<> header;  // the request without its body (for the response)
  std::string body;               // moved into the parser by the parse step
  ConnectionInfo connection;
  RequestInfo* info = nullptr;  // the session's, valid until respond is called
  Respond respond;
  RouteKind kind = RouteKind::kNone;
  const ServiceDefinition* service = nullptr;
  std::optional<HookRequest> hook;                // after ParseServiceCall
  std::optional<PrefetchOutcome> prefetch;        // between ResolvePrefetch and ApplyPrefetch
  std::optional<HookOutcome> outcome;             // after Evaluate
  std::optional<auth::Principal> auth_principal;  // after Authenticate (auth on)
  std::chrono::sys_seconds now{};
  // Who called: Authenticate fills it once JWT verification runs (issue 6); until then the
  // audit trail records empty issuer fields.
  audit::Principal principal;
  // For the audit trail (issue 7).
  audit::Millis received{};  // the real time, even under --now
  std::chrono::steady_clock::time_point started;
  std::optional<FeedbackRequest> feedback;  // after ParseFeedbackCall
  bool recorded = false;                    // submitted to the audit sink (once per call)
  ActiveCall active;                        // under way until its record is queued
  // While the prefetch fetch is outstanding the call is not counted as under way (it will not
  // queue a record soon). ResolvePrefetch and the fetch's completion, on different threads,
  // settle through this who pauses and who resumes.
  enum FetchState : int { kNoFetch, kResolving, kPaused };
  std::atomic<int> fetch_state{kNoFetch};
  audit::CommitStatus commit;            // the audit commit's outcome
  std::optional<HttpResponse> response;  // written once the commit succeeded
  // Metrics (issue 8): the service's stage histograms (null without metrics) and the start
  // of the stage running now.
  const ServiceMetrics::ServiceSeries* stages = nullptr;
  std::chrono::steady_clock::time_point stage_start;
};

std::string RequestIdFor(std::string_view client_value) {
  const bool acceptable = !client_value.empty() && client_value.size() <= 128 &&
                          std::all_of(client_value.begin(), client_value.end(), [](char c) {
                            return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' ||
                                   c == '_' || c == ':' || c == '-';
                          });
  if (acceptable) return std::string(client_value);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return Hex(rng());
}

Router::Router(const ServerConfig& config, ServiceCatalog catalog,
               std::shared_ptr<const HookEngine> engine,
               std::shared_ptr<const PrefetchResolver> prefetch,
               std::shared_ptr<const auth::Authenticator> authenticator)
    : cors_(config.cors),
      cors_any_origin_(std::find(config.cors.allowed_origins.begin(),
                                 config.cors.allowed_origins.end(),
                                 "*") != config.cors.allowed_origins.end()),
      catalog_(std::move(catalog)),
      engine_(std::move(engine)),
      prefetch_(std::move(prefetch)),
      authenticator_(std::move(authenticator)),
      protect_discovery_(config.auth.protect_discovery),
      fixed_now_(config.fixed_now),
      override_reasons_(config.override_reasons) {
  std::map<std::string, auth::RateLimit, std::less<>> limits;
  const auth::RateLimit fallback{config.limits.issuer_requests_per_second,
                                 config.limits.issuer_burst};
  for (const TrustedIssuerConfig& issuer : config.auth.issuers) {
    limits[issuer.iss] = auth::RateLimit{issuer.requests_per_second.value_or(fallback.per_second),
                                         issuer.burst.value_or(fallback.burst)};
  }
  rate_limiter_ = std::make_unique<auth::IssuerRateLimiter>(std::move(limits), fallback);
}

void Router::Handle(HttpRequest&& request, const ConnectionInfo& connection, RequestInfo& info,
                    Respond respond) const {
  info.request_id = RequestIdFor(request["X-Request-Id"]);
  const RouteMatch route = MatchRoute(request.target());
  info.route = route.kind;
  const auto fail = [&](Error error) {
    respond(ErrorResponse(error, request.base(), connection, info));
  };
  // /metrics sits behind the admin credential: without one (or without metrics), it does not
  // exist, like /admin.
  const bool metrics_off = route.kind == RouteKind::kMetrics &&
                           (metrics_ == nullptr || admin_ == nullptr || !admin_->enabled());
  if (route.kind == RouteKind::kNone || (route.kind == RouteKind::kAdmin && admin_ == nullptr) ||
      metrics_off) {
    return fail({HookError::kNotFound, "", "no such path", ""});
  }
  if (route.kind == RouteKind::kAdmin) {
    return Admin(std::move(request), connection, info, std::move(respond));
  }
  const ServiceDefinition* service = nullptr;
  if (route.kind == RouteKind::kService || route.kind == RouteKind::kFeedback) {
    service = catalog_.Find(route.service_id);
    if (service == nullptr) {
      return fail({HookError::kNotFound, "",
                   "no CDS service with id \"" + std::string(route.service_id) + "\"", ""});
    }
    info.service_id = service->id;
  }
  HttpResponse response;
  if (request.method() == http::verb::options) {
    response = Preflight(request);
  } else if (request.method() != MethodFor(route.kind) &&
             !(request.method() == http::verb::head && MethodFor(route.kind) == http::verb::get)) {
    Error error{HookError::kMethodNotAllowed, "",
                std::string(request.method_string()) + " is not allowed here", ""};
    response = ErrorResponse(error, request.base(), connection, info);
    response.set(http::field::allow, AllowFor(route.kind));
    return respond(std::move(response));
  } else if (route.kind == RouteKind::kDiscovery && !(protect_discovery_ && authenticator_)) {
    response = Discovery(request);
  } else if (route.kind == RouteKind::kHealth || route.kind == RouteKind::kReady) {
    response = Health(request, route.kind == RouteKind::kReady);
  } else if (route.kind == RouteKind::kMetrics) {
    return respond(Metrics(request, connection, info));
  } else {
    const bool json = route.kind == RouteKind::kDiscovery ||
                      IsJsonContentType(request[http::field::content_type]);
    auto call = std::make_shared<Call>();
    call->body = std::move(request.body());
    call->header = std::move(request.base());
    call->connection = connection;
    call->info = &info;
    call->respond = std::move(respond);
    call->kind = route.kind;
    call->service = service;
    call->started = std::chrono::steady_clock::now();
    call->stage_start = call->started;
    if (route.kind == RouteKind::kService || route.kind == RouteKind::kFeedback) {
      call->active.Begin(audit_.get());
    }
    if (metrics_ && service != nullptr && route.kind == RouteKind::kService) {
      call->stages = &metrics_->ForService(service->id);
    }
    call->received =
        std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
    call->now = fixed_now_.value_or(std::chrono::floor<std::chrono::seconds>(call->received));
    if (!json) {  // through the call, so that the audit trail records the 415
      return Fail(call, {HookError::kUnsupportedMediaType, "",
                         "Content-Type must be application/json", ""});
    }
    return Resume(std::move(call), &Router::Authenticate);
  }
  Finish(request.base(), connection, info, response);
  respond(std::move(response));
}

HttpResponse Router::HandleSync(HttpRequest&& request, const ConnectionInfo& connection,
                                RequestInfo& info) const {
  std::promise<HttpResponse> promise;
  std::future<HttpResponse> future = promise.get_future();
  Handle(std::move(request), connection, info,
         [&promise](HttpResponse response) { promise.set_value(std::move(response)); });
  return future.get();
}

HttpResponse Router::ErrorResponse(const Error& error, const http::request_header<>& request,
                                   const ConnectionInfo& connection, RequestInfo& info) const {
  if (info.request_id.empty()) {  // a transport error (413, 431): Handle did not run
    info.request_id = RequestIdFor(request["X-Request-Id"]);
    info.route = MatchRoute(request.target()).kind;
  }
  info.error = ToString(error.code);
  info.error_detail = error.path.empty() ? error.message : error.path + ": " + error.message;
  if (!error.internal.empty()) info.error_detail += " (" + error.internal + ")";
  HttpResponse response = JsonResponse(static_cast<http::status>(ToHttpStatus(error.code)),
                                       request.version(), RenderOperationOutcome(error));
  if (error.code == HookError::kUnauthorized) {
    response.set(http::field::www_authenticate, "Bearer");
  }
  Finish(request, connection, info, response);
  return response;
}

void Router::Finish(const http::request_header<>& request, const ConnectionInfo& connection,
                    const RequestInfo& info, HttpResponse& response) const {
  // CORS on every response, errors included (conformance point 33).
  if (cors_any_origin_) {
    response.set(http::field::access_control_allow_origin, "*");
  } else {
    const std::string_view origin = request[http::field::origin];
    if (!origin.empty() && std::find(cors_.allowed_origins.begin(), cors_.allowed_origins.end(),
                                     origin) != cors_.allowed_origins.end()) {
      response.set(http::field::access_control_allow_origin, origin);
    }
    response.set(http::field::vary, "Origin");
  }
  response.set(http::field::access_control_expose_headers, "X-Request-Id");
  response.set(http::field::cache_control, "no-store");
  response.set("X-Content-Type-Options", "nosniff");
  if (connection.secure) {
    response.set(http::field::strict_transport_security, "max-age=31536000");
  }
  response.set("X-Request-Id", info.request_id);
  response.set(http::field::date, HttpDate());
  const int status = static_cast<int>(response.result_int());
  response.keep_alive(WantsKeepAlive(request) && !draining() &&
                      status != ToHttpStatus(HookError::kPayloadTooLarge) &&
                      status != ToHttpStatus(HookError::kHeadersTooLarge));
  response.prepare_payload();
  if (request.method() == http::verb::head) {
    // HEAD: the headers GET would send, Content-Length included, and no body (RFC 9110 §9.3.2).
    const std::size_t length = response.body().size();
    response.body().clear();
    response.content_length(length);
  }
}

void Router::Observe(const RequestInfo& info, unsigned status) const noexcept {
  if (!metrics_) return;
  try {
    metrics_->CountRequest(info.route, status);
  } catch (...) {
    // Out of memory for a new series: the count is lost, the response is not.
  }
}

void Router::MarkStage(Call& call, Stage stage) const {
  if (call.stages == nullptr) return;
  const auto now = std::chrono::steady_clock::now();
  call.stages->Observe(stage, now - call.stage_start);
  call.stage_start = now;
}

void Router::ObserveCommit(const audit::CommitStatus& status,
                           std::chrono::steady_clock::time_point submitted) const {
  if (!metrics_) return;
  // The writer's own transaction time when the sink reports it, else submit → done.
  metrics_->ObserveAuditCommit(status.commit_time.count() > 0
                                   ? std::chrono::steady_clock::duration(status.commit_time)
                                   : std::chrono::steady_clock::now() - submitted);
}

// GET /metrics: the Prometheus text format, for the admin credential only.
HttpResponse Router::Metrics(const HttpRequest& request, const ConnectionInfo& connection,
                             RequestInfo& info) const {
  if (auto denied = admin_->credential().Check(request[http::field::authorization], connection)) {
    return ErrorResponse(Error{HookError::kUnauthorized, "", "admin credential required", *denied},
                         request.base(), connection, info);
  }
  HttpResponse response(http::status::ok, request.version());
  response.set(http::field::content_type, kMetricsContentType);
  response.body() = metrics_->Render();
  Finish(request.base(), connection, info, response);
  return response;
}

HttpResponse Router::Preflight(const HttpRequest& request) const {
  HttpResponse response(http::status::no_content, request.version());
  response.set(http::field::access_control_allow_methods, kAllowedMethods);
  response.set(http::field::access_control_allow_headers, kAllowedHeaders);
  response.set(http::field::access_control_max_age, std::to_string(cors_.max_age_seconds));
  return response;
}

HttpResponse Router::Discovery(const HttpRequest& request) const {
  return JsonResponse(http::status::ok, request.version(), catalog_.discovery_json());
}

HttpResponse Router::Health(const HttpRequest& request, bool readiness) const {
  if (!readiness) return JsonResponse(http::status::ok, request.version(), R"({"status":"ok"})");
  if (draining()) {
    return JsonResponse(http::status::service_unavailable, request.version(),
                        R"({"status":"draining"})");
  }
  // The audit failure policy (issue 8): commits failing with fail_closed (or a full spool)
  // answer every call 503, so the instance is not ready; a spool in use is a warning.
  std::string audit_fields;
  std::string warnings;
  if (audit_) {
    const audit::AuditHealth health = audit_->Health();
    if (health.state != audit::AuditState::kOk) {
      audit_fields = std::string(R"(,"audit":{"state":")") + audit::ToString(health.state) +
                     R"(","spooledRecords":)" + std::to_string(health.spooled_records) + "}";
    }
    if (health.state == audit::AuditState::kFailing) {
      return JsonResponse(http::status::service_unavailable, request.version(),
                          R"({"status":"audit unavailable")" + audit_fields + "}");
    }
    if (health.state == audit::AuditState::kSpooling) warnings = R"("audit spooling")";
  }
  if (!authenticator_) {
    warnings += std::string(warnings.empty() ? "" : ",") + R"("authentication disabled")";
  } else if (const auth::ReplayStoreHealth replay = authenticator_->ReplayHealth();
             !replay.available) {
    // Every call with a JWT is answered 503 (fail closed) until the shared store answers again:
    // not ready. Its error (host names, addresses) goes to the log, not to this open route.
    return JsonResponse(http::status::service_unavailable, request.version(),
                        std::string(R"({"status":"replay store unavailable","replayStore":{)") +
                            R"("backend":")" + replay.backend + R"(","state":"unavailable"}})");
  }
  if (!warnings.empty()) warnings = R"(,"warnings":[)" + warnings + "]";
  return JsonResponse(http::status::ok, request.version(),
                      R"({"status":"ready")" + warnings + audit_fields + "}");
}

void Router::Resume(CallPtr call, void (Router::*step)(CallPtr) const) const {
  try {
    (this->*step)(call);
  } catch (const std::exception& e) {
    if (call->respond) {
      Fail(call, Error{HookError::kInternal, "", "", std::string("exception: ") + e.what()});
    }
  }
}

void Router::Complete(const CallPtr& call, HttpResponse response) const {
  if (call->stages != nullptr) {
    call->stages->Observe(Stage::kTotal, std::chrono::steady_clock::now() - call->started);
  }
  Finish(call->header, call->connection, *call->info, response);
  // Move the responder out first: whatever it does, the call's state is no longer needed.
  Respond respond = std::move(call->respond);
  respond(std::move(response));
}

void Router::Fail(const CallPtr& call, const Error& error) const {
  // A service call's error response is recorded too (status and minimal fields), committed
  // before it is written like any other answer; if that commit fails, the error goes out
  // anyway (it showed the EHR no card).
  if (audit_ && call->kind == RouteKind::kService && !call->recorded) {
    call->recorded = true;
    audit::CallRecord record;
    if (call->hook) record = MakeCallRecord(*call->hook, nullptr);
    record.service = call->service->id;
    record.received = call->received;
    record.principal = call->principal;
    record.request_id = call->info->request_id;
    record.http_status = ToHttpStatus(error.code);
    record.error = std::string(ToString(error.code));
    record.latency_us = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - call->started)
                            .count();
    const auto submitted = std::chrono::steady_clock::now();
    audit_->RecordCall(std::move(record),
                       [this, call, error, submitted](const audit::CommitStatus& status) {
                         ObserveCommit(status, submitted);
                         if (!status.ok) {
                           LogLine line(LogLevel::kError, "audit commit failed");
                           line.Str("request_id", call->info->request_id);
                           if (!call->info->hook_instance.empty()) {
                             line.Str("hook_instance", call->info->hook_instance);
                           }
                           line.Str("error", status.error);
                         }
                         Fail(call, error);
                       });
    call->active.End();
    return;
  }
  if (call->stages != nullptr) {
    call->stages->Observe(Stage::kTotal, std::chrono::steady_clock::now() - call->started);
  }
  Respond respond = std::move(call->respond);
  respond(ErrorResponse(error, call->header, call->connection, *call->info));
}

void Router::Admin(HttpRequest&& request, const ConnectionInfo& connection, RequestInfo& info,
                   Respond respond) const {
  auto header = std::make_shared<http::request_header<>>(request.base());
  admin_->Handle(
      request, connection,
      [this, header, connection, &info, respond = std::move(respond)](Result<HttpResponse> result) {
        HttpResponse response;
        if (result) {
          response = std::move(result).value();
          Finish(*header, connection, info, response);
        } else {
          response = ErrorResponse(result.error(), *header, connection, info);
          response.set("Content-Security-Policy", kAdminContentSecurityPolicy);
        }
        // The admin API is for the review page on this origin only.
        response.erase(http::field::access_control_allow_origin);
        response.erase(http::field::access_control_expose_headers);
        respond(std::move(response));
      });
}

// Step 1 (service and feedback calls, protected discovery): who is calling. Runs before
// anything reads the body. Without an authenticator (--insecure-no-auth) every caller is
// accepted. Failures answer 401 with no detail; the access log line says why.
void Router::Authenticate(CallPtr call) const {
  if (!authenticator_) return Authorized(std::move(call));
  // Token lifetimes are real time, even when --now fixes the clinical clock.
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const std::string_view authorization = call->header[http::field::authorization];
  const std::string_view target = call->header.target();
  authenticator_->Authenticate(
      authorization, target, now,
      [this, call](auth::AuthResult<auth::Principal> result) {
        MarkStage(*call, Stage::kAuth);
        if (!result) {
          const auth::AuthFailure& f = result.error();
          if (metrics_) metrics_->CountAuthFailure(auth::ToString(f.reason));
          const HookError code = f.reason == auth::AuthReason::kReplayStoreFull ||
                                         f.reason == auth::AuthReason::kReplayStoreUnavailable
                                     ? HookError::kUnavailable
                                     : HookError::kUnauthorized;
          return Fail(call, Error{code, "", "authentication failed",
                                  std::string(auth::ToString(f.reason)) + ": " + f.detail});
        }
        call->info->iss = result.value().iss;
        call->info->jti = result.value().jti;
        call->principal.issuer = result.value().iss;
        call->principal.subject = result.value().sub;
        call->principal.tenant = result.value().tenant.value_or("");
        call->principal.jti = result.value().jti;
        call->auth_principal.emplace(std::move(result).value());
        Resume(call, &Router::Authorized);
      },
      call->info->request_id);
}

// Step 1b: the issuer's request budget (token bucket), then the route's own steps.
void Router::Authorized(CallPtr call) const {
  if (call->auth_principal) {
    if (const auto retry = rate_limiter_->Admit(call->auth_principal->iss)) {
      HttpResponse response =
          ErrorResponse(Error{HookError::kTooManyRequests, "", "too many requests; retry later",
                              "issuer " + call->auth_principal->iss + " over its rate limit"},
                        call->header, call->connection, *call->info);
      response.set(http::field::retry_after, std::to_string(retry->count()));
      Respond respond = std::move(call->respond);
      return respond(std::move(response));
    }
  }
  if (call->kind == RouteKind::kFeedback) return ParseFeedbackCall(std::move(call));
  if (call->kind == RouteKind::kDiscovery) return DiscoveryCall(std::move(call));
  ParseServiceCall(std::move(call));
}

void Router::DiscoveryCall(CallPtr call) const {
  Complete(call, JsonResponse(http::status::ok, call->header.version(), catalog_.discovery_json()));
}

// Step 2: the body → a validated HookRequest.
void Router::ParseServiceCall(CallPtr call) const {
  auto parsed = ParseHookRequest(std::move(call->body), *call->service);
  MarkStage(*call, Stage::kParse);
  if (!parsed) return Fail(call, parsed.error());
  call->info->hook_instance = parsed.value().hook_instance;
  call->hook.emplace(std::move(parsed).value());
  ResolvePrefetch(std::move(call));
}

// Step 3: prefetch keys the client did not fill (absent, or an OperationOutcome) are fetched
// from fhirServer (issue 5); required data that cannot be had ends the call with 412. Nothing
// is fetched when the call has no medication order to check.
void Router::ResolvePrefetch(CallPtr call) const {
  if (!prefetch_ || !HasOrderToCheck(*call->hook)) return Evaluate(std::move(call));
  const HookRequest& request = *call->hook;
  // An issuer configured with its own fhirServer list (auth.issuers[].fhir_server_allow) may
  // fetch only from those; otherwise (nullptr) the global prefetch.fhir_allow applies.
  std::optional<FhirServerAllowlist> issuer_allowlist;
  if (call->auth_principal && !call->auth_principal->fhir_server_allow.empty()) {
    issuer_allowlist.emplace();
    if (auto error = FhirServerAllowlist::Create(call->auth_principal->fhir_server_allow,
                                                 *issuer_allowlist)) {
      return Fail(
          call, Error{HookError::kInternal, "", "", "auth.issuers[].fhir_server_allow: " + *error});
    }
  }
  // A call waiting on the EHR's FHIR server (up to prefetch.budget_ms) queues no record soon:
  // it stops counting as under way, so the audit trail's group commit does not wait for it.
  // Resolve answers before it returns when nothing is fetched, else later on a client thread:
  // whichever of the two below comes second sees what the first did.
  audit::AuditSink* const counted = call->active.sink();
  call->fetch_state.store(Call::kResolving);
  prefetch_->Resolve(
      request, *call->service, call->now, issuer_allowlist ? &*issuer_allowlist : nullptr,
      [this, call, counted](PrefetchOutcome outcome) mutable {
        if (call->fetch_state.exchange(Call::kNoFetch) == Call::kPaused) counted->CallBegan();
        call->prefetch.emplace(std::move(outcome));
        Resume(std::move(call), &Router::ApplyPrefetch);
      },
      call->info->request_id);
  int resolving = Call::kResolving;
  if (counted != nullptr && call->fetch_state.compare_exchange_strong(resolving, Call::kPaused)) {
    counted->CallEnded();
  }
}

// Step 3b: what the fetches brought (on the thread that finished the last fetch).
void Router::ApplyPrefetch(CallPtr call) const {
  PrefetchOutcome outcome = std::move(*call->prefetch);
  call->prefetch.reset();
  MarkStage(*call, Stage::kPrefetch);
  if (metrics_) {
    for (const PrefetchKeyReport& report : outcome.reports) {
      if (report.status != 0) {
        metrics_->CountFhirFetch(std::to_string(report.status), report.latency);
      } else if (!report.failure.empty()) {
        metrics_->CountFhirFetch(report.failure, report.latency);
      }
    }
  }
  if (!outcome.reports.empty()) {
    // Keys, statuses, pages and latency; never the token, never query values.
    LogLine(outcome.error ? LogLevel::kWarn : LogLevel::kInfo, "prefetch fetched")
        .Str("request_id", call->info->request_id)
        .Str("hook_instance", call->hook->hook_instance)
        .Str("fhir_server", outcome.fhir_origin)
        .Bool("token", call->hook->fhir_authorization.has_value())
        .Str("keys", outcome.Summary())
        .Int("latency_ms", outcome.latency.count())
        .Str("result", outcome.error ? "precondition_failed" : "ok");
  }
  if (outcome.error) return Fail(call, *outcome.error);
  std::move(outcome).ApplyTo(*call->hook);
  Evaluate(std::move(call));
}

// Step 4: the engine (pure CPU, on the calling thread).
void Router::Evaluate(CallPtr call) const {
  auto outcome = engine_->Evaluate(*call->hook, call->now);
  MarkStage(*call, Stage::kEngine);
  if (!outcome) return Fail(call, outcome.error());
  RequestInfo& info = *call->info;
  if (metrics_) {
    const HookOutcome& o = outcome.value();
    for (std::size_t i = 0; i < o.cards.size(); ++i) {
      const cards::Card& card = o.cards[i];
      if (i < o.findings.size()) {
        metrics_->CountCard(o.findings[i].meta.id, engine::ToString(o.findings[i].indicator));
      } else {
        const std::string_view indicator =
            card.indicator == cards::Indicator::kCritical  ? "critical"
            : card.indicator == cards::Indicator::kWarning ? "warning"
                                                           : "info";
        metrics_->CountCard(card.source.topic ? card.source.topic->code : "none", indicator);
      }
    }
  }
  info.cards = outcome.value().cards.size();
  for (const std::string& id : outcome.value().fired_rule_ids) {
    if (!info.rules.empty()) info.rules.push_back(',');
    info.rules.append(id);
  }
  call->outcome.emplace(std::move(outcome).value());
  RecordCall(std::move(call));
}

// Step 5: the audit record is committed before the response is written (issue 7): the
// response waits in the call and goes out only from the commit's completion.
void Router::RecordCall(CallPtr call) const {
  call->response.emplace(JsonResponse(http::status::ok, call->header.version(),
                                      std::move(call->outcome->response_json)));
  if (!audit_) return AnswerRecordedCall(std::move(call));
  audit::CallRecord record = MakeCallRecord(*call->hook, &*call->outcome);
  record.service = call->service->id;
  record.received = call->received;
  record.principal = call->principal;
  record.request_id = call->info->request_id;
  record.http_status = 200;
  record.latency_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - call->started)
                          .count();
  call->recorded = true;
  // Nothing after this step reads the request, its views or the outcome: free them here, on the
  // I/O thread that allocated them, not on the audit writer's thread when the call ends there
  // (freeing thousands of another thread's blocks took ~15 % of the writer's time).
  call->outcome.reset();
  call->hook.reset();
  call->prefetch.reset();
  const auto submitted = std::chrono::steady_clock::now();
  call->stage_start = submitted;
  audit_->RecordCall(std::move(record), [this, call, submitted](const audit::CommitStatus& status) {
    MarkStage(*call, Stage::kAudit);
    ObserveCommit(status, submitted);  // (MarkStage moved stage_start to now)
    call->commit = status;
    Resume(call, &Router::AnswerRecordedCall);
  });
  call->active.End();
}

void Router::AnswerRecordedCall(CallPtr call) const {
  if (!call->commit.ok) {
    // Fail closed: cards the audit trail does not hold are never shown.
    return Fail(call, {HookError::kUnavailable, "", "the service cannot record this call now",
                       call->commit.error});
  }
  Complete(call, std::move(*call->response));
}

void Router::ParseFeedbackCall(CallPtr call) const {
  auto parsed = ParseFeedback(std::move(call->body));
  if (!parsed) return Fail(call, parsed.error());
  call->feedback.emplace(std::move(parsed).value());
  RecordFeedback(std::move(call));
}

// Feedback is committed before the 200, so an EHR that saw the 200 may forget it.
void Router::RecordFeedback(CallPtr call) const {
  if (!audit_) return AnswerRecordedFeedback(std::move(call));
  audit::FeedbackBatch batch = MakeFeedbackBatch(*call->feedback);
  for (audit::FeedbackRecord& item : batch.items) {  // the Sandbox sends no display
    if (!item.reason_code.empty() && item.reason_display.empty()) {
      for (const cards::Coding& reason : override_reasons_) {
        if (reason.system == item.reason_system && reason.code == item.reason_code) {
          item.reason_display = reason.display;
        }
      }
    }
  }
  batch.service = call->service->id;
  batch.received = call->received;
  batch.principal = call->principal;
  batch.request_id = call->info->request_id;
  call->recorded = true;
  const auto submitted = std::chrono::steady_clock::now();
  audit_->RecordFeedback(std::move(batch),
                         [this, call, submitted](const audit::CommitStatus& status) {
                           ObserveCommit(status, submitted);
                           call->commit = status;
                           Resume(call, &Router::AnswerRecordedFeedback);
                         });
  call->active.End();
}

void Router::AnswerRecordedFeedback(CallPtr call) const {
  if (!call->commit.ok) {
    return Fail(call, {HookError::kUnavailable, "", "the service cannot record feedback now",
                       call->commit.error});
  }
  if (metrics_) {
    // The rule of each item's card, as the commit found it; without an audit trail (or for a
    // card never issued) it is unknown.
    const auto& items = call->feedback->items;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::string_view rule = i < call->commit.feedback_rules.size()
                                        ? std::string_view(call->commit.feedback_rules[i])
                                        : std::string_view();
      metrics_->CountFeedback(
          items[i].outcome == FeedbackOutcome::kAccepted ? "accepted" : "overridden", rule);
    }
  }
  if (call->commit.unknown_cards > 0) {
    LogLine(LogLevel::kWarn, "feedback on unknown cards (stored, flagged)")
        .Str("request_id", call->info->request_id)
        .Str("service", call->service->id)
        .Int("items", static_cast<std::int64_t>(call->commit.unknown_cards));
  }
  // Spec §7 defines no body; empty objects are banned on the wire, so the body is empty.
  Complete(call, HttpResponse(http::status::ok, call->header.version()));
}

}  // namespace cds::hooks
