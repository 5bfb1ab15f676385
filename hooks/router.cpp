#include "hooks/router.hpp"

#include <algorithm>
#include <boost/beast/http/rfc7230.hpp>
#include <cctype>
#include <ctime>
#include <future>
#include <random>

#include "hooks/feedback.hpp"
#include "hooks/hook_request.hpp"
#include "hooks/log.hpp"

namespace cds::hooks {

namespace http = boost::beast::http;

namespace {

constexpr std::string_view kServicesPrefix = "/cds-services";
constexpr std::string_view kAllowedMethods = "GET, POST, OPTIONS";
constexpr std::string_view kAllowedHeaders = "Authorization, Content-Type, Accept, X-Request-Id";

enum class RouteKind { kNone, kDiscovery, kService, kFeedback, kHealth, kReady };

struct RouteMatch {
  RouteKind kind = RouteKind::kNone;
  std::string_view service_id;
};

RouteMatch MatchRoute(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == "/healthz") return {RouteKind::kHealth, {}};
  if (path == "/readyz") return {RouteKind::kReady, {}};
  if (path == kServicesPrefix) return {RouteKind::kDiscovery, {}};
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
      return "GET, HEAD, OPTIONS";
    case RouteKind::kService:
    case RouteKind::kFeedback:
      return "POST, OPTIONS";
    case RouteKind::kNone:
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
  std::optional<HookRequest> hook;          // after ParseServiceCall
  std::optional<PrefetchOutcome> prefetch;  // between ResolvePrefetch and ApplyPrefetch
  std::optional<HookOutcome> outcome;       // after Evaluate
  std::chrono::sys_seconds now{};
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
               std::shared_ptr<const PrefetchResolver> prefetch)
    : cors_(config.cors),
      cors_any_origin_(std::find(config.cors.allowed_origins.begin(),
                                 config.cors.allowed_origins.end(),
                                 "*") != config.cors.allowed_origins.end()),
      catalog_(std::move(catalog)),
      engine_(std::move(engine)),
      prefetch_(std::move(prefetch)),
      fixed_now_(config.fixed_now) {}

void Router::Handle(HttpRequest&& request, const ConnectionInfo& connection, RequestInfo& info,
                    Respond respond) const {
  info.request_id = RequestIdFor(request["X-Request-Id"]);
  const RouteMatch route = MatchRoute(request.target());
  const auto fail = [&](Error error) {
    respond(ErrorResponse(error, request.base(), connection, info));
  };
  if (route.kind == RouteKind::kNone) {
    return fail({HookError::kNotFound, "", "no such path", ""});
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
  } else if (route.kind == RouteKind::kDiscovery) {
    response = Discovery(request);
  } else if (route.kind == RouteKind::kHealth || route.kind == RouteKind::kReady) {
    response = Health(request, route.kind == RouteKind::kReady);
  } else {
    if (!IsJsonContentType(request[http::field::content_type])) {
      return fail(
          {HookError::kUnsupportedMediaType, "", "Content-Type must be application/json", ""});
    }
    auto call = std::make_shared<Call>();
    call->body = std::move(request.body());
    call->header = std::move(request.base());
    call->connection = connection;
    call->info = &info;
    call->respond = std::move(respond);
    call->kind = route.kind;
    call->service = service;
    call->now = fixed_now_.value_or(
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
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
  if (info.request_id.empty()) info.request_id = RequestIdFor(request["X-Request-Id"]);
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
  return JsonResponse(http::status::ok, request.version(), R"({"status":"ready"})");
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
  Finish(call->header, call->connection, *call->info, response);
  // Move the responder out first: whatever it does, the call's state is no longer needed.
  Respond respond = std::move(call->respond);
  respond(std::move(response));
}

void Router::Fail(const CallPtr& call, const Error& error) const {
  Respond respond = std::move(call->respond);
  respond(ErrorResponse(error, call->header, call->connection, *call->info));
}

// Step 1 (service and feedback calls): who is calling. Without an authenticator configured
// every caller is accepted; JWT verification plugs in here (issue 6).
void Router::Authenticate(CallPtr call) const {
  if (call->kind == RouteKind::kFeedback) return ParseFeedbackCall(std::move(call));
  ParseServiceCall(std::move(call));
}

// Step 2: the body → a validated HookRequest.
void Router::ParseServiceCall(CallPtr call) const {
  auto parsed = ParseHookRequest(std::move(call->body), *call->service);
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
  // The allowlist of the caller's issuer goes here once JWT auth restricts fhirServer per
  // issuer; nullptr applies the configured prefetch.fhir_allow.
  const FhirServerAllowlist* allowlist = nullptr;
  prefetch_->Resolve(request, *call->service, call->now, allowlist,
                     [this, call](PrefetchOutcome outcome) mutable {
                       call->prefetch.emplace(std::move(outcome));
                       Resume(std::move(call), &Router::ApplyPrefetch);
                     });
}

// Step 3b: what the fetches brought (on the thread that finished the last fetch).
void Router::ApplyPrefetch(CallPtr call) const {
  PrefetchOutcome outcome = std::move(*call->prefetch);
  call->prefetch.reset();
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
  if (!outcome) return Fail(call, outcome.error());
  RequestInfo& info = *call->info;
  info.cards = outcome.value().cards.size();
  for (const std::string& id : outcome.value().fired_rule_ids) {
    if (!info.rules.empty()) info.rules.push_back(',');
    info.rules.append(id);
  }
  call->outcome.emplace(std::move(outcome).value());
  RecordCall(std::move(call));
}

// Step 5: the audit record is committed before the response is written (issue 7).
void Router::RecordCall(CallPtr call) const {
  HttpResponse response = JsonResponse(http::status::ok, call->header.version(),
                                       std::move(call->outcome->response_json));
  Complete(call, std::move(response));
}

void Router::ParseFeedbackCall(CallPtr call) const {
  auto parsed = ParseFeedback(std::move(call->body));
  if (!parsed) return Fail(call, parsed.error());
  // Spec §7 defines no body; empty objects are banned on the wire, so the body is empty.
  Complete(call, HttpResponse(http::status::ok, call->header.version()));
}

}  // namespace cds::hooks
