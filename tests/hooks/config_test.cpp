#include "hooks/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace cds::hooks {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace std::chrono_literals;

// ---- defaults and config text -----------------------------------------------------------------

TEST(ConfigTest, Defaults) {
  const ServerConfig c = DefaultConfig();
  EXPECT_EQ(c.bind, "127.0.0.1");
  EXPECT_EQ(c.port, 8443);
  EXPECT_EQ(c.threads, 0u);
  EXPECT_EQ(c.public_base_url, "");
  EXPECT_THAT(c.tls.cert_file, EndsWith("certs/dev/server.pem"));
  EXPECT_THAT(c.tls.key_file, EndsWith("certs/dev/server-key.pem"));
  EXPECT_EQ(c.tls.client_ca_file, "");
  EXPECT_FALSE(c.tls.require_client_cert);
  EXPECT_EQ(c.limits.header_bytes, 64u * 1024);
  EXPECT_EQ(c.limits.body_bytes, 16u * 1024 * 1024);
  EXPECT_EQ(c.cors.allowed_origins, std::vector<std::string>{"*"});
  EXPECT_FALSE(c.plain_http.enabled);
  EXPECT_EQ(c.log_level, "info");
  // Authentication is on by default and trusts nobody: the server refuses to start until an
  // issuer is configured (or auth is explicitly disabled for development).
  EXPECT_FALSE(c.auth.disabled);
  EXPECT_FALSE(c.auth.protect_discovery);
  EXPECT_EQ(c.auth.clock_skew_s, 60u);
  EXPECT_EQ(c.auth.max_token_lifetime_s, 900u);
  EXPECT_EQ(c.auth.max_token_bytes, 16u * 1024);
  EXPECT_EQ(c.auth.jwks_refetch_interval_s, 30u);
  EXPECT_THAT(ValidateConfig(c).value_or(""), HasSubstr("no issuer is trusted"));
  ServerConfig dev = c;
  dev.auth.disabled = true;
  EXPECT_EQ(ValidateConfig(dev), std::nullopt);
}

