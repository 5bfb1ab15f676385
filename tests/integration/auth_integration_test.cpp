// The real server with authentication on, called with tokens signed by jose (Node) as an EHR
// would sign them (tests/node/jose/tokens.mjs): what is accepted, what is refused (401, no
// detail, the reason in the log and never the token), and that the server keeps serving valid
// calls throughout. Key sets: a pinned file, and a local HTTPS JWKS server (Node) for jku.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/server_process.hpp"
#include "tests/integration/tls_client.hpp"

namespace cds::testing {
namespace {

namespace http = boost::beast::http;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kBase = "https://cds.test";
constexpr const char* kPinnedIss = "https://ehr-pinned.test";
constexpr const char* kJkuIss = "https://ehr-jku.test";
constexpr const char* kSelect = "/cds-services/antimicrobial-stewardship-order-select";
constexpr const char* kFeedback = "/cds-services/antimicrobial-stewardship-order-select/feedback";
constexpr const char* kUnauthorizedBody =
    R"({"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"login",)"
    R"("diagnostics":"Authentication failed."}]})";

std::string NodeDir() { return std::string(CDS_SOURCE_DIR) + "/tests/node/jose"; }

// A child process (the Node JWKS server) that prints "listening on https://localhost:PORT".
class NodeProcess {
 public:
  explicit NodeProcess(std::vector<std::string> args) {
    int out[2];
    if (::pipe(out) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    std::string line;
    char c = 0;
    while (::read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
    ::close(out[0]);
    const auto colon = line.rfind(':');
    if (line.starts_with("listening on ") && colon != std::string::npos) {
      port_ = std::atoi(line.c_str() + colon + 1);
    }
  }
  ~NodeProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  [[nodiscard]] int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

struct Reply {
  unsigned status = 0;
  std::string body;
  std::string www_authenticate;
  std::string retry_after;
};

Reply Call(int port, const std::string& target, const std::string& token,
           const std::string& body = CompleteSandboxRequest(),
           http::verb method = http::verb::post) {
  TlsClient client;
  Reply reply;
  if (auto ec = client.Connect(port)) {
    ADD_FAILURE() << "connect: " << ec.message();
    return reply;
  }
  Response response;
  if (token.size() > 32 * 1024) {
    // Beast's message type refuses such a field value: write the request bytes ourselves.
    const std::string raw =
        "POST " + target + " HTTP/1.1\r\nHost: localhost\r\n" + "Authorization: Bearer " + token +
        "\r\n" +
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n\r\n" + body;
    if (auto ec = client.WriteRaw(raw); ec || (ec = client.Read(response))) {
      ADD_FAILURE() << "raw request: " << ec.message();
      return reply;
    }
  } else {
    Request request = method == http::verb::post ? JsonPost(target, body) : Get(target);
    if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
    if (auto ec = client.Send(request, response)) {
      ADD_FAILURE() << "send: " << ec.message();
      return reply;
    }
  }
  reply.status = response.result_int();
  reply.body = response.body();
  reply.www_authenticate = std::string(response[http::field::www_authenticate]);
  reply.retry_after = std::string(response[http::field::retry_after]);
  return reply;
}

// The access log line is written after the response is sent: wait for it.
std::string WaitForLog(ServerProcess& server, const std::string& needle) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::string log = server.Log();
  while (log.find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
    log = server.Log();
  }
  return log;
}

// How many requests the Node JWKS server received for `path`.
int FetchCount(int jwks_port, const std::string& path) {
  const Reply r = Call(jwks_port, "/__count?path=" + path, "", "", http::verb::get);
  rapidjson::Document doc;
  doc.Parse(r.body.c_str());
  return doc.IsObject() && doc.HasMember("count") ? doc["count"].GetInt() : -1;
}

class AuthIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(std::filesystem::path(WriteTempFile("auth-dir", "")).parent_path() /
                           "auth");
    std::filesystem::create_directories(*dir_);
    jwks_ = new NodeProcess({"node", NodeDir() + "/jwks-server.mjs", CertPath("server.pem"),
                             CertPath("server-key.pem"), *dir_ + "/served-jwks.json"});
    ASSERT_NE(jwks_->port(), 0) << "the Node JWKS server did not start (npm ci in " << NodeDir()
                                << "?)";
    const std::string jku_base = "https://localhost:" + std::to_string(jwks_->port());
    const CommandResult made =
        RunCommand("node " + NodeDir() + "/tokens.mjs " + *dir_ + " " + kBase + " " + jku_base);
    ASSERT_EQ(made.exit_code, 0) << made.output;
    tokens_ = new rapidjson::Document;
    tokens_->Parse(made.output.c_str());
    ASSERT_TRUE(tokens_->IsObject()) << "tokens.mjs printed no JSON object";
    std::filesystem::copy_file(*dir_ + "/jku-old.json", *dir_ + "/served-jwks.json",
                               std::filesystem::copy_options::overwrite_existing);
    // A short refetch interval keeps the rotation test quick.
    const std::string config =
        WriteTempFile("auth.jsonc", R"({"auth": {"jwks_refetch_interval_s": 3}})");
    server_ =
        new ServerProcess({"--config", config, "--public-base-url", kBase, "--trust-issuer",
                           std::string(kPinnedIss) + "=" + *dir_ + "/pinned-jwks.json",
                           "--trust-issuer", std::string(kJkuIss) + "=" + jku_base + "/jwks.json",
                           // The key-set server has the dev certificate: trust its CA.
                           "--fhir-ca", CertPath("ca.pem")},
                          ServerAuth::kAsConfigured);
  }
  static void TearDownTestSuite() {
    delete server_;
    delete jwks_;
    delete tokens_;
    delete dir_;
    server_ = nullptr;
    jwks_ = nullptr;
    tokens_ = nullptr;
    dir_ = nullptr;
  }
  static std::string Token(const std::string& name) {
    if (tokens_ == nullptr || !tokens_->HasMember(name.c_str())) {
      ADD_FAILURE() << "no token " << name;
      return "";
    }
    return (*tokens_)[name.c_str()].GetString();
  }
  // A valid token not used before (each may be accepted once).
  static std::string NextValid() { return Token("valid_" + std::to_string(next_valid_++)); }
  static void ExpectRefused(const Reply& r, const std::string& what) {
    EXPECT_EQ(r.status, 401u) << what;
    EXPECT_EQ(r.www_authenticate, "Bearer") << what;
    EXPECT_EQ(r.body, kUnauthorizedBody) << what;
  }

