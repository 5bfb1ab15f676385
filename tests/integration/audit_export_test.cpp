// `cds-hooks-cli audit export` over a store the real server filled: CSV parses back (RFC 4180),
// NDJSON parses line by line, and the FHIR Bundle has the R4 structure (resource types,
// required elements, references that resolve, every AuditEvent naming its hookInstance).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/server_process.hpp"
#include "tests/integration/tls_client.hpp"

namespace cds::testing {
namespace {

namespace http = boost::beast::http;
using namespace std::chrono_literals;

constexpr const char* kSelect = "/cds-services/antimicrobial-stewardship-order-select";
constexpr const char* kFeedback = "/cds-services/antimicrobial-stewardship-order-select/feedback";

std::string Body(const std::string& hook_instance) {
  std::string body = ReadFile(std::string(CDS_SOURCE_DIR) + "/bench/data/order-select-10k.json");
  const std::string old = "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea";
  body.replace(body.find(old), old.size(), hook_instance);
  return body;
}

// RFC 4180: records of fields, quoted fields may hold commas, CRLF and doubled quotes.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    std::string& field = rows.back().back();
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      EXPECT_TRUE(field.empty()) << "quote inside an unquoted field";
      quoted = true;
    } else if (c == ',') {
      rows.back().emplace_back();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.emplace_back(1);
      ++i;
    } else {
      EXPECT_NE(c, '\n') << "bare LF outside quotes";
      field.push_back(c);
    }
  }
  EXPECT_FALSE(quoted);
  if (rows.back().size() == 1 && rows.back()[0].empty()) rows.pop_back();
  return rows;
}

class AuditExportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess();
    ASSERT_TRUE(server_->started());
    TlsClient client;
    ASSERT_FALSE(client.Connect(server_->port()));
    for (int i = 0; i < 3; ++i) {
      const std::string hi = "export-" + std::to_string(i);
      hook_instances_.insert(hi);
      Request request = JsonPost(kSelect, Body(hi));
      Response response;
      ASSERT_FALSE(client.Send(request, response));
      ASSERT_EQ(response.result_int(), 200);
      rapidjson::Document doc;
      doc.Parse(response.body().c_str());
      for (const auto& card : doc["cards"].GetArray())
        card_uuids_.push_back(card["uuid"].GetString());
    }
    // An error call (recorded, no cards) and feedback: a tricky comment, an unknown card.
    Request bad = JsonPost(kSelect, "{");
    Response response;
    ASSERT_FALSE(client.Send(bad, response));
    const std::string comment = R"(=HYPERLINK(\"x\"), said \"no\",\nthen yes)";
    Request feedback = JsonPost(
        kFeedback, R"({"feedback":[{"card":")" + card_uuids_[0] +
                       R"(","outcome":"overridden","overrideReason":{"userComment":")" + comment +
                       R"("},"outcomeTimestamp":"2026-11-21T10:00:00Z"},)"
                       R"({"card":"never-issued","outcome":"overridden","overrideReason":)"
                       R"({"userComment":"x"},"outcomeTimestamp":"2026-11-21T10:00:00Z"}]})");
    ASSERT_FALSE(client.Send(feedback, response));
    ASSERT_EQ(response.result_int(), 200) << response.body();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  static std::string Export(const std::string& format) {
    const std::string out = WriteTempFile("export." + format, "");
    const auto run = RunCommand(
        std::string(CLI_BINARY) + " audit export --from 2000-01-01 --to 2100-01-01 --format " +
        format + " --audit-db " + server_->audit_db() + " --out " + out + " 2>&1");
    EXPECT_EQ(run.exit_code, 0) << run.output;
    return ReadFile(out);
  }

  static ServerProcess* server_;
  static std::set<std::string> hook_instances_;
  static std::vector<std::string> card_uuids_;
};
ServerProcess* AuditExportTest::server_ = nullptr;
std::set<std::string> AuditExportTest::hook_instances_;
std::vector<std::string> AuditExportTest::card_uuids_;

TEST_F(AuditExportTest, CsvQuotesAndParsesBack) {
  const auto rows = ParseCsv(Export("csv"));
  ASSERT_EQ(rows.size(), 1u + card_uuids_.size() + 1u);  // header, cards, the error call
  EXPECT_EQ(rows[0][0], "received");
  EXPECT_EQ(rows[0][1], "hook_instance");
  std::map<std::string, std::vector<std::string>> by_card;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].size(), rows[0].size()) << "row " << i;
    by_card[rows[i][14]] = rows[i];
  }
  const auto& first = by_card.at(card_uuids_[0]);
  EXPECT_EQ(first[1], "export-0");
  EXPECT_EQ(first[24], "overridden");
  // The formula guard and the quoting: the comment comes back whole, defused.
  EXPECT_EQ(first[27], "'=HYPERLINK(\"x\"), said \"no\",\nthen yes");
  EXPECT_EQ(by_card.at("")[4], "400");  // the error call, without a card
}

