// The audit failure policy's options (issue 8): audit.on_failure, spool_file, spool_max_bytes,
// busy_timeout_ms, their command-line flags, validation, the example config and the usage text.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "hooks/config.hpp"

namespace cds::hooks {
namespace {

using ::testing::HasSubstr;

CommandLineResult Parse(std::vector<std::string> args, ServerConfig& config) {
  args.insert(args.begin(), "cds-hooks-server");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  return ParseCommandLine(static_cast<int>(args.size()), argv.data(), config);
}

TEST(AuditPolicyConfigTest, DefaultsFailClosedWithTheSpoolNextToTheDatabase) {
  const ServerConfig c = DefaultConfig();
  EXPECT_EQ(c.audit.on_failure, "fail_closed");
  EXPECT_EQ(c.audit.spool_max_bytes, 256ULL << 20);
  EXPECT_EQ(c.audit.busy_timeout_ms, 5000u);
  EXPECT_EQ(AuditSpoolFile(c.audit), "var/audit.spool.ndjson");
  AuditConfig other;
  other.db_file = "/data/cds/trail.sqlite";
  EXPECT_EQ(AuditSpoolFile(other), "/data/cds/trail.spool.ndjson");
  other.spool_file = "/spool/x.ndjson";
  EXPECT_EQ(AuditSpoolFile(other), "/spool/x.ndjson");
}

TEST(AuditPolicyConfigTest, ConfigFileAndCommandLine) {
  ServerConfig c = DefaultConfig();
  ASSERT_EQ(ApplyConfigText(R"({"audit": {"on_failure": "spool", "spool_file": "s.ndjson",
                                           "spool_max_bytes": 1048576, "busy_timeout_ms": 200}})",
                            "test", c),
            std::nullopt);
  EXPECT_EQ(c.audit.on_failure, "spool");
  EXPECT_EQ(c.audit.spool_file, "s.ndjson");
  EXPECT_EQ(c.audit.spool_max_bytes, 1048576u);
  EXPECT_EQ(c.audit.busy_timeout_ms, 200u);
  c.auth.disabled = true;  // this test is about the audit options only
  EXPECT_EQ(ValidateConfig(c), std::nullopt);

  ServerConfig d = DefaultConfig();
  ASSERT_EQ(Parse({"--audit-on-failure", "spool", "--audit-spool-file", "/tmp/a.ndjson",
                   "--audit-busy-timeout-ms", "150"},
                  d)
                .error,
            "");
  EXPECT_EQ(d.audit.on_failure, "spool");
  EXPECT_EQ(d.audit.spool_file, "/tmp/a.ndjson");
  EXPECT_EQ(d.audit.busy_timeout_ms, 150u);
  EXPECT_THAT(Parse({"--audit-busy-timeout-ms", "soon"}, d).error,
              HasSubstr("--audit-busy-timeout-ms"));
}

TEST(AuditPolicyConfigTest, ValidationRefusesWhatCannotWork) {
  ServerConfig c = DefaultConfig();
  c.audit.on_failure = "fail_open";
  EXPECT_EQ(ValidateConfig(c), "audit.on_failure must be fail_closed or spool");
  c.audit.on_failure = "spool";
  c.audit.spool_max_bytes = 100;
  EXPECT_EQ(ValidateConfig(c), "audit.spool_max_bytes must be at least 4096");
  c.audit.spool_max_bytes = 1 << 20;
  c.audit.spool_file = c.audit.db_file;
  EXPECT_EQ(ValidateConfig(c), "audit.spool_file must differ from audit.db_file");
}

TEST(AuditPolicyConfigTest, DocumentedInTheExampleAndTheUsage) {
  std::ifstream in(std::filesystem::path(CDS_SOURCE_DIR) / "config" / "server.example.jsonc");
  std::ostringstream text;
  text << in.rdbuf();
  for (const char* key : {"on_failure", "spool_file", "spool_max_bytes", "busy_timeout_ms"}) {
    EXPECT_THAT(text.str(), HasSubstr("\"" + std::string(key) + "\"")) << key;
  }
  ServerConfig c = DefaultConfig();
  EXPECT_EQ(ApplyConfigText(text.str(), "example", c), std::nullopt);
  EXPECT_EQ(c.audit.on_failure, "fail_closed");
  for (const char* option :
       {"--audit-on-failure", "--audit-spool-file", "--audit-busy-timeout-ms"}) {
    EXPECT_THAT(ServerUsage(), HasSubstr(option));
  }
}

}  // namespace
}  // namespace cds::hooks
