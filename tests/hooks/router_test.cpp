#include "hooks/router.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "tests/hooks/test_engine.hpp"
#include "tests/hooks/test_files.hpp"

namespace cds::hooks {
namespace {

cds::hooks::ConnectionInfo Connection(bool secure) {
  cds::hooks::ConnectionInfo connection;
  connection.secure = secure;
  return connection;
}

namespace http = boost::beast::http;

using ::cds::hooks::testing::FilesEndingWith;
using ::cds::hooks::testing::JsonEq;
using ::cds::hooks::testing::ParseJson;
using ::cds::hooks::testing::ReadFile;
using ::cds::hooks::testing::RequestsDir;
using ::cds::hooks::testing::ServiceIdForFile;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kSelectId = "antimicrobial-stewardship-order-select";
constexpr std::string_view kSignId = "antimicrobial-stewardship-order-sign";
constexpr std::string_view kSandboxOrigin = "https://sandbox.cds-hooks.org";

std::string ServicePath(std::string_view id) { return "/cds-services/" + std::string(id); }
std::string FeedbackPath(std::string_view id) { return ServicePath(id) + "/feedback"; }

HttpRequest Request(http::verb method, std::string_view target, std::string body = "",
                    std::string_view content_type = "application/json") {
  HttpRequest request{method, target, 11};
  request.set(http::field::host, "127.0.0.1:8443");
  if (!body.empty() || method == http::verb::post) {
    if (!content_type.empty()) request.set(http::field::content_type, content_type);
    request.body() = std::move(body);
    request.prepare_payload();
  }
  return request;
}

std::string SandboxBody() { return ReadFile(RequestsDir() / "sandbox-order-select.valid.json"); }
std::string SignBody() { return ReadFile(RequestsDir() / "order-sign.complete.valid.json"); }

constexpr std::string_view kAcceptedFeedback =
    R"({"feedback":[{"card":"c1","outcome":"accepted","acceptedSuggestions":[{"id":"s1"}],)"
    R"("outcomeTimestamp":"2021-12-11T10:05:31Z"}]})";

class RouterTest : public ::testing::Test {
 protected:
  HttpResponse Handle(HttpRequest request, bool secure = true) {
    info_ = RequestInfo{};
    return router_.HandleSync(std::move(request), Connection(secure), info_);
  }
  HttpResponse Handle(const Router& router, HttpRequest request) {
    info_ = RequestInfo{};
    return router.HandleSync(std::move(request), Connection(true), info_);
  }

  // The OperationOutcome of an error response, checked for shape.
  static std::string IssueCode(const HttpResponse& response) {
    const rapidjson::Document body = ParseJson(response.body(), "error body");
    EXPECT_STREQ(body["resourceType"].GetString(), "OperationOutcome");
    EXPECT_EQ(body["issue"].Size(), 1u);
    EXPECT_STREQ(body["issue"][0]["severity"].GetString(), "error");
    return body["issue"][0]["code"].GetString();
  }

  // Headers every response carries (conformance point 33 and the hardening headers).
  static void ExpectCommonHeaders(const HttpResponse& response, bool secure = true,
                                  bool head = false) {
    EXPECT_EQ(response[http::field::access_control_allow_origin], "*");
    EXPECT_EQ(response[http::field::cache_control], "no-store");
    EXPECT_EQ(response["X-Content-Type-Options"], "nosniff");
    EXPECT_EQ(response[http::field::access_control_expose_headers], "X-Request-Id");
    EXPECT_FALSE(response["X-Request-Id"].empty());
    EXPECT_TRUE(std::string(response[http::field::date]).ends_with(" GMT"));
    if (secure) {
      EXPECT_EQ(response[http::field::strict_transport_security], "max-age=31536000");
    } else {
      EXPECT_EQ(response.count(http::field::strict_transport_security), 0u);
    }
    if (!head) {
      EXPECT_EQ(response[http::field::content_length], std::to_string(response.body().size()));
    }
  }

