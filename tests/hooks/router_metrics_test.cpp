// What the router records in the metrics (issue 8): requests by route and status, the stage
// histograms of a service call, cards by rule, feedback by the rule of its card (read back from
// the real audit store), auth failures by reason; and GET /metrics behind the admin credential.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "audit/sqlite_store.hpp"
#include "hooks/admin.hpp"
#include "hooks/auth/replay_store.hpp"
#include "hooks/router.hpp"
#include "tests/hooks/auth_test_util.hpp"
#include "tests/hooks/test_engine.hpp"
#include "tests/hooks/test_files.hpp"

namespace cds::hooks {
namespace {

namespace http = boost::beast::http;
using ::cds::hooks::testing::ParseJson;
using ::cds::hooks::testing::ReadFile;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kSelectId = "antimicrobial-stewardship-order-select";
constexpr std::string_view kSelect = "/cds-services/antimicrobial-stewardship-order-select";
constexpr std::string_view kFeedback =
    "/cds-services/antimicrobial-stewardship-order-select/feedback";
constexpr std::string_view kAdminToken = "metrics-test-admin-token-0123456789abcdef";

HttpRequest Request(http::verb method, std::string_view target, std::string body = {},
                    std::string_view authorization = {}) {
  HttpRequest request{method, target, 11};
  request.set(http::field::host, "127.0.0.1:8443");
  if (!authorization.empty()) request.set(http::field::authorization, authorization);
  if (method == http::verb::post) {
    request.set(http::field::content_type, "application/json");
    request.body() = std::move(body);
    request.prepare_payload();
  }
  return request;
}

std::string FiringBody() {
  return ReadFile(std::filesystem::path(CDS_SOURCE_DIR) / "bench/data/order-select-10k.json");
}

std::shared_ptr<ServiceMetrics> MakeMetrics() {
  std::vector<std::string> ids;
  const ServiceCatalog catalog = ServiceCatalog::Default();
  for (const auto& s : catalog.services()) ids.push_back(s.id);
  return std::make_shared<ServiceMetrics>("test", "engine", ids);
}

// The value of the sample `series` (name and labels exactly as rendered), or -1 when absent.
double Sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > series.size() && line.starts_with(series) && line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return -1;
}

std::string Stage(std::string_view stage, std::string_view suffix = "_count") {
  return "cds_hook_stage_seconds" + std::string(suffix) + "{service=\"" + std::string(kSelectId) +
         "\",stage=\"" + std::string(stage) + "\"}";
}

class RouterMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::path(::testing::TempDir()) /
            ("cds-router-metrics-" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(path_);
    audit::SqliteOptions options;
    options.path = path_.string();
    auto store = audit::SqliteAuditStore::Open(options);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::shared_ptr<audit::SqliteAuditStore>(std::move(store).value());
    router_.SetAuditSink(store_);
    router_.SetMetrics(metrics_);
    router_.SetAdminRoutes(std::make_shared<const AdminRoutes>(
        AdminCredential::FromToken(kAdminToken), store_, store_, std::vector<RuleLabel>{}));
  }
  void TearDown() override {
    if (store_) store_->Close();
    std::filesystem::remove(path_);
  }

  // As the session does: handle, then count the response where the access log line is written.
  HttpResponse Handle(HttpRequest request) {
    info_ = RequestInfo{};
    HttpResponse response = router_.HandleSync(std::move(request), {}, info_);
    router_.Observe(info_, response.result_int());
    return response;
  }

  std::filesystem::path path_;
  std::shared_ptr<audit::SqliteAuditStore> store_;
  std::shared_ptr<ServiceMetrics> metrics_ = MakeMetrics();
  Router router_{testing::FixedClockConfig(), ServiceCatalog::Default(), testing::TestEngine()};
  RequestInfo info_;
};

