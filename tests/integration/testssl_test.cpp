// testssl.sh against the real server (ctest label `security`): protocols, cipher categories
// and the known TLS vulnerabilities. Skipped, saying so, only when testssl is not installed.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdio>
#include <map>
#include <string>

#include "tests/integration/server_process.hpp"

namespace cds::testing {
namespace {

TEST(TestSslTest, NoOldProtocolsNoWeakCiphersNoKnownVulnerability) {
  if (RunCommand("command -v testssl >/dev/null 2>&1").exit_code != 0) {
    GTEST_SKIP() << "testssl is not installed (Debian package testssl.sh; test.sh installs it)";
  }
  ServerProcess server;
  ASSERT_TRUE(server.started());
  const std::string json = WriteTempFile("testssl.json", "");
  std::remove(json.c_str());  // testssl refuses to overwrite a file
  // Certificate checks (--server-defaults) are left out: the dev CA is not one testssl trusts.
  const CommandResult run = RunCommand(
      "testssl --quiet --color 0 --warnings batch --protocols --std --vulnerable "
      "--ip one --jsonfile " +
      json + " 127.0.0.1:" + std::to_string(server.port()) + " 2>&1");
  rapidjson::Document findings;
  findings.Parse(ReadFile(json).c_str());
  ASSERT_TRUE(findings.IsArray()) << run.output;
  std::map<std::string, std::string> by_id;
  for (const auto& f : findings.GetArray()) {
    const std::string id = f["id"].GetString();
    const std::string severity = f["severity"].GetString();
    by_id[id] = f["finding"].GetString();
    const bool not_about_us = id == "engine_problem" || id.starts_with("cert") ||
                              id == "DNS_CAArecord" || id == "scanProblem";
    if (!not_about_us) {
      EXPECT_TRUE(severity == "OK" || severity == "INFO" || severity == "LOW")
          << id << " " << severity << ": " << by_id[id];
    }
  }
  for (const char* id : {"SSLv2", "SSLv3", "TLS1", "TLS1_1", "cipherlist_NULL", "cipherlist_aNULL",
                         "cipherlist_EXPORT", "cipherlist_LOW", "cipherlist_3DES_IDEA"}) {
    ASSERT_TRUE(by_id.count(id)) << id << " missing from testssl's findings";
    EXPECT_EQ(by_id[id], "not offered") << id;
  }
  for (const char* id : {"TLS1_2", "TLS1_3"}) EXPECT_TRUE(by_id[id].starts_with("offered")) << id;
  for (const char* id : {"heartbleed", "CCS", "ticketbleed", "ROBOT", "secure_renego", "CRIME_TLS",
                         "POODLE_SSL", "SWEET32", "FREAK", "DROWN", "LOGJAM", "BEAST", "RC4"}) {
    EXPECT_TRUE(by_id.count(id)) << id << " was not checked";
  }
}

}  // namespace
}  // namespace cds::testing