  Router router_{DefaultConfig(), ServiceCatalog::Default(), testing::TestEngine()};
  RequestInfo info_;
};

// ---- 200 ------------------------------------------------------------------------------------

TEST_F(RouterTest, Discovery) {
  const HttpResponse r = Handle(Request(http::verb::get, "/cds-services"));
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_EQ(r[http::field::content_type], "application/json");
  EXPECT_EQ(r.body(), router_.catalog().discovery_json());
  ExpectCommonHeaders(r);
  EXPECT_TRUE(r.keep_alive());
  EXPECT_EQ(info_.error, "");
  EXPECT_EQ(info_.service_id, "");
}

TEST_F(RouterTest, HeadSendsGetHeadersWithoutABody) {
  const HttpResponse get = Handle(Request(http::verb::get, "/cds-services"));
  const HttpResponse head = Handle(Request(http::verb::head, "/cds-services"));
  EXPECT_EQ(head.result_int(), 200u);
  EXPECT_EQ(head.body(), "");
  EXPECT_EQ(head[http::field::content_length], std::to_string(get.body().size()));
  EXPECT_EQ(head[http::field::content_type], "application/json");
  ExpectCommonHeaders(head, /*secure=*/true, /*head=*/true);
  EXPECT_EQ(Handle(Request(http::verb::head, "/healthz")).result_int(), 200u);
  EXPECT_EQ(Handle(Request(http::verb::head, ServicePath(kSelectId))).result_int(), 405u);
}

TEST_F(RouterTest, DiscoveryIgnoresTheQueryString) {
  const HttpResponse r = Handle(Request(http::verb::get, "/cds-services?_format=json"));
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_EQ(r.body(), router_.catalog().discovery_json());
}

TEST_F(RouterTest, ServiceCallAnswersNoCards) {
  const HttpResponse r = Handle(Request(http::verb::post, ServicePath(kSelectId), SandboxBody()));
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_EQ(r[http::field::content_type], "application/json");
  EXPECT_EQ(r.body(), R"({"cards":[]})");
  ExpectCommonHeaders(r);
  EXPECT_EQ(info_.service_id, kSelectId);
  EXPECT_EQ(info_.hook_instance, "580551c0-9fac-4609-9d4f-9ac362f74278");
  EXPECT_EQ(info_.error, "");

  const HttpResponse sign = Handle(Request(http::verb::post, ServicePath(kSignId), SignBody()));
  EXPECT_EQ(sign.result_int(), 200u);
  EXPECT_EQ(sign.body(), R"({"cards":[]})");
  EXPECT_EQ(info_.service_id, kSignId);
}

TEST_F(RouterTest, EveryValidFileGetsNoCards) {
  for (const std::string& name : FilesEndingWith(RequestsDir(), ".valid.json")) {
    SCOPED_TRACE(name);
    const HttpResponse r = Handle(Request(http::verb::post, ServicePath(ServiceIdForFile(name)),
                                          ReadFile(RequestsDir() / (name + ".valid.json"))));
    EXPECT_EQ(r.result_int(), 200u) << r.body();
    EXPECT_EQ(r.body(), R"({"cards":[]})");
  }
}

TEST_F(RouterTest, EveryInvalidFileGetsItsGoldenOutcome) {
  for (const std::string& name : FilesEndingWith(RequestsDir(), ".invalid.json")) {
    SCOPED_TRACE(name);
    const rapidjson::Document expected =
        ParseJson(ReadFile(RequestsDir() / (name + ".outcome.json")), name);
    const HttpResponse r = Handle(Request(http::verb::post, ServicePath(ServiceIdForFile(name)),
                                          ReadFile(RequestsDir() / (name + ".invalid.json"))));
    EXPECT_EQ(static_cast<int>(r.result_int()), expected["status"].GetInt());
    EXPECT_EQ(r[http::field::content_type], "application/json");
    EXPECT_TRUE(JsonEq(expected["body"], ParseJson(r.body(), name)));
    ExpectCommonHeaders(r);
    EXPECT_FALSE(info_.error.empty());
    // Neither the body nor the log fields may carry the access token (points 37, §3).
    EXPECT_THAT(r.body(), Not(HasSubstr("SECRET-TOKEN-123")));
    EXPECT_THAT(info_.error_detail, Not(HasSubstr("SECRET-TOKEN-123")));
  }
}

TEST_F(RouterTest, FeedbackAnswersEmptyBody) {
  for (const std::string_view id : {kSelectId, kSignId}) {
    const HttpResponse r =
        Handle(Request(http::verb::post, FeedbackPath(id), std::string(kAcceptedFeedback)));
    EXPECT_EQ(r.result_int(), 200u) << id;
    EXPECT_EQ(r.body(), "");
    EXPECT_EQ(r[http::field::content_length], "0");
    ExpectCommonHeaders(r);
    EXPECT_EQ(info_.service_id, id);
  }
  const HttpResponse sandbox = Handle(Request(
      http::verb::post, FeedbackPath(kSelectId),
      R"({"feedback":[{"card":"c1","outcome":"overridden","overrideReason":{"reason":)"
      R"({"code":"x","system":"http://example.org"}},"outcomeTimestamp":"2021-12-11T10:05:31Z"}]})"));
  EXPECT_EQ(sandbox.result_int(), 200u) << sandbox.body();
}

// ---- 400 ------------------------------------------------------------------------------------

TEST_F(RouterTest, BadFeedbackIs400) {
  struct Case {
    std::string body;
    std::string_view outcome;
  };
  const Case cases[] = {
      {R"({"feedback":[{"card":"c1","outcome":"accepted","outcomeTimestamp":"2021-12-11T10:05:31Z"}]})",
       R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"required",)"
       R"("diagnostics":"feedback[0].acceptedSuggestions: required element is missing",)"
       R"("expression":["feedback[0].acceptedSuggestions"]}]})"},
      {R"({"feedback":[{"card":"c1","outcome":"ignored","outcomeTimestamp":"2021-12-11T10:05:31Z"}]})",
       R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"value",)"
       R"("diagnostics":"feedback[0].outcome: must be \"accepted\" or \"overridden\"",)"
       R"("expression":["feedback[0].outcome"]}]})"},
      {"",
       R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":)"
       R"("structure","diagnostics":"invalid JSON at byte offset 0: The document is empty."}]})"},
  };
  for (const Case& c : cases) {
    const HttpResponse r = Handle(Request(http::verb::post, FeedbackPath(kSelectId), c.body));
    EXPECT_EQ(r.result_int(), 400u) << c.body;
    EXPECT_TRUE(JsonEq(ParseJson(std::string(c.outcome)), ParseJson(r.body())));
    ExpectCommonHeaders(r);
  }
}

// ---- 404 ------------------------------------------------------------------------------------

TEST_F(RouterTest, UnknownPathsAre404) {
  for (const std::string_view target :
       {"/", "/cds-service", "/cds-servicesX", "/cds-services/", "/cds-services//feedback",
        "/cds-services/antimicrobial-stewardship-order-select/", "/cds-services/a/b",
        "/cds-services/antimicrobial-stewardship-order-select/feedback/x",
        "/cds-services/antimicrobial-stewardship-order-select/feedbackx", "/healthz/x",
        "/CDS-SERVICES", "/.well-known/jwks.json"}) {
    for (const http::verb method : {http::verb::get, http::verb::post, http::verb::options}) {
      const HttpResponse r = Handle(Request(method, target, "{}"));
      EXPECT_EQ(r.result_int(), 404u) << target << " " << http::to_string(method);
      EXPECT_EQ(r.body(), R"({"resourceType":"OperationOutcome","issue":[{"severity":"error",)"
                          R"("code":"not-found","diagnostics":"no such path"}]})");
      ExpectCommonHeaders(r);
      EXPECT_EQ(info_.error, "not_found");
    }
  }
}

TEST_F(RouterTest, UnknownServiceIdIs404OnEveryRouteAndMethod) {
  const std::string expected =
      R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found",)"
      R"("diagnostics":"no CDS service with id \"patient-view\""}]})";
  for (const std::string& target : {ServicePath("patient-view"), FeedbackPath("patient-view")}) {
    for (const http::verb method : {http::verb::post, http::verb::options, http::verb::get}) {
      const HttpResponse r = Handle(Request(method, target, SandboxBody()));
      EXPECT_EQ(r.result_int(), 404u) << target << " " << http::to_string(method);
      EXPECT_EQ(r.body(), expected);
      ExpectCommonHeaders(r);
      EXPECT_EQ(info_.service_id, "");
    }
  }
}