TEST(ConfigTest, ApplyConfigTextWithCommentsAndTrailingCommas) {
  ServerConfig c = DefaultConfig();
  const auto error = ApplyConfigText(R"(
    // A comment line.
    {
      "bind": "0.0.0.0",  // trailing comment
      "port": 9443,
      "threads": 4,
      "public_base_url": "https://cds.example.org",
      "log_level": "debug",
      /* block
         comment */
      "tls": {
        "cert_file": "/etc/cds/server.pem",
        "key_file": "/etc/cds/server-key.pem",
        "client_ca_file": "/etc/cds/clients.pem",
        "require_client_cert": true,
      },
      "limits": {"header_bytes": 32768, "body_bytes": 1048576,},
      "timeouts_ms": {"handshake": 1, "header": 2, "idle": 3, "body": 4, "write": 5,
                      "shutdown": 6, "drain": 3600000,},
      "cors": {"allowed_origins": ["https://sandbox.cds-hooks.org", "http://localhost:3000",],
               "max_age_seconds": 86400},
      "plain_http": {"enabled": true, "bind": "::1", "port": 8080},
      "auth": {
        "protect_discovery": true, "clock_skew_s": 30, "max_token_lifetime_s": 300,
        "max_token_bytes": 8192, "jwks_cache_ttl_s": 60, "jwks_refetch_interval_s": 10,
        "jwks_fetch_timeout_ms": 2000, "replay_cache_entries": 5000,
        "issuers": [
          {"iss": "https://ehr.example.org", "jku": ["https://ehr.example.org/jwks.json"],
           "algorithms": ["ES384"], "tenants": ["t1"],
           "fhir_server_allow": ["https://fhir.example.org/r4"],
           "requests_per_second": 5, "burst": 10},
          {"iss": "https://other.example.org", "jwks_file": "/etc/cds/other-jwks.json"},
        ],
      },
    }
  )",
                                     "test.jsonc", c);
  ASSERT_EQ(error, std::nullopt) << *error;
  EXPECT_EQ(c.bind, "0.0.0.0");
  EXPECT_EQ(c.port, 9443);
  EXPECT_EQ(c.threads, 4u);
  EXPECT_EQ(c.public_base_url, "https://cds.example.org");
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.tls.cert_file, "/etc/cds/server.pem");
  EXPECT_EQ(c.tls.key_file, "/etc/cds/server-key.pem");
  EXPECT_EQ(c.tls.client_ca_file, "/etc/cds/clients.pem");
  EXPECT_TRUE(c.tls.require_client_cert);
  EXPECT_EQ(c.limits.header_bytes, 32768u);
  EXPECT_EQ(c.limits.body_bytes, 1048576u);
  EXPECT_TRUE(c.auth.protect_discovery);
  EXPECT_EQ(c.auth.clock_skew_s, 30u);
  EXPECT_EQ(c.auth.max_token_lifetime_s, 300u);
  EXPECT_EQ(c.auth.max_token_bytes, 8192u);
  EXPECT_EQ(c.auth.jwks_cache_ttl_s, 60u);
  EXPECT_EQ(c.auth.jwks_refetch_interval_s, 10u);
  EXPECT_EQ(c.auth.jwks_fetch_timeout_ms, 2000u);
  EXPECT_EQ(c.auth.replay_cache_entries, 5000u);
  ASSERT_EQ(c.auth.issuers.size(), 2u);
  EXPECT_EQ(c.auth.issuers[0].iss, "https://ehr.example.org");
  EXPECT_EQ(c.auth.issuers[0].jku, std::vector<std::string>{"https://ehr.example.org/jwks.json"});
  EXPECT_EQ(c.auth.issuers[0].algorithms, std::vector<std::string>{"ES384"});
  EXPECT_EQ(c.auth.issuers[0].tenants, std::vector<std::string>{"t1"});
  EXPECT_EQ(c.auth.issuers[0].fhir_server_allow,
            std::vector<std::string>{"https://fhir.example.org/r4"});
  EXPECT_EQ(c.auth.issuers[0].requests_per_second, 5.0);
  EXPECT_EQ(c.auth.issuers[0].burst, 10.0);
  EXPECT_EQ(c.auth.issuers[1].jwks_file, "/etc/cds/other-jwks.json");
  EXPECT_EQ(c.auth.issuers[1].requests_per_second, std::nullopt);
  EXPECT_EQ(c.timeouts.handshake, 1ms);
  EXPECT_EQ(c.timeouts.header, 2ms);
  EXPECT_EQ(c.timeouts.idle, 3ms);
  EXPECT_EQ(c.timeouts.body, 4ms);
  EXPECT_EQ(c.timeouts.write, 5ms);
  EXPECT_EQ(c.timeouts.shutdown, 6ms);
  EXPECT_EQ(c.timeouts.drain, 3600000ms);
  EXPECT_EQ(c.cors.allowed_origins,
            (std::vector<std::string>{"https://sandbox.cds-hooks.org", "http://localhost:3000"}));
  EXPECT_EQ(c.cors.max_age_seconds, 86400u);
  EXPECT_TRUE(c.plain_http.enabled);
  EXPECT_EQ(c.plain_http.bind, "::1");
  EXPECT_EQ(c.plain_http.port, 8080);
  EXPECT_EQ(ValidateConfig(c), std::nullopt);
}

TEST(ConfigTest, PartialConfigKeepsOtherValues) {
  ServerConfig c = DefaultConfig();
  const ServerConfig before = c;
  ASSERT_EQ(ApplyConfigText(R"({"tls": {"key_file": "k.pem"}})", "x", c), std::nullopt);
  EXPECT_EQ(c.tls.key_file, "k.pem");
  EXPECT_EQ(c.tls.cert_file, before.tls.cert_file);
  EXPECT_EQ(c.port, before.port);
  ASSERT_EQ(ApplyConfigText("{}", "x", c), std::nullopt);
  EXPECT_EQ(c.tls.key_file, "k.pem");
}

