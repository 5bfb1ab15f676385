// The prefetch section of the server configuration (file keys, command line, validation).
#include "hooks/config.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cds::hooks {
namespace {

using namespace std::chrono_literals;

CommandLineResult ParseArgs(std::vector<std::string> args, ServerConfig& config) {
  args.insert(args.begin(), "cds-hooks-server");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  return ParseCommandLine(static_cast<int>(args.size()), argv.data(), config);
}

// ValidateConfig also wants a trusted issuer unless auth is disabled; these tests are about
// the prefetch section, so they disable auth.
ServerConfig NoAuthConfig() {
  ServerConfig c = DefaultConfig();
  c.auth.disabled = true;
  return c;
}

TEST(PrefetchConfigTest, Defaults) {
  const ServerConfig c = NoAuthConfig();
  EXPECT_EQ(c.prefetch.budget, 2s);
  EXPECT_EQ(c.prefetch.page_limit, 5u);
  EXPECT_EQ(c.prefetch.max_response_bytes, 8u * 1024 * 1024);
  EXPECT_TRUE(c.prefetch.fhir_allow.empty());
  EXPECT_EQ(ValidateConfig(c), std::nullopt);
}

TEST(PrefetchConfigTest, FileKeys) {
  ServerConfig c = NoAuthConfig();
  const auto error = ApplyConfigText(R"({
    "prefetch": {
      "budget_ms": 750,
      "page_limit": 2,
      "max_response_bytes": 65536,
      "fhir_allow": ["https://fhir.hospital.example/r4", "https://ehr.example.org"],
    }
  })",
                                     "test", c);
  ASSERT_FALSE(error.has_value()) << *error;
  EXPECT_EQ(c.prefetch.budget, 750ms);
  EXPECT_EQ(c.prefetch.page_limit, 2u);
  EXPECT_EQ(c.prefetch.max_response_bytes, 65536u);
  EXPECT_EQ(c.prefetch.fhir_allow, (std::vector<std::string>{"https://fhir.hospital.example/r4",
                                                             "https://ehr.example.org"}));
  EXPECT_EQ(ValidateConfig(c), std::nullopt);
}

TEST(PrefetchConfigTest, UnknownKeysAndWrongTypesAreErrors) {
  ServerConfig c = DefaultConfig();
  auto error = ApplyConfigText(R"({"prefetch": {"budget": 1}})", "test", c);
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("prefetch.budget"), std::string::npos);
  error = ApplyConfigText(R"({"prefetch": {"budget_ms": 0}})", "test", c);
  ASSERT_TRUE(error.has_value());
  error = ApplyConfigText(R"({"prefetch": {"fhir_allow": "https://x.org"}})", "test", c);
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("prefetch.fhir_allow"), std::string::npos);
}

TEST(PrefetchConfigTest, CommandLineReplacesTheFilesAllowlist) {
  ServerConfig c = DefaultConfig();
  c.prefetch.fhir_allow = {"https://from-the-file.example"};
  const auto r = ParseArgs({"--fhir-allow", "https://a.example/fhir", "--prefetch-budget-ms",
                            "1500", "--fhir-allow", "http://127.0.0.1:8081/fhir"},
                           c);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(c.prefetch.fhir_allow,
            (std::vector<std::string>{"https://a.example/fhir", "http://127.0.0.1:8081/fhir"}));
  EXPECT_EQ(c.prefetch.budget, 1500ms);
  EXPECT_FALSE(ParseArgs({"--prefetch-budget-ms", "0"}, c).error.empty());
  EXPECT_FALSE(ParseArgs({"--prefetch-budget-ms", "x"}, c).error.empty());
  EXPECT_FALSE(ParseArgs({"--fhir-allow"}, c).error.empty());
}

TEST(PrefetchConfigTest, ValidationNamesTheBadAllowlistEntry) {
  ServerConfig c = DefaultConfig();
  c.prefetch.fhir_allow = {"https://ok.example", "fhir.example.org/r4"};
  const auto error = ValidateConfig(c);
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("prefetch.fhir_allow"), std::string::npos);
  EXPECT_NE(error->find("fhir.example.org/r4"), std::string::npos);
  c = DefaultConfig();
  c.prefetch.page_limit = 0;
  EXPECT_TRUE(ValidateConfig(c).has_value());
  c = DefaultConfig();
  c.prefetch.max_response_bytes = 10;
  EXPECT_TRUE(ValidateConfig(c).has_value());
}

}  // namespace
}  // namespace cds::hooks