// ---- 405 ------------------------------------------------------------------------------------

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  struct Case {
    http::verb method;
    std::string target;
    std::string_view allow;
  };
  const Case cases[] = {
      {http::verb::post, "/cds-services", "GET, HEAD, OPTIONS"},
      {http::verb::put, "/cds-services", "GET, HEAD, OPTIONS"},
      {http::verb::get, ServicePath(kSelectId), "POST, OPTIONS"},
      {http::verb::delete_, ServicePath(kSignId), "POST, OPTIONS"},
      {http::verb::get, FeedbackPath(kSelectId), "POST, OPTIONS"},
      {http::verb::put, FeedbackPath(kSignId), "POST, OPTIONS"},
      {http::verb::post, "/healthz", "GET, HEAD, OPTIONS"},
      {http::verb::patch, "/readyz", "GET, HEAD, OPTIONS"},
  };
  for (const Case& c : cases) {
    const HttpResponse r = Handle(Request(c.method, c.target, "{}"));
    EXPECT_EQ(r.result_int(), 405u) << c.target;
    EXPECT_EQ(r[http::field::allow], c.allow) << c.target;
    EXPECT_EQ(IssueCode(r), "not-supported");
    EXPECT_EQ(r.body(), R"({"resourceType":"OperationOutcome","issue":[{"severity":"error",)"
                        R"("code":"not-supported","diagnostics":")" +
                            std::string(http::to_string(c.method)) + R"( is not allowed here"}]})");
    ExpectCommonHeaders(r);
    EXPECT_EQ(info_.error, "method_not_allowed");
  }
}