TEST_F(RouterMetricsTest, AServiceCallIsCountedTimedAndItsCardsCountedByRule) {
  const HttpResponse response = Handle(Request(http::verb::post, kSelect, FiringBody()));
  ASSERT_EQ(response.result_int(), 200u) << response.body();
  EXPECT_EQ(info_.route, Route::kService);
  const rapidjson::Document body = ParseJson(response.body(), "response");
  ASSERT_GE(body["cards"].Size(), 1u);
  ASSERT_FALSE(info_.rules.empty());

  const std::string text = metrics_->Render();
  EXPECT_EQ(Sample(text, R"(cds_http_requests_total{route="service",status="200"})"), 1);
  for (const char* stage : {"parse", "engine", "audit", "total"}) {
    EXPECT_EQ(Sample(text, Stage(stage)), 1) << stage;
    EXPECT_GT(Sample(text, Stage(stage, "_sum")), 0) << stage;
  }
  // No authenticator and a complete prefetch: those stages did not run.
  EXPECT_EQ(Sample(text, Stage("prefetch")), 0);
  EXPECT_EQ(Sample(text, Stage("auth")), 0);
  EXPECT_GE(Sample(text, Stage("total", "_sum")), Sample(text, Stage("engine", "_sum")));
  EXPECT_EQ(Sample(text, "cds_audit_commit_seconds_count"), 1);

  // Every card counted once, under its rule and indicator.
  double cards = 0;
  std::istringstream rules(info_.rules);
  for (std::string rule; std::getline(rules, rule, ',');) {
    EXPECT_THAT(text, HasSubstr("cds_cards_total{rule=\"" + rule + "\",indicator=\"")) << rule;
  }
  const std::regex card_line(
      R"re(cds_cards_total\{rule="[^"]+",indicator="(info|warning|critical)"\} (\d+))re");
  for (std::sregex_iterator it(text.begin(), text.end(), card_line), end; it != end; ++it) {
    cards += std::stod((*it)[2]);
  }
  EXPECT_EQ(cards, static_cast<double>(body["cards"].Size()));
}

TEST_F(RouterMetricsTest, FeedbackIsCountedByTheRuleOfItsCard) {
  const HttpResponse call = Handle(Request(http::verb::post, kSelect, FiringBody()));
  ASSERT_EQ(call.result_int(), 200u);
  const rapidjson::Document body = ParseJson(call.body(), "response");
  const std::string uuid = body["cards"][0]["uuid"].GetString();
  const std::string rule = info_.rules.substr(0, info_.rules.find(','));
  const std::string feedback =
      R"({"feedback":[{"card":")" + uuid +
      R"(","outcome":"overridden","outcomeTimestamp":"2026-01-01T10:00:00Z"},)"
      R"({"card":"never-issued","outcome":"accepted","acceptedSuggestions":[{"id":"s"}],)"
      R"("outcomeTimestamp":"2026-01-01T10:00:00Z"}]})";
  const HttpResponse answer = Handle(Request(http::verb::post, kFeedback, feedback));
  ASSERT_EQ(answer.result_int(), 200u) << answer.body();
  const std::string text = metrics_->Render();
  EXPECT_EQ(Sample(text, "cds_feedback_total{outcome=\"overridden\",rule=\"" + rule + "\"}"), 1)
      << text;
  EXPECT_EQ(Sample(text, R"(cds_feedback_total{outcome="accepted",rule="unknown"})"), 1);
  EXPECT_EQ(Sample(text, R"(cds_http_requests_total{route="feedback",status="200"})"), 1);
}