  static std::string* dir_;
  static NodeProcess* jwks_;
  static rapidjson::Document* tokens_;
  static ServerProcess* server_;
  static int next_valid_;
};
std::string* AuthIntegrationTest::dir_ = nullptr;
NodeProcess* AuthIntegrationTest::jwks_ = nullptr;
rapidjson::Document* AuthIntegrationTest::tokens_ = nullptr;
ServerProcess* AuthIntegrationTest::server_ = nullptr;
int AuthIntegrationTest::next_valid_ = 0;

TEST_F(AuthIntegrationTest, Es384AndRs384TokensAreAccepted) {
  ASSERT_TRUE(server_->started());
  const Reply es = Call(server_->port(), kSelect, NextValid());
  EXPECT_EQ(es.status, 200u) << es.body;
  EXPECT_THAT(es.body, HasSubstr("\"cards\""));
  const Reply rs = Call(server_->port(), kSelect, Token("rs384_valid_0"));
  EXPECT_EQ(rs.status, 200u) << rs.body;
  const Reply array = Call(server_->port(), kSelect, Token("aud_array_with"));
  EXPECT_EQ(array.status, 200u) << "aud array containing our URL";
  // The access log names the issuer and the jti.
  const std::string log = WaitForLog(*server_, R"("iss":"https://ehr-pinned.test","jti":")");
  EXPECT_THAT(log, HasSubstr(R"("iss":"https://ehr-pinned.test","jti":")"));
}

TEST_F(AuthIntegrationTest, EveryBadTokenIs401WithNoDetailAndValidCallsKeepWorking) {
  ASSERT_TRUE(server_->started());
  const std::map<std::string, std::string> reasons = {
      // An unsecured JWS (alg none) has an empty signature part: refused as malformed before
      // its header is even considered; "none" with any signature is an unknown algorithm.
      {"none", "malformed_token"},
      {"hs256", "algorithm_refused"},
      {"rs384_header_on_ec_key", "key_mismatch"},
      {"es256_not_allowed", "algorithm_refused"},
      {"expired", "expired"},
      {"not_yet_valid", "not_yet_valid"},
      {"too_long_lived", "lifetime_too_long"},
      {"wrong_aud", "audience_mismatch"},
      {"aud_array_without", "audience_mismatch"},
      {"unknown_iss", "unknown_issuer"},
      {"unknown_kid", "unknown_kid"},
      {"no_jti", "missing_jti"},
      {"tampered_payload", "bad_signature"},
      {"tampered_signature", "bad_signature"},
      {"malformed_base64", "malformed_token"},
      {"malformed_json", "malformed_token"},
      {"two_parts", "malformed_token"},
      {"big_20kb", "token_too_large"},
  };
  for (const auto& [name, reason] : reasons) {
    ExpectRefused(Call(server_->port(), kSelect, Token(name)), name);
    // The server keeps serving valid calls.
    EXPECT_EQ(Call(server_->port(), kSelect, NextValid()).status, 200u) << "after " << name;
  }
  ExpectRefused(Call(server_->port(), kSelect, ""), "no Authorization header");
  const std::string log = WaitForLog(*server_, "missing_token");
  for (const auto& [name, reason] : reasons) {
    EXPECT_THAT(log, HasSubstr("\"detail\":\"authentication failed (" + reason)) << name;
    // No token, nor any of its three parts, is ever logged.
    const std::string token = Token(name);
    for (std::size_t start = 0, dot = 0; dot != std::string::npos; start = dot + 1) {
      dot = token.find('.', start);
      const std::string part = token.substr(start, dot == std::string::npos ? dot : dot - start);
      if (part.size() >= 16) {
        EXPECT_THAT(log, Not(HasSubstr(part))) << name;
      }
    }
  }
}

// 100 KB never reaches the authenticator: the header block limit (at most 64 KiB) answers 431
// and closes that connection; the server goes on. (The authenticator's own limit, 16 KB,
// refuses the 20 KB token above undecoded, and a 100 KB one in the unit tests.)
TEST_F(AuthIntegrationTest, AHundredKilobyteTokenIsRefusedAtTheHeaderLimit) {
  ASSERT_TRUE(server_->started());
  const Reply big = Call(server_->port(), kSelect, Token("big_100kb"));
  EXPECT_EQ(big.status, 431u);
  EXPECT_EQ(Call(server_->port(), kSelect, NextValid()).status, 200u);
  EXPECT_THAT(server_->Log(), Not(HasSubstr(Token("big_100kb").substr(0, 64))));
}

TEST_F(AuthIntegrationTest, AReplayedTokenIsRefused) {
  ASSERT_TRUE(server_->started());
  EXPECT_EQ(Call(server_->port(), kSelect, Token("replayed")).status, 200u);
  ExpectRefused(Call(server_->port(), kSelect, Token("replayed")), "replayed");
  EXPECT_THAT(WaitForLog(*server_, "replayed_jti"), HasSubstr("replayed_jti"));
}

TEST_F(AuthIntegrationTest, AJkuNotAllowlistedIsNeverFetched) {
  ASSERT_TRUE(server_->started());
  ExpectRefused(Call(server_->port(), kSelect, Token("jku_not_allowlisted")), "jku");
  EXPECT_THAT(WaitForLog(*server_, "jku_not_allowed"), HasSubstr("jku_not_allowed"));
  EXPECT_EQ(FetchCount(jwks_->port(), "/evil-jwks.json"), 0);
}

// The EHR publishes its keys at an allowlisted jku (a local HTTPS server): fetched once, cached,
// a rotated key is accepted after one refetch, and a flood of unknown kids fetches nothing
// more within the refetch interval (3 s here; 30 s by default).
TEST_F(AuthIntegrationTest, JkuKeySetsAreCachedAndRotationNeedsOneRefetch) {
  ASSERT_TRUE(server_->started());
  const int port = jwks_->port();
  const int before = FetchCount(port, "/jwks.json");
  EXPECT_EQ(Call(server_->port(), kSelect, Token("jku_old_0")).status, 200u) << server_->Log();
  EXPECT_EQ(FetchCount(port, "/jwks.json"), before + 1);
  EXPECT_EQ(Call(server_->port(), kSelect, Token("jku_old_1")).status, 200u);
  EXPECT_EQ(FetchCount(port, "/jwks.json"), before + 1) << "cached: no second fetch";
  // The EHR rotates: its key set now also holds jku-new.
  std::filesystem::copy_file(*dir_ + "/jku-new.json", *dir_ + "/served-jwks.json",
                             std::filesystem::copy_options::overwrite_existing);
  std::this_thread::sleep_for(3200ms);  // past the refetch interval since the first fetch
  EXPECT_EQ(Call(server_->port(), kSelect, Token("jku_new_0")).status, 200u) << server_->Log();
  EXPECT_EQ(FetchCount(port, "/jwks.json"), before + 2) << "one refetch for the new kid";
  const auto flood_start = std::chrono::steady_clock::now();
  for (int i = 0; i < 40; ++i) {
    ExpectRefused(Call(server_->port(), kSelect, Token("jku_flood_" + std::to_string(i))),
                  "made-up kid " + std::to_string(i));
  }
  const auto elapsed = std::chrono::steady_clock::now() - flood_start;
  const int allowed = static_cast<int>(elapsed / 3s);  // one more per full interval, at most
  EXPECT_LE(FetchCount(port, "/jwks.json"), before + 2 + allowed)
      << "40 unknown kids in " << std::chrono::duration<double>(elapsed).count() << " s";
  EXPECT_EQ(Call(server_->port(), kSelect, Token("jku_new_1")).status, 200u);
  EXPECT_EQ(Call(server_->port(), kSelect, Token("jku_old_2")).status, 200u);
}

TEST_F(AuthIntegrationTest, FeedbackNeedsATokenForTheFeedbackUrl) {
  ASSERT_TRUE(server_->started());
  const std::string feedback =
      R"({"feedback":[{"card":"c1","outcome":"overridden","outcomeTimestamp":"2021-12-11T10:05:31Z"}]})";
  EXPECT_EQ(Call(server_->port(), kFeedback, Token("feedback_valid_0"), feedback).status, 200u);
  ExpectRefused(Call(server_->port(), kFeedback, NextValid(), feedback), "select aud on feedback");
  ExpectRefused(Call(server_->port(), kFeedback, "", feedback), "no token on feedback");
}

TEST_F(AuthIntegrationTest, DiscoveryAndReadinessStayOpen) {
  ASSERT_TRUE(server_->started());
  EXPECT_EQ(Call(server_->port(), "/cds-services", "", "", http::verb::get).status, 200u);
  const Reply ready = Call(server_->port(), "/readyz", "", "", http::verb::get);
  EXPECT_EQ(ready.body, R"({"status":"ready"})");
}

TEST(AuthServerTest, ProtectedDiscoveryAndRateLimit) {
  const std::string dir = std::filesystem::path(WriteTempFile("x", "")).parent_path() / "auth2";
  std::filesystem::create_directories(dir);
  const CommandResult made =
      RunCommand("node " + NodeDir() + "/tokens.mjs " + dir + " " + kBase + " https://unused");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  rapidjson::Document tokens;
  tokens.Parse(made.output.c_str());
  ASSERT_TRUE(tokens.IsObject());
  const std::string config = WriteTempFile(
      "rate.jsonc",
      R"({"auth": {"protect_discovery": true, "issuers": [{"iss": "https://ehr-pinned.test", )"
      R"("jwks_file": ")" +
          dir + R"(/pinned-jwks.json", "requests_per_second": 0.01, "burst": 3}]}})");
  ServerProcess server({"--config", config, "--public-base-url", kBase}, ServerAuth::kAsConfigured);
  ASSERT_TRUE(server.started());
  EXPECT_EQ(Call(server.port(), "/cds-services", "", "", http::verb::get).status, 401u);
  EXPECT_EQ(Call(server.port(), "/cds-services", tokens["discovery_valid_0"].GetString(), "",
                 http::verb::get)
                .status,
            200u);
  // Burst 3: the discovery call took one; two more pass, the next is throttled.
  EXPECT_EQ(Call(server.port(), kSelect, tokens["valid_0"].GetString()).status, 200u);
  EXPECT_EQ(Call(server.port(), kSelect, tokens["valid_1"].GetString()).status, 200u);
  const Reply limited = Call(server.port(), kSelect, tokens["valid_2"].GetString());
  EXPECT_EQ(limited.status, 429u);
  EXPECT_GE(std::atoi(limited.retry_after.c_str()), 1) << limited.retry_after;
  EXPECT_THAT(limited.body, HasSubstr("throttled"));
}