TEST(ConfigTest, ErrorTable) {
  struct Case {
    std::string text;
    std::string error;
  };
  const Case cases[] = {
      {R"({"tls": {"cert_flie": "a.pem"}})", R"(cfg.jsonc: unknown setting "tls.cert_flie")"},
      {R"({"prot": 1})", R"(cfg.jsonc: unknown setting "prot")"},
      {R"({"timeouts_ms": {"idle_ms": 5}})", R"(cfg.jsonc: unknown setting "timeouts_ms.idle_ms")"},
      {R"({"port": "8443"})", "cfg.jsonc: port: expected an integer from 0 to 65535"},
      {R"({"port": 65536})", "cfg.jsonc: port: expected an integer from 0 to 65535"},
      {R"({"port": -1})", "cfg.jsonc: port: expected an integer from 0 to 65535"},
      {R"({"port": 8443.5})", "cfg.jsonc: port: expected an integer from 0 to 65535"},
      {R"({"threads": 257})", "cfg.jsonc: threads: expected an integer from 0 to 256"},
      {R"({"bind": 127})", "cfg.jsonc: bind: expected a string"},
      {R"({"bind": null})", "cfg.jsonc: bind: expected a string"},
      {R"({"tls": "server.pem"})", "cfg.jsonc: tls: expected an object"},
      {R"({"tls": {"require_client_cert": "yes"}})",
       "cfg.jsonc: tls.require_client_cert: expected true or false"},
      {R"({"limits": {"body_bytes": 1073741825}})",
       "cfg.jsonc: limits.body_bytes: expected an integer from 0 to 1073741824"},
      {R"({"timeouts_ms": {"idle": 0}})",
       "cfg.jsonc: timeouts_ms.idle: expected milliseconds from 1 to 3600000"},
      {R"({"timeouts_ms": {"write": 3600001}})",
       "cfg.jsonc: timeouts_ms.write: expected milliseconds from 1 to 3600000"},
      {R"({"cors": {"allowed_origins": "*"}})",
       "cfg.jsonc: cors.allowed_origins: expected an array of strings"},
      {R"({"cors": {"allowed_origins": ["*", 1]}})",
       "cfg.jsonc: cors.allowed_origins: expected an array of strings"},
      {R"({"plain_http": {"port": 70000}})",
       "cfg.jsonc: plain_http.port: expected an integer from 0 to 65535"},
      {"[]", "cfg.jsonc: the top level must be an object"},
      {"", "cfg.jsonc: invalid JSON at byte 0: The document is empty."},
      {R"({"port": 1)",
       "cfg.jsonc: invalid JSON at byte 10: Missing a comma or '}' after an "
       "object member."},
  };
  for (const Case& c : cases) {
    ServerConfig config = DefaultConfig();
    const ServerConfig before = config;
    const auto error = ApplyConfigText(c.text, "cfg.jsonc", config);
    ASSERT_TRUE(error.has_value()) << c.text;
    EXPECT_EQ(*error, c.error) << c.text;
    // A rejected file changes nothing, not even the settings before the bad one.
    EXPECT_EQ(config.port, before.port) << c.text;
    EXPECT_EQ(config.bind, before.bind) << c.text;
    EXPECT_EQ(config.tls.cert_file, before.tls.cert_file) << c.text;
  }
}

TEST(ConfigTest, RejectedFileLeavesEarlierSettingsUntouched) {
  ServerConfig c = DefaultConfig();
  ASSERT_TRUE(ApplyConfigText(R"({"port": 1, "bind": "0.0.0.0", "nope": 1})", "x", c));
  EXPECT_EQ(c.port, 8443);
  EXPECT_EQ(c.bind, "127.0.0.1");
}

// ---- config file and command line -------------------------------------------------------------

class CommandLineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("cds_config_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string WriteConfig(const std::string& name, const std::string& text) {
    const std::filesystem::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }

  CommandLineResult Parse(std::vector<std::string> args, ServerConfig& config) {
    args.insert(args.begin(), "cds-hooks-server");
    std::vector<const char*> argv;
    for (const std::string& a : args) argv.push_back(a.c_str());
    argv.push_back(nullptr);
    return ParseCommandLine(static_cast<int>(args.size()), argv.data(), config);
  }

  std::filesystem::path dir_;
};

