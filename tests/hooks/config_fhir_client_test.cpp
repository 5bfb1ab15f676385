// The fhir_client section of the server configuration (file keys, command line, validation).
#include "hooks/config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace cds::hooks {
namespace {

using namespace std::chrono_literals;

CommandLineResult Parse(std::vector<std::string> args, ServerConfig& config) {
  args.insert(args.begin(), "cds-hooks-server");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  return ParseCommandLine(static_cast<int>(args.size()), argv.data(), config);
}

TEST(FhirClientConfigTest, Defaults) {
  const ServerConfig c = DefaultConfig();
  EXPECT_EQ(c.fhir_client.ca_file, "");
  EXPECT_FALSE(c.fhir_client.allow_http);
  EXPECT_EQ(c.fhir_client.max_idle_per_origin, 8u);
  EXPECT_EQ(c.fhir_client.idle_timeout, 30s);
  EXPECT_EQ(c.fhir_client.header_bytes, 64u * 1024);
  EXPECT_EQ(c.fhir_client.default_timeout, 10s);
}

TEST(FhirClientConfigTest, FileKeys) {
  ServerConfig c = DefaultConfig();
  const auto error = ApplyConfigText(R"({
    "fhir_client": {
      "ca_file": "/etc/cds/hospital-ca.pem",
      "allow_http": true,
      "max_idle_per_origin": 2,
      "idle_timeout_ms": 5000,
      "header_bytes": 16384,
      "default_timeout_ms": 2500,
    }
  })",
                                     "test", c);
  ASSERT_EQ(error, std::nullopt) << *error;
  EXPECT_EQ(c.fhir_client.ca_file, "/etc/cds/hospital-ca.pem");
  EXPECT_TRUE(c.fhir_client.allow_http);
  EXPECT_EQ(c.fhir_client.max_idle_per_origin, 2u);
  EXPECT_EQ(c.fhir_client.idle_timeout, 5s);
  EXPECT_EQ(c.fhir_client.header_bytes, 16384u);
  EXPECT_EQ(c.fhir_client.default_timeout, 2500ms);
}

TEST(FhirClientConfigTest, FileErrorsNameTheKey) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"fhir_client": {"ca_flie": "x"}})", "test: unknown setting \"fhir_client.ca_flie\""},
      {R"({"fhir_client": {"allow_http": "yes"}})",
       "test: fhir_client.allow_http: expected true or false"},
      {R"({"fhir_client": {"idle_timeout_ms": 0}})",
       "test: fhir_client.idle_timeout_ms: expected milliseconds from 1 to 3600000"},
      {R"({"fhir_client": {"max_idle_per_origin": 5000}})",
       "test: fhir_client.max_idle_per_origin: expected an integer from 0 to 1024"},
  };
  for (const auto& [text, expected] : cases) {
    ServerConfig c = DefaultConfig();
    EXPECT_EQ(ApplyConfigText(text, "test", c), expected) << text;
  }
}

TEST(FhirClientConfigTest, CommandLine) {
  ServerConfig c = DefaultConfig();
  const std::string ca = std::string(CDS_SOURCE_DIR) + "/README.md";  // any readable file
  // (--insecure-no-auth: ValidateConfig otherwise wants a trusted issuer.)
  const CommandLineResult r =
      Parse({"--fhir-ca", ca, "--allow-http-fhir", "--insecure-no-auth"}, c);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(c.fhir_client.ca_file, ca);
  EXPECT_TRUE(c.fhir_client.allow_http);
  EXPECT_EQ(ValidateConfig(c), std::nullopt);
  ServerConfig d = DefaultConfig();
  EXPECT_EQ(Parse({"--fhir-ca"}, d).error, "--fhir-ca needs a value");
}

TEST(FhirClientConfigTest, ValidationChecksTheCaFileIsReadable) {
  ServerConfig c = DefaultConfig();
  c.fhir_client.ca_file = "/nonexistent/ca.pem";
  EXPECT_EQ(ValidateConfig(c), "fhir_client.ca_file: cannot read /nonexistent/ca.pem");
  c.fhir_client.ca_file = CDS_SOURCE_DIR;  // a directory
  EXPECT_EQ(ValidateConfig(c), "fhir_client.ca_file: cannot read " CDS_SOURCE_DIR);
  c.fhir_client.ca_file.clear();
  c.fhir_client.header_bytes = 1000;
  EXPECT_EQ(ValidateConfig(c), "fhir_client.header_bytes must be at least 1024");
}

TEST(FhirClientConfigTest, UsageAndExampleDocumentTheOptions) {
  const std::string usage = ServerUsage();
  EXPECT_NE(usage.find("--fhir-ca FILE"), std::string::npos);
  EXPECT_NE(usage.find("--allow-http-fhir"), std::string::npos);
  ServerConfig c = DefaultConfig();
  const auto error =
      ApplyConfigFile(std::string(CDS_SOURCE_DIR) + "/config/server.example.jsonc", c);
  ASSERT_EQ(error, std::nullopt) << *error;
  for (const char* key :
       {"\"fhir_client\"", "\"ca_file\"", "\"allow_http\"", "\"max_idle_per_origin\"",
        "\"idle_timeout_ms\"", "\"header_bytes\"", "\"default_timeout_ms\""}) {
    std::ifstream in(std::string(CDS_SOURCE_DIR) + "/config/server.example.jsonc");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find(key), std::string::npos) << key;
  }
}

}  // namespace
}  // namespace cds::hooks