// ---- 415 ------------------------------------------------------------------------------------

TEST_F(RouterTest, NonJsonContentTypeIs415) {
  for (const std::string_view type :
       {"text/plain", "application/xml", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "application/jsonp", "application/json-patch",
        "text/json", "application/fhir+xml", "json", "application/+json/x", ";application/json",
        "application/fhir+json/x"}) {
    for (const std::string& target : {ServicePath(kSelectId), FeedbackPath(kSelectId)}) {
      const HttpResponse r = Handle(Request(http::verb::post, target, SandboxBody(), type));
      EXPECT_EQ(r.result_int(), 415u) << type << " " << target;
      EXPECT_EQ(r.body(),
                R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":)"
                R"("not-supported","diagnostics":"Content-Type must be application/json"}]})");
      ExpectCommonHeaders(r);
    }
  }
}

TEST_F(RouterTest, MissingContentTypeIs415) {
  HttpRequest request = Request(http::verb::post, ServicePath(kSelectId), SandboxBody(), "");
  ASSERT_EQ(request.count(http::field::content_type), 0u);
  EXPECT_EQ(Handle(std::move(request)).result_int(), 415u);
}

TEST_F(RouterTest, JsonContentTypeVariantsAreAccepted) {
  for (const std::string_view type :
       {"application/json", "application/json; charset=utf-8", "application/json;charset=UTF-8",
        "Application/JSON", "  application/json  ; charset=utf-8", "application/fhir+json",
        "application/fhir+json; fhirVersion=4.0", "application/cds-hooks+json"}) {
    const HttpResponse r =
        Handle(Request(http::verb::post, ServicePath(kSelectId), SandboxBody(), type));
    EXPECT_EQ(r.result_int(), 200u) << type << " " << r.body();
    const HttpResponse f = Handle(
        Request(http::verb::post, FeedbackPath(kSelectId), std::string(kAcceptedFeedback), type));
    EXPECT_EQ(f.result_int(), 200u) << type << " " << f.body();
  }
}

// ---- OPTIONS (CORS preflight) -----------------------------------------------------------------