TEST_F(CommandLineTest, NoOptionsRunsWithTheDefaults) {
  ServerConfig c = DefaultConfig();
  const CommandLineResult r = Parse({}, c);
  EXPECT_EQ(r.action, CommandLineAction::kRun);
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(c.port, 8443);
  EXPECT_EQ(c.bind, "127.0.0.1");
}

TEST_F(CommandLineTest, EveryOption) {
  const std::string file = WriteConfig("c.jsonc", R"({"log_level": "warn", "threads": 2})");
  ServerConfig c = DefaultConfig();
  const CommandLineResult r = Parse({"--config",
                                     file,
                                     "--bind",
                                     "0.0.0.0",
                                     "--port",
                                     "0",
                                     "--threads",
                                     "8",
                                     "--tls-cert",
                                     "cert.pem",
                                     "--tls-key",
                                     "key.pem",
                                     "--public-base-url",
                                     "https://cds.example.org",
                                     "--plain-http-port",
                                     "8081",
                                     "--tls-client-ca",
                                     "ca.pem",
                                     "--require-client-cert",
                                     "--log-level",
                                     "error",
                                     "--trust-issuer",
                                     "https://ehr.example.org=https://ehr.example.org/jwks.json",
                                     "--trust-issuer",
                                     "https://ehr.example.org=https://ehr.example.org/jwks2.json",
                                     "--trust-issuer",
                                     "demo-ehr=certs/dev/demo-ehr-jwks.json",
                                     "--protect-discovery"},
                                    c);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.action, CommandLineAction::kRun);
  EXPECT_EQ(c.bind, "0.0.0.0");
  EXPECT_EQ(c.port, 0);
  EXPECT_EQ(c.threads, 8u);  // the command line beats the file
  EXPECT_EQ(c.tls.cert_file, "cert.pem");
  EXPECT_EQ(c.tls.key_file, "key.pem");
  EXPECT_EQ(c.public_base_url, "https://cds.example.org");
  EXPECT_TRUE(c.plain_http.enabled);
  EXPECT_EQ(c.plain_http.port, 8081);
  EXPECT_EQ(c.tls.client_ca_file, "ca.pem");
  EXPECT_TRUE(c.tls.require_client_cert);
  EXPECT_EQ(c.log_level, "error");
  ASSERT_EQ(c.auth.issuers.size(), 2u);
  EXPECT_EQ(c.auth.issuers[0].iss, "https://ehr.example.org");
  EXPECT_EQ(c.auth.issuers[0].jku,
            (std::vector<std::string>{"https://ehr.example.org/jwks.json",
                                      "https://ehr.example.org/jwks2.json"}));
  EXPECT_EQ(c.auth.issuers[1].iss, "demo-ehr");
  EXPECT_EQ(c.auth.issuers[1].jwks_file, "certs/dev/demo-ehr-jwks.json");
  EXPECT_TRUE(c.auth.protect_discovery);
  EXPECT_FALSE(c.auth.disabled);
  EXPECT_EQ(ValidateConfig(c), std::nullopt);
  EXPECT_EQ(Parse({"--insecure-no-auth"}, c).error, "");
  EXPECT_TRUE(c.auth.disabled);
  EXPECT_THAT(Parse({"--trust-issuer", "no-equals"}, c).error, HasSubstr("ISS=JWKS_FILE"));
  EXPECT_THAT(Parse({"--trust-issuer", "x=http://plain/jwks"}, c).error, HasSubstr("https"));
}

TEST_F(CommandLineTest, ConfigFileIsAppliedFirstWhateverItsPosition) {
  const std::string file = WriteConfig("c.jsonc", R"({"port": 1111, "bind": "10.0.0.1"})");
  ServerConfig c = DefaultConfig();
  const CommandLineResult r = Parse({"--port", "2222", "--config", file}, c);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(c.port, 2222);
  EXPECT_EQ(c.bind, "10.0.0.1");
}

