#include "hooks/router.hpp"

#include <algorithm>
#include <boost/beast/http/rfc7230.hpp>
#include <cctype>
#include <ctime>
#include <future>
#include <random>

#include "hooks/feedback.hpp"
#include "hooks/hook_request.hpp"

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
  std::optional<HookRequest> hook;           // after ParseServiceCall
  std::optional<HookOutcome> outcome;        // after Evaluate
  std::optional<auth::Principal> principal;  // after Authenticate (auth on)
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
               std::shared_ptr<const auth::Authenticator> authenticator)
    : cors_(config.cors),
      cors_any_origin_(std::find(config.cors.allowed_origins.begin(),
                                 config.cors.allowed_origins.end(),
                                 "*") != config.cors.allowed_origins.end()),
      catalog_(std::move(catalog)),
      engine_(std::move(engine)),
      authenticator_(std::move(authenticator)),
      protect_discovery_(config.auth.protect_discovery),
      fixed_now_(config.fixed_now) {
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
  } else if (route.kind == RouteKind::kDiscovery && !(protect_discovery_ && authenticator_)) {
    response = Discovery(request);
  } else if (route.kind == RouteKind::kHealth || route.kind == RouteKind::kReady) {
    response = Health(request, route.kind == RouteKind::kReady);
  } else {
    if (route.kind != RouteKind::kDiscovery &&
        !IsJsonContentType(request[http::field::content_type])) {
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
  if (!authenticator_) {
    return JsonResponse(http::status::ok, request.version(),
                        R"({"status":"ready","warnings":["authentication disabled"]})");
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
      authorization, target, now, [this, call](auth::AuthResult<auth::Principal> result) {
        if (!result) {
          const auth::AuthFailure& f = result.error();
          const HookError code = f.reason == auth::AuthReason::kReplayStoreFull
                                     ? HookError::kUnavailable
                                     : HookError::kUnauthorized;
          return Fail(call, Error{code, "", "authentication failed",
                                  std::string(auth::ToString(f.reason)) + ": " + f.detail});
        }
        call->info->iss = result.value().iss;
        call->info->jti = result.value().jti;
        call->principal.emplace(std::move(result).value());
        Resume(call, &Router::Authorized);
      });
}

// Step 1b: the issuer's request budget (token bucket), then the route's own steps.
void Router::Authorized(CallPtr call) const {
  if (call->principal) {
    if (const auto retry = rate_limiter_->Admit(call->principal->iss)) {
      HttpResponse response =
          ErrorResponse(Error{HookError::kTooManyRequests, "", "too many requests; retry later",
                              "issuer " + call->principal->iss + " over its rate limit"},
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
  if (!parsed) return Fail(call, parsed.error());
  call->info->hook_instance = parsed.value().hook_instance;
  call->hook.emplace(std::move(parsed).value());
  ResolvePrefetch(std::move(call));
}

// Step 3: prefetch keys the client did not fill are fetched from fhirServer (issue 5). Until
// a resolver is configured, what the client sent is what the engine sees.
void Router::ResolvePrefetch(CallPtr call) const { Evaluate(std::move(call)); }

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