TEST_F(RouterTest, PreflightOnEveryRoute) {  // conformance point 32
  for (const std::string& target :
       {std::string("/cds-services"), ServicePath(kSelectId), ServicePath(kSignId),
        FeedbackPath(kSelectId), FeedbackPath(kSignId), std::string("/healthz"),
        std::string("/readyz")}) {
    HttpRequest request = Request(http::verb::options, target);
    request.set(http::field::origin, kSandboxOrigin);
    request.set(http::field::access_control_request_method, "POST");
    request.set(http::field::access_control_request_headers, "authorization,content-type");
    // No Authorization header: a preflight never carries credentials.
    const HttpResponse r = Handle(std::move(request));
    EXPECT_EQ(r.result_int(), 204u) << target;
    EXPECT_EQ(r.body(), "");
    EXPECT_EQ(r[http::field::access_control_allow_methods], "GET, POST, OPTIONS");
    const std::string allowed(r[http::field::access_control_allow_headers]);
    EXPECT_THAT(allowed, HasSubstr("Authorization"));
    EXPECT_THAT(allowed, HasSubstr("Content-Type"));
    EXPECT_THAT(allowed, HasSubstr("Accept"));
    EXPECT_EQ(r[http::field::access_control_max_age], "600");
    EXPECT_EQ(r.count(http::field::access_control_allow_credentials), 0u);
    ExpectCommonHeaders(r);
    EXPECT_EQ(info_.error, "");
  }
}

TEST_F(RouterTest, PreflightMaxAgeComesFromConfig) {
  ServerConfig config = DefaultConfig();
  config.cors.max_age_seconds = 42;
  const Router router(config, ServiceCatalog::Default(), testing::TestEngine());
  const HttpResponse r = Handle(router, Request(http::verb::options, "/cds-services"));
  EXPECT_EQ(r[http::field::access_control_max_age], "42");
}

// ---- CORS allowlist mode ----------------------------------------------------------------------

class AllowlistRouterTest : public RouterTest {
 protected:
  static ServerConfig AllowlistConfig() {
    ServerConfig config = DefaultConfig();
    config.cors.allowed_origins = {std::string(kSandboxOrigin), "http://localhost:3000"};
    return config;
  }
  HttpResponse HandleWithOrigin(HttpRequest request, std::string_view origin) {
    if (!origin.empty()) request.set(http::field::origin, origin);
    return Handle(allowlist_, std::move(request));
  }
  Router allowlist_{AllowlistConfig(), ServiceCatalog::Default(), testing::TestEngine()};
};

TEST_F(AllowlistRouterTest, AllowedOriginIsEchoedWithVary) {
  for (const std::string_view origin :
       {kSandboxOrigin, std::string_view("http://localhost:3000")}) {
    const HttpResponse ok = HandleWithOrigin(Request(http::verb::get, "/cds-services"), origin);
    EXPECT_EQ(ok.result_int(), 200u);
    EXPECT_EQ(ok[http::field::access_control_allow_origin], origin);
    EXPECT_EQ(ok[http::field::vary], "Origin");
    // Errors and preflights too.
    const HttpResponse error = HandleWithOrigin(Request(http::verb::get, "/nope"), origin);
    EXPECT_EQ(error.result_int(), 404u);
    EXPECT_EQ(error[http::field::access_control_allow_origin], origin);
    EXPECT_EQ(error[http::field::vary], "Origin");
    const HttpResponse preflight =
        HandleWithOrigin(Request(http::verb::options, ServicePath(kSelectId)), origin);
    EXPECT_EQ(preflight.result_int(), 204u);
    EXPECT_EQ(preflight[http::field::access_control_allow_origin], origin);
    EXPECT_EQ(preflight[http::field::vary], "Origin");
    const HttpResponse bad = HandleWithOrigin(
        Request(http::verb::post, ServicePath(kSelectId), "{", "application/json"), origin);
    EXPECT_EQ(bad.result_int(), 400u);
    EXPECT_EQ(bad[http::field::access_control_allow_origin], origin);
  }
}

TEST_F(AllowlistRouterTest, OtherOriginsGetNoAllowOrigin) {
  for (const std::string_view origin :
       {std::string_view("https://evil.example.org"), std::string_view("null"),
        std::string_view("https://sandbox.cds-hooks.org.evil.example"),
        std::string_view("https://SANDBOX.cds-hooks.org:443/"), std::string_view("")}) {
    for (HttpRequest request : {Request(http::verb::get, "/cds-services"),
                                Request(http::verb::options, ServicePath(kSelectId)),
                                Request(http::verb::get, "/nope")}) {
      const HttpResponse r = HandleWithOrigin(std::move(request), origin);
      EXPECT_EQ(r.count(http::field::access_control_allow_origin), 0u) << origin;
      // The answer depends on Origin, so caches must key on it whatever it was.
      EXPECT_EQ(r[http::field::vary], "Origin") << origin;
    }
  }
}

