#include "hooks/service_metrics.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <string>

namespace cds::hooks {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::size_t Lines(const std::string& text, std::string_view prefix) {
  std::istringstream in(text);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(prefix)) ++n;
  }
  return n;
}

TEST(ServiceMetricsTest, EveryFamilyRendersWithTypeAndHelp) {
  ServiceMetrics m("1.2.3", "engine-4", {"svc-a"});
  m.SetAuditQueueDepth([] { return 3; });
  m.SetOpenConnections([] { return 7; });
  m.SetTerminologyVersion("2026-01");
  m.SetRulesVersion("stewardship", 2, "r1@1,r2@2");
  const std::string text = m.Render();
  for (const char* family :
       {"cds_http_requests_total counter", "cds_hook_stage_seconds histogram",
        "cds_cards_total counter", "cds_feedback_total counter", "cds_fhir_fetches_total counter",
        "cds_fhir_fetch_seconds histogram", "cds_jwks_fetches_total counter",
        "cds_auth_failures_total counter", "cds_audit_commit_seconds histogram",
        "cds_audit_queue_depth gauge", "cds_open_connections gauge", "cds_build_info gauge"}) {
    EXPECT_THAT(text, HasSubstr(std::string("# TYPE ") + family)) << family;
  }
  EXPECT_THAT(text, HasSubstr("cds_build_info{version=\"1.2.3\",engine=\"engine-4\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("cds_terminology_info{version=\"2026-01\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("cds_audit_queue_depth 3\n"));
  EXPECT_THAT(text, HasSubstr("cds_open_connections 7\n"));
  // The catalogue's service has its six stage series before any call.
  for (const char* stage : {"auth", "parse", "prefetch", "engine", "audit", "total"}) {
    EXPECT_THAT(text, HasSubstr("cds_hook_stage_seconds_count{service=\"svc-a\",stage=\"" +
                                std::string(stage) + "\"} 0\n"));
  }
}

TEST(ServiceMetricsTest, TheAuditPolicyStateIsReadAtScrapeTime) {
  ServiceMetrics m("v", "e", {"svc"});
  audit::AuditHealth health;
  m.SetAuditHealth([&health] { return health; });
  EXPECT_THAT(m.Render(), HasSubstr("cds_audit_state 0\n"));
  health.state = audit::AuditState::kSpooling;
  health.spooled_records = 3;
  health.spool_bytes = 4096;
  health.commit_failures = 2;
  const std::string text = m.Render();
  EXPECT_THAT(text, HasSubstr("cds_audit_state 1\n"));
  EXPECT_THAT(text, HasSubstr("cds_audit_spooled_records 3\n"));
  EXPECT_THAT(text, HasSubstr("cds_audit_spool_bytes 4096\n"));
  EXPECT_THAT(text, HasSubstr("cds_audit_commit_failures_since_start 2\n"));
  health.state = audit::AuditState::kFailing;
  EXPECT_THAT(m.Render(), HasSubstr("cds_audit_state 2\n"));
}

TEST(ServiceMetricsTest, CountsLandInTheirSeries) {
  ServiceMetrics m("v", "e", {"svc"});
  m.CountRequest(Route::kService, 200);
  m.CountRequest(Route::kService, 200);
  m.CountRequest(Route::kNone, 404);
  m.CountCard("carb-vpa", "critical");
  m.CountFeedback("overridden", "carb-vpa");
  m.CountFeedback("accepted", "");
  m.CountFhirFetch("200", std::chrono::milliseconds(3));
  m.CountFhirFetch("timeout", std::chrono::seconds(2));
  m.CountJwksFetch("ok");
  m.CountAuthFailure("expired");
  m.ForService("svc").Observe(Stage::kEngine, std::chrono::microseconds(70));
  m.ObserveAuditCommit(std::chrono::milliseconds(1));
  const std::string text = m.Render();
  EXPECT_THAT(text, HasSubstr("cds_http_requests_total{route=\"service\",status=\"200\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("cds_http_requests_total{route=\"none\",status=\"404\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("cds_cards_total{rule=\"carb-vpa\",indicator=\"critical\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("cds_feedback_total{outcome=\"overridden\",rule=\"carb-vpa\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("cds_feedback_total{outcome=\"accepted\",rule=\"unknown\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("cds_fhir_fetches_total{status=\"timeout\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("cds_fhir_fetch_seconds_count 2\n"));
  EXPECT_THAT(text, HasSubstr("cds_jwks_fetches_total{result=\"ok\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("cds_auth_failures_total{reason=\"expired\"} 1\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "cds_hook_stage_seconds_bucket{service=\"svc\",stage=\"engine\",le=\"0.0001\"} 1\n"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "cds_hook_stage_seconds_bucket{service=\"svc\",stage=\"engine\",le=\"5e-05\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("cds_audit_commit_seconds_count 1\n"));
}

// Whatever statuses come, the request family only ever holds one series per route and real
// status code: routes are an enum, and out-of-range statuses share one "invalid" label.
TEST(ServiceMetricsTest, RequestLabelsAreBounded) {
  ServiceMetrics m("v", "e", {});
  for (unsigned status = 0; status < 2000; ++status) m.CountRequest(Route::kNone, status);
  m.CountRequest(static_cast<Route>(200), 200);  // never a label beyond the enum
  const std::string text = m.Render();
  // 500 real codes (100-599) + "invalid", plus each route's pre-created 200 series.
  EXPECT_EQ(Lines(text, "cds_http_requests_total{route=\"none\""), 501u);
  EXPECT_THAT(text, HasSubstr("cds_http_requests_total{route=\"none\",status=\"invalid\"} 1500\n"));
  EXPECT_EQ(Lines(text, "cds_http_requests_total{"), 501u + 7u);
  const std::regex line(
      R"re(^cds_http_requests_total\{route="(none|discovery|service|feedback|health|ready)re"
      R"re(|admin|metrics)",status="(\d{3}|invalid)"\} \d+$)re");
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l.starts_with("cds_http_requests_total{")) {
      EXPECT_TRUE(std::regex_match(l, line)) << l;
    }
  }
}

TEST(ServiceMetricsTest, ServiceSeriesAreStable) {
  ServiceMetrics m("v", "e", {"a"});
  const auto* first = &m.ForService("a");
  for (int i = 0; i < 100; ++i) (void)m.ForService("other-" + std::to_string(i));
  EXPECT_EQ(first, &m.ForService("a"));
  EXPECT_THAT(m.Render(), Not(HasSubstr("stage=\"bogus\"")));
}

}  // namespace
}  // namespace cds::hooks