TEST_F(RouterMetricsTest, MetricsNeedTheAdminCredentialAndAreCountedAsTheirRoute) {
  const HttpResponse denied = Handle(Request(http::verb::get, "/metrics"));
  EXPECT_EQ(denied.result_int(), 401u);
  EXPECT_EQ(denied[http::field::www_authenticate], "Bearer");
  EXPECT_THAT(denied.body(), Not(HasSubstr("cds_")));
  const HttpResponse wrong = Handle(Request(http::verb::get, "/metrics", {}, "Bearer nope"));
  EXPECT_EQ(wrong.result_int(), 401u);
  const HttpResponse ok =
      Handle(Request(http::verb::get, "/metrics", {}, "Bearer " + std::string(kAdminToken)));
  ASSERT_EQ(ok.result_int(), 200u);
  EXPECT_EQ(ok[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(ok[http::field::cache_control], "no-store");
  EXPECT_THAT(ok.body(), HasSubstr("# TYPE cds_http_requests_total counter"));
  EXPECT_EQ(Sample(ok.body(), R"(cds_http_requests_total{route="metrics",status="401"})"), 2);
  EXPECT_EQ(Sample(metrics_->Render(), R"(cds_http_requests_total{route="metrics",status="200"})"),
            1);
  // A raw path never becomes a label.
  EXPECT_EQ(Handle(Request(http::verb::get, "/no/such/thing")).result_int(), 404u);
  const std::string text = metrics_->Render();
  EXPECT_EQ(Sample(text, R"(cds_http_requests_total{route="none",status="404"})"), 1);
  EXPECT_THAT(text, Not(HasSubstr("no/such")));
}

TEST(RouterMetricsRouteTest, WithoutAnAdminCredentialMetricsDoNotExist) {
  Router router(testing::FixedClockConfig(), ServiceCatalog::Default(), testing::TestEngine());
  router.SetMetrics(MakeMetrics());
  RequestInfo info;
  EXPECT_EQ(router.HandleSync(Request(http::verb::get, "/metrics"), {}, info).result_int(), 404u);
  Router no_metrics(testing::FixedClockConfig(), ServiceCatalog::Default(), testing::TestEngine());
  no_metrics.SetAdminRoutes(std::make_shared<const AdminRoutes>(
      AdminCredential::FromToken(kAdminToken), nullptr, nullptr, std::vector<RuleLabel>{}));
  EXPECT_EQ(no_metrics
                .HandleSync(
                    Request(http::verb::get, "/metrics", {}, "Bearer " + std::string(kAdminToken)),
                    {}, info)
                .result_int(),
            404u);
}

TEST(RouterMetricsAuthTest, AnAuthFailureIsCountedByReason) {
  const std::string jwks = ::testing::TempDir() + "router-metrics-jwks.json";
  std::ofstream(jwks, std::ios::binary) << auth::testing::JoseVectors().jwks;
  ServerConfig config = DefaultConfig();
  config.auth.issuers.push_back({});
  config.auth.issuers.back().iss = "https://ehr.vectors.test";
  config.auth.issuers.back().jwks_file = jwks;
  auto created = auth::Authenticator::Create(config.auth, nullptr,
                                             std::make_shared<auth::InMemoryReplayStore>(100));
  ASSERT_TRUE(created.ok());
  const std::shared_ptr<auth::Authenticator> authenticator = created.value();
  Router router(config, ServiceCatalog::Default(), testing::TestEngine(), nullptr, authenticator);
  const auto metrics = MakeMetrics();
  router.SetMetrics(metrics);
  RequestInfo info;
  EXPECT_EQ(
      router.HandleSync(Request(http::verb::post, kSelect, FiringBody()), {}, info).result_int(),
      401u);
  EXPECT_EQ(
      router.HandleSync(Request(http::verb::post, kSelect, FiringBody(), "Bearer a.b.c"), {}, info)
          .result_int(),
      401u);
  const std::string text = metrics->Render();
  EXPECT_EQ(Sample(text, R"(cds_auth_failures_total{reason="missing_token"})"), 1) << text;
  EXPECT_EQ(Sample(text, R"(cds_auth_failures_total{reason="malformed_token"})"), 1) << text;
  EXPECT_EQ(Sample(text, Stage("auth")), 2);
  EXPECT_EQ(Sample(text, Stage("total")), 2);
  EXPECT_EQ(Sample(text, Stage("engine")), 0);
}

}  // namespace
}  // namespace cds::hooks