TEST_F(CommandLineTest, HelpAndVersionWinWhereverTheyAre) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"-h"}, {"--port", "1", "--help"}, {"--bogus", "--help"}}) {
    ServerConfig c = DefaultConfig();
    const CommandLineResult r = Parse(args, c);
    EXPECT_EQ(r.action, CommandLineAction::kHelp) << args.front();
    EXPECT_EQ(r.error, "");
  }
  ServerConfig c = DefaultConfig();
  const CommandLineResult r = Parse({"--threads", "2", "--version"}, c);
  EXPECT_EQ(r.action, CommandLineAction::kVersion);
  EXPECT_EQ(r.error, "");
}

TEST_F(CommandLineTest, ErrorTable) {
  struct Case {
    std::vector<std::string> args;
    std::string error;
  };
  const Case cases[] = {
      {{"--prot", "1"}, "unknown option --prot (see --help)"},
      {{"port"}, "unknown option port (see --help)"},
      {{"--port=8443"}, "unknown option --port=8443 (see --help)"},
      {{"--port"}, "--port needs a value"},
      {{"--bind"}, "--bind needs a value"},
      {{"--config"}, "--config needs a FILE"},
      {{"--port", "65536"}, "bad --port"},
      {{"--port", "-1"}, "bad --port"},
      {{"--port", "+1"}, "bad --port"},
      {{"--port", "84a3"}, "bad --port"},
      {{"--port", ""}, "bad --port"},
      {{"--threads", "257"}, "bad --threads"},
      {{"--threads", "many"}, "bad --threads"},
      {{"--plain-http-port", "x"}, "bad --plain-http-port"},
      {{"--plain-http-port", "99999"}, "bad --plain-http-port"},
  };
  for (const Case& c : cases) {
    ServerConfig config = DefaultConfig();
    const CommandLineResult r = Parse(c.args, config);
    EXPECT_EQ(r.error, c.error) << c.args.front();
  }
}

TEST_F(CommandLineTest, BadConfigFileIsAnError) {
  ServerConfig c = DefaultConfig();
  const std::string missing = (dir_ / "missing.jsonc").string();
  EXPECT_EQ(Parse({"--config", missing}, c).error, "cannot read config file " + missing);
  const std::string bad = WriteConfig("bad.jsonc", R"({"tls": {"cert_flie": "x"}})");
  EXPECT_EQ(Parse({"--config", bad}, c).error, bad + R"(: unknown setting "tls.cert_flie")");
}

TEST(ConfigUsageTest, HelpNamesEveryOption) {
  const std::string usage = ServerUsage();
  for (const char* option : {"--config", "--bind", "--port", "--threads", "--tls-cert", "--tls-key",
                             "--public-base-url", "--help", "--version", "--plain-http-port",
                             "--tls-client-ca", "--require-client-cert", "--log-level"}) {
    EXPECT_THAT(usage, HasSubstr(option));
  }
}

// ---- ValidateConfig -------------------------------------------------------------------------

