// GET /metrics and the call logs against the real server binary over TLS with curl (issue 8
// "Observability"): the admin credential guards the metrics, the text format parses, counters
// move with the calls, every log line of a call carries its X-Request-Id, and the start-up line
// shows the configuration without the admin token.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/server_process.hpp"

namespace cds::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kToken = "metrics-admin-token-0123456789-abcdefghijklmnop";
constexpr const char* kSelect = "/cds-services/antimicrobial-stewardship-order-select";

struct CurlResult {
  int status = 0;
  std::string body;
};

// GET or POST (with `body_file`) through curl, verifying the server against the dev CA.
CurlResult Curl(const ServerProcess& server, const std::string& path,
                const std::vector<std::string>& headers, const std::string& body_file = "") {
  std::string command =
      "curl -sS --max-time 30 --cacert " + CertPath("ca.pem") + " -w '\\n%{http_code}'";
  for (const std::string& h : headers) command += " -H '" + h + "'";
  if (!body_file.empty()) {
    command += " -H 'Content-Type: application/json' --data-binary @" + body_file;
  }
  command += " '" + server.Url(path) + "'";
  const CommandResult r = RunCommand(command);
  CurlResult out;
  const std::size_t last = r.output.rfind('\n');
  if (last == std::string::npos) {
    ADD_FAILURE() << "curl: " << r.output;
    return out;
  }
  out.status = std::atoi(r.output.c_str() + last + 1);
  out.body = r.output.substr(0, last);
  return out;
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The value of `series` ("name{labels}" exactly as rendered); -1 when absent.
double Sample(const std::string& text, const std::string& series) {
  for (const std::string& line : SplitLines(text)) {
    if (line.size() > series.size() && line.starts_with(series) && line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return -1;
}

double SumOf(const std::string& text, const std::string& name) {
  double sum = 0;
  for (const std::string& line : SplitLines(text)) {
    if (line.starts_with(name + "{")) sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

// The firing 10 KB order-select, with every prefetch key present (nothing to fetch).
std::string FiringBodyFile() {
  std::string body = ReadFile(std::string(CDS_SOURCE_DIR) + "/bench/data/order-select-10k.json");
  const std::string prefetch = "\"prefetch\":{";
  body.insert(body.find(prefetch) + prefetch.size(), "\"medicationAdministrations\":null,");
  return WriteTempFile("metrics-firing.json", body);
}

TEST(MetricsIntegrationTest, MetricsBehindTheAdminTokenParseAndCountTheCalls) {
  const std::string token_file = WriteTempFile("metrics-admin-token", std::string(kToken) + "\n");
  ServerProcess server({"--admin-token-file", token_file});
  ASSERT_TRUE(server.started());
  const std::string auth = std::string("Authorization: Bearer ") + kToken;

  EXPECT_EQ(Curl(server, "/metrics", {}).status, 401);
  EXPECT_EQ(Curl(server, "/metrics", {"Authorization: Bearer wrong-token"}).status, 401);
  const CurlResult before = Curl(server, "/metrics", {auth});
  ASSERT_EQ(before.status, 200) << before.body;

  // The text format: comments, or `name{labels} value`.
  const std::regex sample(
      R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? )"
      R"((-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|\+Inf|-Inf|NaN)$)");
  std::size_t samples = 0;
  for (const std::string& line : SplitLines(before.body)) {
    if (line.empty()) continue;
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) continue;
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
    ++samples;
  }
  EXPECT_GT(samples, 20u);
  EXPECT_THAT(before.body, HasSubstr("# TYPE cds_open_connections gauge"));
  EXPECT_GE(Sample(before.body, "cds_open_connections"), 1);  // this scrape's own connection
  EXPECT_EQ(Sample(before.body, "cds_audit_queue_depth"), 0);
  EXPECT_THAT(before.body, HasSubstr("cds_build_info{version=\""));
  EXPECT_THAT(before.body, HasSubstr("cds_terminology_info{version=\""));
  EXPECT_EQ(Sample(before.body, R"(cds_http_requests_total{route="metrics",status="401"})"), 2);

  const CurlResult call =
      Curl(server, kSelect, {"X-Request-Id: metrics-it-call-1"}, FiringBodyFile());
  ASSERT_EQ(call.status, 200) << call.body;
  ASSERT_THAT(call.body, HasSubstr("\"uuid\""));
  const CurlResult refused =
      Curl(server, kSelect, {"X-Request-Id: metrics-it-call-2"},
           WriteTempFile("metrics-sandbox.json", SandboxRequest()));  // must fetch: 412
  EXPECT_EQ(refused.status, 412) << refused.body;

  const CurlResult after = Curl(server, "/metrics", {auth});
  ASSERT_EQ(after.status, 200);
  const std::string ok = R"(cds_http_requests_total{route="service",status="200"})";
  EXPECT_EQ(Sample(after.body, ok), std::max(0.0, Sample(before.body, ok)) + 1);
  EXPECT_EQ(Sample(after.body, R"(cds_http_requests_total{route="service",status="412"})"), 1);
  EXPECT_EQ(Sample(after.body, R"(cds_http_requests_total{route="metrics",status="200"})"), 1);
  EXPECT_GE(SumOf(after.body, "cds_cards_total"), 1);
  EXPECT_EQ(
      Sample(
          after.body,
          R"(cds_hook_stage_seconds_count{service="antimicrobial-stewardship-order-select",stage="total"})"),
      2);
  EXPECT_EQ(
      Sample(
          after.body,
          R"(cds_hook_stage_seconds_count{service="antimicrobial-stewardship-order-select",stage="engine"})"),
      1);
  EXPECT_GE(Sample(after.body, "cds_audit_commit_seconds_count"), 2);

  // Every log line about either call carries its request id (and its hookInstance).
  const std::string log = server.Log();
  std::size_t call_lines = 0;
  for (const std::string& line : SplitLines(log)) {
    if (line.find("d1577c69-dfbe-44ad-ba6d-3e05e953b2ea") == std::string::npos &&
        line.find("metrics-it-call") == std::string::npos) {
      continue;
    }
    ++call_lines;
    EXPECT_THAT(line, ::testing::ContainsRegex("\"request_id\":\"metrics-it-call-[12]\"")) << line;
  }
  EXPECT_GE(call_lines, 3u) << log;  // two access lines and the refused prefetch
  EXPECT_THAT(log, ::testing::ContainsRegex(
                       "\"msg\":\"prefetch fetched\",\"request_id\":\"metrics-it-call-2\""));

  // The start-up configuration: one JSON line, the token file by path, never the token.
  std::string config_line;
  for (const std::string& line : SplitLines(log)) {
    if (line.find("\"msg\":\"configuration\"") != std::string::npos) config_line = line;
  }
  ASSERT_FALSE(config_line.empty()) << log;
  EXPECT_THAT(config_line, HasSubstr("\"token_file\":\"" + token_file + "\""));
  EXPECT_THAT(config_line, HasSubstr("\"key_file\":\""));
  EXPECT_THAT(config_line, HasSubstr("\"limits\":{"));
  EXPECT_THAT(log, Not(HasSubstr(kToken)));
  EXPECT_THAT(log, Not(HasSubstr("PRIVATE KEY")));
  EXPECT_THAT(log, ::testing::ContainsRegex("\"msg\":\"terminology loaded\".*\"version\":\""));
  EXPECT_THAT(log, ::testing::ContainsRegex("\"msg\":\"rules loaded\".*\"versions\":\"[^\"]+@"));
}

TEST(MetricsIntegrationTest, WithoutAnAdminCredentialMetricsAre404) {
  ServerProcess server;
  ASSERT_TRUE(server.started());
  EXPECT_EQ(Curl(server, "/metrics", {std::string("Authorization: Bearer ") + kToken}).status, 404);
}

}  // namespace
}  // namespace cds::testing