TEST_F(RouterTest, AnyOriginModeAnswersStarEvenWithAnOrigin) {
  HttpRequest request = Request(http::verb::get, "/cds-services");
  request.set(http::field::origin, "https://anything.example");
  const HttpResponse r = Handle(std::move(request));
  EXPECT_EQ(r[http::field::access_control_allow_origin], "*");
  EXPECT_EQ(r.count(http::field::access_control_allow_credentials), 0u);
}

// ---- health -----------------------------------------------------------------------------------

TEST_F(RouterTest, HealthAndReadiness) {
  const HttpResponse health = Handle(Request(http::verb::get, "/healthz"));
  EXPECT_EQ(health.result_int(), 200u);
  EXPECT_EQ(health.body(), R"({"status":"ok"})");
  ExpectCommonHeaders(health);
  const HttpResponse ready = Handle(Request(http::verb::get, "/readyz"));
  EXPECT_EQ(ready.result_int(), 200u);
  // This router has no authenticator (--insecure-no-auth): readiness says so.
  EXPECT_EQ(ready.body(), R"({"status":"ready","warnings":["authentication disabled"]})");
  EXPECT_TRUE(ready.keep_alive());
  EXPECT_FALSE(router_.draining());

  router_.SetDraining();
  EXPECT_TRUE(router_.draining());
  const HttpResponse draining = Handle(Request(http::verb::get, "/readyz"));
  EXPECT_EQ(draining.result_int(), 503u);
  EXPECT_EQ(draining.body(), R"({"status":"draining"})");
  ExpectCommonHeaders(draining);
  EXPECT_FALSE(draining.keep_alive());
  // Alive while draining, and still serving in-flight work, but closing connections.
  const HttpResponse alive = Handle(Request(http::verb::get, "/healthz"));
  EXPECT_EQ(alive.result_int(), 200u);
  EXPECT_FALSE(alive.keep_alive());
  const HttpResponse call =
      Handle(Request(http::verb::post, ServicePath(kSelectId), SandboxBody()));
  EXPECT_EQ(call.result_int(), 200u);
  EXPECT_FALSE(call.keep_alive());
}

// ---- headers ----------------------------------------------------------------------------------

TEST_F(RouterTest, HstsOnlyOverTls) {
  for (const bool secure : {true, false}) {
    ExpectCommonHeaders(Handle(Request(http::verb::get, "/cds-services"), secure), secure);
    ExpectCommonHeaders(Handle(Request(http::verb::get, "/nope"), secure), secure);
    ExpectCommonHeaders(Handle(Request(http::verb::options, "/cds-services"), secure), secure);
  }
}

TEST_F(RouterTest, RequestIdIsEchoedWhenAcceptable) {
  for (const std::string_view id :
       {"abc", "580551c0-9fac-4609-9d4f-9ac362f74278", "A.b_c:d-e", "x"}) {
    HttpRequest request = Request(http::verb::get, "/cds-services");
    request.set("X-Request-Id", id);
    const HttpResponse r = Handle(std::move(request));
    EXPECT_EQ(r["X-Request-Id"], id);
    EXPECT_EQ(info_.request_id, id);
  }
  const std::string longest(128, 'a');
  HttpRequest request = Request(http::verb::get, "/nope");
  request.set("X-Request-Id", longest);
  EXPECT_EQ(Handle(std::move(request))["X-Request-Id"], longest);
}

TEST_F(RouterTest, RequestIdIsGeneratedWhenMissingOrUnacceptable) {
  const std::regex generated("[0-9a-f]{16}");
  std::set<std::string> seen;
  for (const std::string& id :
       {std::string(), std::string("has space"), std::string(129, 'a'), std::string("a/b"),
        std::string("new\nline"), std::string("caf\xC3\xA9"), std::string("<script>")}) {
    HttpRequest request = Request(http::verb::get, "/cds-services");
    if (!id.empty()) request.set("X-Request-Id", id);
    const HttpResponse r = Handle(std::move(request));
    const std::string echoed(r["X-Request-Id"]);
    EXPECT_TRUE(std::regex_match(echoed, generated)) << echoed;
    EXPECT_EQ(info_.request_id, echoed);
    seen.insert(echoed);
  }
  EXPECT_EQ(seen.size(), 7u);  // fresh every time
}