TEST_F(AuditExportTest, NdjsonIsOneObjectPerLine) {
  const std::string text = Export("ndjson");
  std::size_t calls = 0, unknown = 0, start = 0;
  std::set<std::string> seen;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    ASSERT_NE(end, std::string::npos) << "the last line is not terminated";
    rapidjson::Document doc;
    doc.Parse(text.c_str() + start, end - start);
    ASSERT_FALSE(doc.HasParseError()) << text.substr(start, end - start);
    const std::string type = doc["type"].GetString();
    if (type == "call") {
      ++calls;
      seen.insert(doc["hookInstance"].GetString());
    } else {
      EXPECT_EQ(type, "unknownCardFeedback");
      EXPECT_EQ(std::string(doc["card"].GetString()), "never-issued");
      ++unknown;
    }
    start = end + 1;
  }
  EXPECT_EQ(calls, 4u);
  EXPECT_EQ(unknown, 1u);
  for (const auto& hi : hook_instances_) EXPECT_TRUE(seen.contains(hi)) << hi;
}

TEST_F(AuditExportTest, FhirBundleHasTheR4Structure) {
  const std::string text = Export("fhir");
  rapidjson::Document bundle;
  bundle.Parse(text.c_str(), text.size());
  ASSERT_FALSE(bundle.HasParseError());
  EXPECT_STREQ(bundle["resourceType"].GetString(), "Bundle");
  EXPECT_STREQ(bundle["type"].GetString(), "collection");
  const std::regex instant(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z)");
  const std::regex urn_uuid(
      R"(urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");
  EXPECT_TRUE(std::regex_match(bundle["timestamp"].GetString(), instant));
  std::set<std::string> full_urls, issues, hook_instances, referenced;
  int audit_events = 0;
  for (const auto& entry : bundle["entry"].GetArray()) {
    const std::string full_url = entry["fullUrl"].GetString();
    EXPECT_TRUE(std::regex_match(full_url, urn_uuid)) << full_url;
    EXPECT_TRUE(full_urls.insert(full_url).second) << "duplicate " << full_url;
    const auto& r = entry["resource"];
    const std::string type = r["resourceType"].GetString();
    if (type == "AuditEvent") {
      ++audit_events;
      // Required in R4: type (Coding), recorded (instant), agent (1..*, requestor), source
      // (observer).
      EXPECT_TRUE(r["type"].HasMember("system") && r["type"].HasMember("code"));
      EXPECT_TRUE(std::regex_match(r["recorded"].GetString(), instant));
      ASSERT_GE(r["agent"].Size(), 1u);
      for (const auto& agent : r["agent"].GetArray()) EXPECT_TRUE(agent["requestor"].IsBool());
      EXPECT_TRUE(r["source"]["observer"].IsObject());
      const std::string outcome = r["outcome"].GetString();
      EXPECT_TRUE(outcome == "0" || outcome == "4" || outcome == "8");
      for (const auto& entity : r["entity"].GetArray()) {
        const auto& what = entity["what"];
        if (what.HasMember("identifier") &&
            std::string(what["identifier"]["system"].GetString()) == "urn:cds-hooks:hookInstance") {
          hook_instances.insert(what["identifier"]["value"].GetString());
        }
        if (what.HasMember("reference") &&
            std::string(what["reference"].GetString()).starts_with("urn:uuid:")) {
          referenced.insert(what["reference"].GetString());
        }
      }
    } else {
      ASSERT_EQ(type, "DetectedIssue");
      issues.insert(full_url);
      EXPECT_STREQ(r["status"].GetString(), "final");  // required
      EXPECT_TRUE(r["code"]["coding"][0].HasMember("code"));
      const std::string severity = r["severity"].GetString();
      EXPECT_TRUE(severity == "high" || severity == "moderate" || severity == "low");
      EXPECT_TRUE(r["patient"]["reference"].IsString());
      EXPECT_GT(r["evidence"][0]["detail"].Size(), 0u);
    }
  }
  EXPECT_EQ(audit_events, 4);
  EXPECT_EQ(issues.size(), card_uuids_.size());
  for (const auto& hi : hook_instances_) EXPECT_TRUE(hook_instances.contains(hi)) << hi;
  EXPECT_EQ(referenced, issues);  // each AuditEvent names its cards' DetectedIssues
  for (const auto& uuid : card_uuids_) EXPECT_TRUE(issues.contains("urn:uuid:" + uuid));
}

TEST_F(AuditExportTest, BadArgumentsAreRefused) {
  const std::string cli = std::string(CLI_BINARY) + " audit export ";
  EXPECT_EQ(RunCommand(cli + "--from 2026-01-01 --to 2026-02-01 --format xml --audit-db " +
                       server_->audit_db() + " 2>&1")
                .exit_code,
            2);
  EXPECT_EQ(RunCommand(cli + "--from 2026-02-01 --to 2026-01-01 --format csv 2>&1").exit_code, 2);
  EXPECT_EQ(RunCommand(cli + "--from 2026-01-01 --to 2026-02-01 --format csv --audit-db " +
                       WriteTempFile("x", "") + "-missing.db 2>&1")
                .exit_code,
            1);
}

TEST_F(AuditExportTest, CliPurgeKeepsRecentRows) {
  const auto run = RunCommand(std::string(CLI_BINARY) +
                              " audit purge --retention-days 1 --audit-db " + server_->audit_db());
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.output.find("\"calls\":0"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace cds::testing