TEST(ValidateConfigTest, FailureTable) {
  struct Case {
    std::string_view note;
    void (*change)(ServerConfig&);
    std::string error;
  };
  const Case cases[] = {
      {"no cert", [](ServerConfig& c) { c.tls.cert_file.clear(); },
       "tls.cert_file and tls.key_file are required"},
      {"no key", [](ServerConfig& c) { c.tls.key_file.clear(); },
       "tls.cert_file and tls.key_file are required"},
      {"mTLS without CA", [](ServerConfig& c) { c.tls.require_client_cert = true; },
       "tls.require_client_cert needs tls.client_ca_file"},
      {"http base URL", [](ServerConfig& c) { c.public_base_url = "http://cds.example.org"; },
       "public_base_url must be an absolute https URL"},
      {"relative base URL", [](ServerConfig& c) { c.public_base_url = "/cds"; },
       "public_base_url must be an absolute https URL"},
      {"log level", [](ServerConfig& c) { c.log_level = "verbose"; },
       "log_level must be debug, info, warn or error"},
      {"tiny header limit", [](ServerConfig& c) { c.limits.header_bytes = 1023; },
       "limits.header_bytes must be at least 1024"},
      // Beast throws for a header field over 64 KiB, out of the parser: never allow one.
      {"huge header limit", [](ServerConfig& c) { c.limits.header_bytes = 65537; },
       "limits.header_bytes must be at most 65536"},
      {"bad origin", [](ServerConfig& c) { c.cors.allowed_origins = {"sandbox.cds-hooks.org"}; },
       "cors.allowed_origins: \"sandbox.cds-hooks.org\" is neither \"*\" nor an origin "
       "(scheme://host[:port], no path)"},
      {"origin with a path",
       [](ServerConfig& c) { c.cors.allowed_origins = {"https://sandbox.cds-hooks.org/x"}; },
       "cors.allowed_origins: \"https://sandbox.cds-hooks.org/x\" is neither \"*\" nor an "
       "origin (scheme://host[:port], no path)"},
      {"empty body limit", [](ServerConfig& c) { c.limits.body_bytes = 0; },
       "limits.body_bytes must be at least 1"},
      {"plain HTTP on the TLS port",
       [](ServerConfig& c) {
         c.plain_http.enabled = true;
         c.plain_http.port = 8443;
       },
       "plain_http.port must differ from port"},
  };
  for (const Case& c : cases) {
    ServerConfig config = DefaultConfig();
    c.change(config);
    EXPECT_EQ(ValidateConfig(config), c.error) << c.note;
  }
}

TEST(ValidateConfigTest, AuthFailureTable) {
  const auto issuer = [](ServerConfig& c) -> TrustedIssuerConfig& {
    c.auth.issuers.push_back({});
    c.auth.issuers.back().iss = "https://ehr.example.org";
    return c.auth.issuers.back();
  };
  struct Case {
    std::string_view note;
    std::function<void(ServerConfig&)> change;
    std::string error;
  };
  const Case cases[] = {
      {"no source", [&](ServerConfig& c) { issuer(c); },
       "auth.issuers[0] (https://ehr.example.org): give exactly one of jwks_file (pinned keys) "
       "or jku (allowlisted URLs)"},
      {"both sources",
       [&](ServerConfig& c) {
         auto& i = issuer(c);
         i.jwks_file = "k.json";
         i.jku = {"https://ehr.example.org/jwks"};
       },
       "auth.issuers[0] (https://ehr.example.org): give exactly one of jwks_file (pinned keys) "
       "or jku (allowlisted URLs)"},
      {"http jku", [&](ServerConfig& c) { issuer(c).jku = {"http://ehr.example.org/jwks"}; },
       "auth.issuers[0].jku: \"http://ehr.example.org/jwks\" is not an absolute https URL"},
      {"no iss",
       [&](ServerConfig& c) {
         auto& i = issuer(c);
         i.iss.clear();
         i.jwks_file = "k.json";
       },
       "auth.issuers[0].iss is required"},
      {"wildcard bind without public URL",
       [&](ServerConfig& c) {
         issuer(c).jwks_file = "k.json";
         c.bind = "0.0.0.0";
       },
       "with authentication on and a wildcard bind address, set public_base_url (the URL EHRs "
       "call, which their tokens' aud must name)"},
      {"unknown replay store", [&](ServerConfig& c) { c.auth.replay_store = "redis"; },
       "auth.replay_store must be memory or postgresql"},
      {"postgresql replay store without a database",
       [&](ServerConfig& c) { c.auth.replay_store = "postgresql"; },
       "auth.replay_postgres: required when auth.replay_store is postgresql"},
      {"password in the connection string",
       [&](ServerConfig& c) {
         c.auth.replay_store = "postgresql";
         c.auth.replay_postgres = "host=db.example.org dbname=cds password=hunter2";
       },
       "auth.replay_postgres: must not hold a password (it is logged): use passfile=, PGPASSFILE "
       "or ~/.pgpass, or a client certificate"},
      {"password in a connection URI",
       [&](ServerConfig& c) {
         c.auth.replay_store = "postgresql";
         c.auth.replay_postgres = "postgresql://cds:hunter2@db.example.org/cds";
       },
       "auth.replay_postgres: must not hold a password (it is logged): use passfile=, PGPASSFILE "
       "or ~/.pgpass, or a client certificate"},
      {"no replay timeout", [&](ServerConfig& c) { c.auth.replay_timeout_ms = 0; },
       "auth.replay_timeout_ms must be at least 1"},
      {"no connections", [&](ServerConfig& c) { c.limits.max_connections = 0; },
       "limits.max_connections and limits.max_connections_per_client must be at least 1"},
  };
  for (const Case& c : cases) {
    ServerConfig config = DefaultConfig();
    c.change(config);
    EXPECT_EQ(ValidateConfig(config), c.error) << c.note;
  }
}