TEST(RequestIdForTest, Table) {
  EXPECT_EQ(RequestIdFor("req-1"), "req-1");
  EXPECT_NE(RequestIdFor(""), RequestIdFor(""));
  EXPECT_EQ(RequestIdFor("").size(), 16u);
  EXPECT_EQ(RequestIdFor(std::string(129, 'a')).size(), 16u);
}

TEST_F(RouterTest, KeepAliveFollowsTheRequest) {
  EXPECT_TRUE(Handle(Request(http::verb::get, "/cds-services")).keep_alive());
  HttpRequest close = Request(http::verb::get, "/cds-services");
  close.set(http::field::connection, "close");
  EXPECT_FALSE(Handle(std::move(close)).keep_alive());
  HttpRequest http10 = Request(http::verb::get, "/cds-services");
  http10.version(10);
  const HttpResponse r10 = Handle(std::move(http10));
  EXPECT_FALSE(r10.keep_alive());
  EXPECT_EQ(r10.version(), 10u);
  HttpRequest http10_keep = Request(http::verb::get, "/cds-services");
  http10_keep.version(10);
  http10_keep.set(http::field::connection, "keep-alive");
  EXPECT_TRUE(Handle(std::move(http10_keep)).keep_alive());
}

// ---- errors raised outside Handle (session: 401, 413, 431, 500) -------------------------------

TEST_F(RouterTest, UnauthorizedNeverCarriesTheReason) {
  const HttpRequest request = Request(http::verb::post, ServicePath(kSelectId), SandboxBody());
  RequestInfo info;
  const HttpResponse r = router_.ErrorResponse(
      {HookError::kUnauthorized, "aud", "audience https://other.example mismatch", "jti=abc"},
      request.base(), Connection(true), info);
  EXPECT_EQ(r.result_int(), 401u);
  EXPECT_EQ(r.body(),
            R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"login",)"
            R"("diagnostics":"Authentication failed."}]})");
  EXPECT_EQ(r[http::field::www_authenticate], "Bearer");
  ExpectCommonHeaders(r);
  EXPECT_EQ(info.error, "unauthorized");
  // The reason goes to the log fields only.
  EXPECT_EQ(info.error_detail, "aud: audience https://other.example mismatch (jti=abc)");
  EXPECT_FALSE(info.request_id.empty());
}

TEST_F(RouterTest, InternalErrorRevealsNothing) {
  const HttpRequest request = Request(http::verb::get, "/cds-services");
  RequestInfo info;
  const HttpResponse r = router_.ErrorResponse(
      {HookError::kInternal, "", "std::out_of_range at router.cpp:12", "stack"}, request.base(),
      Connection(true), info);
  EXPECT_EQ(r.result_int(), 500u);
  EXPECT_EQ(r.body(), R"({"resourceType":"OperationOutcome","issue":[{"severity":"error",)"
                      R"("code":"exception","diagnostics":"Internal server error."}]})");
  ExpectCommonHeaders(r);
}

TEST_F(RouterTest, TransportErrorsCloseTheConnection) {
  for (const HookError code : {HookError::kPayloadTooLarge, HookError::kHeadersTooLarge}) {
    const HttpRequest request = Request(http::verb::post, ServicePath(kSelectId), "{}");
    RequestInfo info;
    const HttpResponse r =
        router_.ErrorResponse({code, "", "too large", ""}, request.base(), Connection(true), info);
    EXPECT_EQ(static_cast<int>(r.result_int()), ToHttpStatus(code));
    EXPECT_FALSE(r.keep_alive());
    EXPECT_EQ(IssueCode(r), "too-long");
    ExpectCommonHeaders(r);
  }
  const HttpRequest request = Request(http::verb::get, "/cds-services");
  RequestInfo info;
  info.request_id = "kept";
  const HttpResponse r = router_.ErrorResponse({HookError::kTooManyRequests, "", "slow down", ""},
                                               request.base(), Connection(true), info);
  EXPECT_EQ(r.result_int(), 429u);
  EXPECT_TRUE(r.keep_alive());
  EXPECT_EQ(r["X-Request-Id"], "kept");
}

}  // namespace
}  // namespace cds::hooks
