// Golden end-to-end cases through the real server over HTTPS:
//   tests/data/golden/<case>/NN-<step>.request.json  -> NN-<step>.response.json
// Each case gets its own server, evaluated as of kNow (--now), so lookbacks are stable. Steps
// run in order on one keep-alive connection (order-sign after order-select). UUIDs are
// normalised to "<uuid>" before comparison; every 200 body must pass the conformance checker
// (points 16-22). CDS_GOLDEN_UPDATE=1 rewrites the expected files from what the server says:
// review the diff before committing it.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "tests/cards/conformance.hpp"
#include "tests/integration/server_process.hpp"
#include "tests/integration/tls_client.hpp"

namespace cds::testing {
namespace {

namespace fs = std::filesystem;
constexpr const char* kNow = "2026-11-21T12:00:00Z";

fs::path GoldenDir() { return fs::path(TEST_DATA_DIR) / "golden"; }

std::vector<std::string> Cases() {
  std::vector<std::string> cases;
  if (!fs::exists(GoldenDir())) return cases;
  for (const auto& entry : fs::directory_iterator(GoldenDir())) {
    if (entry.is_directory()) cases.push_back(entry.path().filename().string());
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

std::string Normalise(const std::string& body) {
  static const std::regex kUuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  return std::regex_replace(body, kUuid, "<uuid>");
}

std::string Pretty(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, ResponsesMatch) {
  const fs::path dir = GoldenDir() / GetParam();
  std::vector<fs::path> requests;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().string().ends_with(".request.json")) requests.push_back(entry.path());
  }
  std::sort(requests.begin(), requests.end());
  ASSERT_FALSE(requests.empty()) << dir;
  const bool update = std::getenv("CDS_GOLDEN_UPDATE") != nullptr;

  ServerProcess server({"--now", kNow});
  ASSERT_TRUE(server.started());
  TlsClient client;
  ASSERT_FALSE(client.Connect(server.port()));
  for (const fs::path& request_path : requests) {
    SCOPED_TRACE(request_path.filename().string());
    std::string body = ReadFile(request_path.string());
    rapidjson::Document request_json;
    request_json.Parse(body.c_str());
    ASSERT_TRUE(request_json.IsObject() && request_json.HasMember("hook"));
    const std::string target =
        std::string("/cds-services/antimicrobial-stewardship-") + request_json["hook"].GetString();
    Request request = JsonPost(target, body);
    Response response;
    ASSERT_FALSE(client.Send(request, response));

    rapidjson::Document actual(rapidjson::kObjectType);
    auto& alloc = actual.GetAllocator();
    actual.AddMember("status", response.result_int(), alloc);
    rapidjson::Document actual_body;
    const std::string normalised = Normalise(response.body());
    actual_body.Parse(normalised.c_str());
    ASSERT_FALSE(actual_body.HasParseError()) << response.body();
    actual.AddMember("body", rapidjson::Value(actual_body, alloc), alloc);
    if (response.result_int() == 200) ExpectConformantResponse(response.body());

    std::string expected_path = request_path.string();
    expected_path.replace(expected_path.size() - std::string(".request.json").size(),
                          std::string::npos, ".response.json");
    if (update) {
      std::ofstream(expected_path, std::ios::binary) << Pretty(actual);
      continue;
    }
    rapidjson::Document expected;
    expected.Parse(ReadFile(expected_path).c_str());
    ASSERT_FALSE(expected.HasParseError())
        << "missing or invalid " << expected_path << " (run with CDS_GOLDEN_UPDATE=1 and review)";
    EXPECT_TRUE(expected == actual) << "expected:\n"
                                    << Pretty(expected) << "actual:\n"
                                    << Pretty(actual);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, GoldenTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (std::isalnum(static_cast<unsigned char>(c)) == 0) c = '_';
                           }
                           return name;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(GoldenTest);

}  // namespace
}  // namespace cds::testing