TEST(ValidateConfigTest, ReplayPostgresIsParsedByLibpq) {
  ServerConfig c = DefaultConfig();
  std::string program = "cds-hooks-server", flag = "--replay-postgres",
              conninfo =
                  "host=db.example.org dbname=cds user=cds sslmode=verify-full "
                  "passfile=/etc/cds/pgpass";
  char* argv[] = {program.data(), flag.data(), conninfo.data()};
  ASSERT_EQ(ParseCommandLine(3, argv, c).error, "");
  c.auth.issuers.push_back({});
  c.auth.issuers.back().iss = "https://ehr.example.org";
  c.auth.issuers.back().jwks_file = "k.json";
  EXPECT_EQ(c.auth.replay_store, "postgresql");
  EXPECT_EQ(ValidateConfig(c), std::nullopt);
  c.auth.replay_postgres = "host";  // not a connection string
  EXPECT_THAT(ValidateConfig(c).value_or(""), HasSubstr("auth.replay_postgres: missing \"=\""));
  c.auth.replay_postgres = "host=db nonsense=1";
  EXPECT_THAT(ValidateConfig(c).value_or(""),
              HasSubstr("auth.replay_postgres: invalid connection option \"nonsense\""));
}

TEST(ValidateConfigTest, AcceptedVariants) {
  ServerConfig c = DefaultConfig();
  c.auth.disabled = true;
  c.public_base_url = "HTTPS://cds.example.org:8443/base";  // schemes are case-insensitive
  c.tls.require_client_cert = true;
  c.tls.client_ca_file = "ca.pem";
  c.cors.allowed_origins = {"https://sandbox.cds-hooks.org", "http://localhost:3000"};
  c.limits.header_bytes = 1024;
  c.plain_http.enabled = true;
  c.plain_http.port = 8443;
  c.plain_http.bind = "::1";  // same port number on another address is fine
  for (const char* level : {"debug", "info", "warn", "error"}) {
    c.log_level = level;
    EXPECT_EQ(ValidateConfig(c), std::nullopt) << level;
  }
  c.plain_http.enabled = false;
  c.plain_http.bind = c.bind;  // a disabled listener cannot clash
  EXPECT_EQ(ValidateConfig(c), std::nullopt);
}

// ---- the shipped example ----------------------------------------------------------------------

std::filesystem::path ExampleConfigPath() {
  return std::filesystem::path(CDS_SOURCE_DIR) / "config" / "server.example.jsonc";
}

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(ExampleConfigTest, ParsesAndValidates) {
  const auto path = ExampleConfigPath();
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " does not exist yet";
  ServerConfig c = DefaultConfig();
  const auto error = ApplyConfigText(ReadText(path), path.string(), c);
  ASSERT_EQ(error, std::nullopt) << *error;
  EXPECT_EQ(ValidateConfig(c), std::nullopt);
  EXPECT_EQ(ApplyConfigFile(path.string(), c), std::nullopt);
}