TEST(AuthServerTest, AuthOnWithNobodyTrustedRefusesToStart) {
  const CommandResult r = RunCommand(std::string(SERVER_BINARY) + " --port 0 2>&1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("no issuer is trusted"));
}

TEST(AuthServerTest, InsecureNoAuthWarnsAtStartAndOnReadyz) {
  ServerProcess server;  // --insecure-no-auth
  ASSERT_TRUE(server.started());
  const Reply ready = Call(server.port(), "/readyz", "", "", http::verb::get);
  EXPECT_EQ(ready.body, R"({"status":"ready","warnings":["authentication disabled"]})");
  EXPECT_THAT(server.Log(), HasSubstr("AUTHENTICATION DISABLED"));
  EXPECT_EQ(Call(server.port(), kSelect, "").status, 200u);
}

// The ./run.sh flow: a demo key, its JWK Set from `cds-hooks-cli token --jwks`, and a token
// from `cds-hooks-cli token` for the listener's own URL (no --public-base-url).
TEST(AuthServerTest, CliTokenForTheDemoKey) {
  const std::string key = WriteTempFile("demo-key.pem", "");
  ASSERT_EQ(RunCommand("openssl ecparam -name secp384r1 -genkey -noout -out " + key).exit_code, 0);
  const std::string cli = std::filesystem::path(SERVER_BINARY).parent_path() / "cds-hooks-cli";
  const CommandResult jwks = RunCommand(cli + " token --jwks --key " + key);
  ASSERT_EQ(jwks.exit_code, 0) << jwks.output;
  const std::string jwks_file = WriteTempFile("demo-jwks.json", jwks.output);
  ServerProcess server({"--trust-issuer", "https://demo-ehr.invalid=" + jwks_file},
                       ServerAuth::kAsConfigured);
  ASSERT_TRUE(server.started());
  const CommandResult token =
      RunCommand(cli + " token --key " + key + " --aud " + server.Url(kSelect));
  ASSERT_EQ(token.exit_code, 0);
  std::string t = token.output;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  EXPECT_EQ(Call(server.port(), kSelect, t).status, 200u) << server.Log();
  EXPECT_EQ(Call(server.port(), kSelect, t).status, 401u);  // one use

  // --count: several tokens at once (load tests), each its own jti, so each is accepted once.
  const CommandResult many =
      RunCommand(cli + " token --count 3 --key " + key + " --aud " + server.Url(kSelect));
  ASSERT_EQ(many.exit_code, 0);
  std::vector<std::string> tokens;
  std::istringstream lines(many.output);
  for (std::string line; std::getline(lines, line);) tokens.push_back(line);
  ASSERT_EQ(tokens.size(), 3u) << many.output;
  EXPECT_EQ(std::set<std::string>(tokens.begin(), tokens.end()).size(), 3u);
  for (const std::string& each : tokens) {
    EXPECT_EQ(Call(server.port(), kSelect, each).status, 200u) << server.Log();
  }
  EXPECT_EQ(RunCommand(cli + " token --count 0 --key " + key + " --aud x").exit_code, 2);
}

TEST(ConnectionLimitTest, ConnectionsPastThePerClientLimitAreClosedAtAccept) {
  const std::string config =
      WriteTempFile("conn.jsonc", R"({"limits": {"max_connections_per_client": 2}})");
  ServerProcess server({"--config", config});
  ASSERT_TRUE(server.started());
  TlsClient a, b, c;
  ASSERT_FALSE(a.Connect(server.port()));
  ASSERT_FALSE(b.Connect(server.port()));
  c.set_timeout(5s);
  EXPECT_TRUE(c.Connect(server.port())) << "a third connection from 127.0.0.1 must be refused";
  // The two admitted connections still work.
  Request request = Get("/healthz");
  Response response;
  ASSERT_FALSE(a.Send(request, response));
  EXPECT_EQ(response.result_int(), 200u);
  EXPECT_THAT(WaitForLog(server, "connection refused"),
              HasSubstr("connection refused: limit reached"));
}

}  // namespace
}  // namespace cds::testing
