// The Authenticate step of the router with a real authenticator (pinned jose-signed vectors):
// what the EHR sees (401 + WWW-Authenticate, no detail; 429 + Retry-After) and what the log
// gets (the reason, iss and jti; never the token).
#include "hooks/router.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "tests/hooks/auth_test_util.hpp"
#include "tests/hooks/test_engine.hpp"
#include "tests/hooks/test_files.hpp"

namespace cds::hooks {
namespace {

namespace http = boost::beast::http;
using auth::testing::JoseVectors;
using ::testing::HasSubstr;
using ::testing::Not;

// The vectors are addressed to https://cds.vectors.test/cds-services/x and issued at
// 1700000000 (long ago): the router checks real time, so these tests use the authenticator's
// verdicts that do not depend on the clock, plus the time-independent paths.
std::string PinnedFile() {
  const std::string p = ::testing::TempDir() + "router-auth-jwks.json";
  std::ofstream(p, std::ios::binary) << JoseVectors().jwks;
  return p;
}

ServerConfig AuthConfig(double rate = 0, bool protect_discovery = false) {
  ServerConfig config = DefaultConfig();
  config.auth.issuers.push_back({});
  config.auth.issuers.back().iss = "https://ehr.vectors.test";
  config.auth.issuers.back().jwks_file = PinnedFile();
  config.limits.issuer_requests_per_second = rate;
  config.limits.issuer_burst = 1;
  config.auth.protect_discovery = protect_discovery;
  return config;
}

std::shared_ptr<auth::Authenticator> MakeAuthenticator(const ServerConfig& config) {
  auto created = auth::Authenticator::Create(config.auth, nullptr,
                                             std::make_shared<auth::InMemoryReplayStore>(100));
  EXPECT_TRUE(created.ok());
  created.value()->SetAudienceBase("https://cds.vectors.test");
  return created.value();
}

HttpRequest Post(std::string_view target, std::string authorization) {
  HttpRequest request{http::verb::post, target, 11};
  request.set(http::field::host, "cds.vectors.test");
  request.set(http::field::content_type, "application/json");
  if (!authorization.empty()) request.set(http::field::authorization, authorization);
  request.body() = testing::ReadFile(testing::RequestsDir() / "sandbox-order-select.valid.json");
  request.prepare_payload();
  return request;
}

TEST(RouterAuthTest, AMissingOrBadTokenIs401WithNoDetail) {
  const ServerConfig config = AuthConfig();
  const Router router(config, ServiceCatalog::Default(), testing::TestEngine(), nullptr,
                      MakeAuthenticator(config));
  const std::string token = JoseVectors().Token("ES384");
  for (const std::string& authorization :
       {std::string(), "Bearer " + token, "Bearer " + token.substr(0, token.size() - 4) + "AAAA",
        std::string("Bearer garbage"), "Basic " + token}) {
    RequestInfo info;
    const HttpResponse r = router.HandleSync(
        Post("/cds-services/antimicrobial-stewardship-order-select", authorization), {}, info);
    EXPECT_EQ(r.result_int(), 401u) << authorization.substr(0, 20);
    EXPECT_EQ(r[http::field::www_authenticate], "Bearer");
    EXPECT_EQ(r[http::field::access_control_allow_origin], "*");
    EXPECT_EQ(r.body(),
              R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"login",)"
              R"("diagnostics":"Authentication failed."}]})");
    // The log line says why; it never holds the token.
    EXPECT_EQ(info.error, "unauthorized");
    EXPECT_THAT(info.error_detail, Not(HasSubstr(token.substr(0, 40))));
    EXPECT_THAT(info.error_detail, Not(HasSubstr(token.substr(token.size() - 40))));
    EXPECT_TRUE(info.hook_instance.empty());  // the body was never parsed
  }
}

TEST(RouterAuthTest, TheLogSaysWhy) {
  const ServerConfig config = AuthConfig();
  const Router router(config, ServiceCatalog::Default(), testing::TestEngine(), nullptr,
                      MakeAuthenticator(config));
  RequestInfo info;
  // Addressed to /cds-services/x: on this route the audience does not match.
  (void)router.HandleSync(Post("/cds-services/antimicrobial-stewardship-order-select",
                               "Bearer " + JoseVectors().Token("ES384")),
                          {}, info);
  EXPECT_THAT(info.error_detail, HasSubstr("audience_mismatch"));
  EXPECT_THAT(info.error_detail, HasSubstr("iss https://ehr.vectors.test"));
  EXPECT_THAT(info.error_detail, HasSubstr("kid es384-key"));
  EXPECT_THAT(info.error_detail,
              HasSubstr("https://cds.vectors.test/cds-services/antimicrobial-stewardship-order-"
                        "select"));
  RequestInfo missing;
  (void)router.HandleSync(Post("/cds-services/antimicrobial-stewardship-order-select", ""), {},
                          missing);
  EXPECT_THAT(missing.error_detail, HasSubstr("missing_token"));
}

TEST(RouterAuthTest, OptionsAndHealthNeedNoTokenAndDiscoveryIsOpenByDefault) {
  const ServerConfig config = AuthConfig();
  const Router router(config, ServiceCatalog::Default(), testing::TestEngine(), nullptr,
                      MakeAuthenticator(config));
  for (const auto& [method, target] : std::vector<std::pair<http::verb, std::string>>{
           {http::verb::get, "/cds-services"},
           {http::verb::options, "/cds-services/antimicrobial-stewardship-order-select"},
           {http::verb::get, "/healthz"},
           {http::verb::get, "/readyz"}}) {
    HttpRequest request{method, target, 11};
    RequestInfo info;
    const HttpResponse r = router.HandleSync(std::move(request), {}, info);
    EXPECT_LT(r.result_int(), 300u) << target;
  }
  RequestInfo info;
  const HttpResponse ready =
      router.HandleSync(HttpRequest{http::verb::get, "/readyz", 11}, {}, info);
  EXPECT_EQ(ready.body(), R"({"status":"ready"})");  // no warning: auth is on
}

TEST(RouterAuthTest, ProtectedDiscoveryNeedsAToken) {
  const ServerConfig config = AuthConfig(0, /*protect_discovery=*/true);
  const Router router(config, ServiceCatalog::Default(), testing::TestEngine(), nullptr,
                      MakeAuthenticator(config));
  for (const http::verb method : {http::verb::get, http::verb::head}) {
    RequestInfo info;
    const HttpResponse r = router.HandleSync(HttpRequest{method, "/cds-services", 11}, {}, info);
    EXPECT_EQ(r.result_int(), 401u);
    EXPECT_EQ(r[http::field::www_authenticate], "Bearer");
  }
  RequestInfo info;
  const HttpResponse preflight =
      router.HandleSync(HttpRequest{http::verb::options, "/cds-services", 11}, {}, info);
  EXPECT_EQ(preflight.result_int(), 204u);
}

}  // namespace
}  // namespace cds::hooks