TEST(ExampleConfigTest, DocumentsEveryField) {
  const auto path = ExampleConfigPath();
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " does not exist yet";
  const std::string text = ReadText(path);
  for (const char* key : {"bind",
                          "port",
                          "threads",
                          "public_base_url",
                          "log_level",
                          "tls",
                          "cert_file",
                          "key_file",
                          "client_ca_file",
                          "require_client_cert",
                          "limits",
                          "header_bytes",
                          "body_bytes",
                          "timeouts_ms",
                          "handshake",
                          "header",
                          "idle",
                          "body",
                          "write",
                          "shutdown",
                          "drain",
                          "cors",
                          "allowed_origins",
                          "max_age_seconds",
                          "plain_http",
                          "enabled",
                          "max_connections",
                          "max_connections_per_client",
                          "issuer_requests_per_second",
                          "issuer_burst",
                          "auth",
                          "insecure_no_auth",
                          "protect_discovery",
                          "issuers",
                          "iss",
                          "jwks_file",
                          "jku",
                          "algorithms",
                          "tenants",
                          "fhir_server_allow",
                          "requests_per_second",
                          "burst",
                          "clock_skew_s",
                          "max_token_lifetime_s",
                          "max_token_bytes",
                          "jwks_cache_ttl_s",
                          "jwks_refetch_interval_s",
                          "jwks_fetch_timeout_ms",
                          "replay_cache_entries",
                          "replay_store",
                          "replay_postgres",
                          "replay_timeout_ms"}) {
    EXPECT_THAT(text, HasSubstr("\"" + std::string(key) + "\"")) << key;
  }
  EXPECT_THAT(text, HasSubstr("//"));  // commented
}

}  // namespace
}  // namespace cds::hooks

namespace cds::hooks {
namespace {

TEST(RuleConfigTest, RulesAndCardsSectionsParse) {
  ServerConfig c = DefaultConfig();
  const auto error = ApplyConfigText(R"({
    "rules": {"carb-vpa": {"indicator": "warning", "lookbacks": {"valproate-level": "48h"}},
              "R03": {"enabled": false, "allow_escalation": false}},
    "cards": {"override_reasons": [{"system": "https://h.example/r", "code": "x",
                                    "display": "Other"}],
              "order_sign_repeat_window_s": 60}
  })",
                                     "test", c);
  ASSERT_EQ(error, std::nullopt) << *error;
  const auto& vpa = c.rules.rules.at("carb-vpa");
  EXPECT_EQ(vpa.indicator, engine::Indicator::kWarning);
  EXPECT_EQ(vpa.lookbacks.at("valproate-level"), std::chrono::hours(48));
  EXPECT_EQ(vpa.enabled, std::nullopt);
  const auto& r03 = c.rules.rules.at("R03");
  EXPECT_EQ(r03.enabled, false);
  EXPECT_EQ(r03.allow_escalation, false);
  ASSERT_EQ(c.override_reasons.size(), 1u);
  EXPECT_EQ(c.override_reasons[0].display, "Other");
  EXPECT_EQ(c.order_sign_repeat_window, std::chrono::seconds(60));
}

TEST(RuleConfigTest, BadRuleSettingsNameTheirPath) {
  const struct {
    const char* text;
    const char* error;
  } cases[] = {
      {R"({"rules": {"carb-vpa": {"indicator": "severe"}}})",
       "test: rules.carb-vpa.indicator: expected info, warning or critical"},
      {R"({"rules": {"carb-vpa": {"lookbacks": {"valproate-level": "7 days"}}}})",
       "test: rules.carb-vpa.lookbacks.valproate-level: expected a window such as 30d, 48h or "
       "90m"},
      {R"({"rules": {"carb-vpa": {"enabeld": true}}})",
       "test: unknown setting \"rules.carb-vpa.enabeld\""},
      {R"({"cards": {"override_reasons": []}})",
       "test: cards.override_reasons: expected a non-empty array of Codings"},
  };
  for (const auto& c : cases) {
    ServerConfig config = DefaultConfig();
    EXPECT_EQ(ApplyConfigText(c.text, "test", config), std::optional<std::string>(c.error))
        << c.text;
  }
}

TEST(RuleConfigTest, OverrideReasonWithoutDisplayFailsValidation) {
  ServerConfig c = DefaultConfig();
  c.override_reasons = {{"https://h.example/r", "x", ""}};
  const auto error = ValidateConfig(c);
  ASSERT_TRUE(error.has_value());
  EXPECT_TRUE(error->starts_with("cards: ")) << *error;
}

}  // namespace
}  // namespace cds::hooks
