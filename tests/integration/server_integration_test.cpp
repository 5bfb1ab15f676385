// The real server over TLS on loopback, driven by curl, openssl s_client and a Beast client.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "tests/integration/server_process.hpp"
#include "tests/integration/tls_client.hpp"

namespace cds::testing {
namespace {

namespace http = boost::beast::http;
using namespace std::chrono_literals;

constexpr const char* kSelect = "/cds-services/antimicrobial-stewardship-order-select";
constexpr const char* kSign = "/cds-services/antimicrobial-stewardship-order-sign";

struct CurlResult {
  int status = 0;
  std::string headers;  // of the final response, lower-cased names
  std::string body;
  int exit_code = 0;
};

// Runs curl against the server with the dev CA; returns the final response (1xx skipped).
CurlResult Curl(const std::string& args) {
  const std::string headers_file = WriteTempFile("headers.txt", "");
  const std::string body_file = WriteTempFile("body.txt", "");
  const auto run =
      RunCommand("curl -sS --max-time 60 --cacert " + CertPath("ca.pem") + " -D " + headers_file +
                 " -o " + body_file + " -w '%{http_code}' " + args + " 2>&1");
  CurlResult result;
  result.exit_code = run.exit_code;
  result.status = std::atoi(run.output.c_str());
  std::string headers = ReadFile(headers_file);
  // Keep only the last header block (after "100 Continue").
  const auto last = headers.rfind("HTTP/");
  if (last != std::string::npos) headers = headers.substr(last);
  for (char& c : headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  result.headers = headers;
  result.body = ReadFile(body_file);
  return result;
}

// The access log line is written once the response has been sent, so a client can read its
// response a moment before the line reaches the log: wait for it.
std::string WaitForLog(ServerProcess& server, const std::string& needle) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::string log = server.Log();
  while (log.find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
    log = server.Log();
  }
  return log;
}

std::string JsonArg(const std::string& body) {
  return "-H 'Content-Type: application/json' --data-binary @" + WriteTempFile("req.json", body);
}

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new ServerProcess(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static ServerProcess* server_;
};
ServerProcess* ServerTest::server_ = nullptr;

TEST_F(ServerTest, DiscoveryOverCurl) {
  ASSERT_TRUE(server_->started());
  const auto r = Curl(server_->Url("/cds-services"));
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.headers.find("content-type: application/json"), std::string::npos);
  EXPECT_NE(r.headers.find("access-control-allow-origin: *"), std::string::npos);
  EXPECT_NE(r.body.find(R"("hook":"order-select","id":"antimicrobial-stewardship-order-select")"),
            std::string::npos);
  EXPECT_NE(r.body.find(R"("hook":"order-sign","id":"antimicrobial-stewardship-order-sign")"),
            std::string::npos);
}

TEST_F(ServerTest, SandboxCaptureGetsCards) {
  const auto r = Curl(JsonArg(CompleteSandboxRequest()) + " " + server_->Url(kSelect));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"cards":[]})");
}

// The capture as sent carries no prefetch and a plain-http fhirServer: the required data cannot
// be fetched (plain http is off by default), so 412 with no connection attempted.
TEST_F(ServerTest, SandboxCaptureWithoutPrefetchGets412) {
  const auto r = Curl(JsonArg(SandboxRequest()) + " " + server_->Url(kSelect));
  EXPECT_EQ(r.status, 412);
  EXPECT_NE(r.body.find(R"("code":"incomplete")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("fhirServer not allowed: plain http"), std::string::npos) << r.body;
}

TEST_F(ServerTest, EveryErrorStatusHasCorsAndAnOperationOutcome) {
  struct Case {
    const char* name;
    std::string args;
    int status;
    const char* body_fragment;
  };
  const std::string big_header(70 * 1024, 'a');
  const std::vector<Case> cases = {
      {"malformed JSON", JsonArg("{\"hook\": ") + " " + server_->Url(kSelect), 400,
       R"("code":"structure")"},
      {"wrong hook",
       JsonArg(R"({"hook":"order-sign","hookInstance":"x","context":{}})") + " " +
           server_->Url(kSelect),
       400, R"("expression":["hook"])"},
      {"unknown path", server_->Url("/nope"), 404, R"("code":"not-found")"},
      {"unknown service", JsonArg("{}") + " " + server_->Url("/cds-services/unknown"), 404,
       R"("code":"not-found")"},
      {"wrong method", server_->Url(kSelect), 405, R"("code":"not-supported")"},
      {"not JSON", "-H 'Content-Type: text/plain' --data-binary x " + server_->Url(kSelect), 415,
       R"("code":"not-supported")"},
      {"headers too large", "-H 'X-Big: " + big_header + "' " + server_->Url("/cds-services"), 431,
       R"("code":"too-long")"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const auto r = Curl("-H 'Origin: https://sandbox.cds-hooks.org' " + c.args);
    EXPECT_EQ(r.status, c.status);
    EXPECT_NE(r.headers.find("access-control-allow-origin: *"), std::string::npos) << r.headers;
    EXPECT_NE(r.body.find(R"("resourceType":"OperationOutcome")"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find(c.body_fragment), std::string::npos) << r.body;
  }
  const auto r = Curl(server_->Url(kSelect));
  EXPECT_NE(r.headers.find("allow: post, options"), std::string::npos) << r.headers;
}

TEST_F(ServerTest, CorsPreflightWithoutCredentials) {
  const auto r = Curl(
      "-X OPTIONS -H 'Origin: https://sandbox.cds-hooks.org' "
      "-H 'Access-Control-Request-Method: POST' "
      "-H 'Access-Control-Request-Headers: authorization,content-type' " +
      server_->Url(kSign));
  EXPECT_EQ(r.status, 204);
  EXPECT_NE(r.headers.find("access-control-allow-origin: *"), std::string::npos);
  EXPECT_NE(r.headers.find("access-control-allow-methods: get, post, options"), std::string::npos);
  EXPECT_NE(r.headers.find("access-control-allow-headers: authorization, content-type"),
            std::string::npos);
  EXPECT_EQ(r.headers.find("access-control-allow-credentials"), std::string::npos);
}

TEST_F(ServerTest, ThousandRequestsOnOneKeepAliveConnection) {
  TlsClient client;
  ASSERT_FALSE(client.Connect(server_->port()));
  const std::string body = CompleteSandboxRequest();
  for (int i = 0; i < 1000; ++i) {
    Request request = i % 2 == 0 ? JsonPost(kSelect, body) : Get("/cds-services");
    Response response;
    const auto ec = client.Send(request, response);
    ASSERT_FALSE(ec) << "request " << i << ": " << ec.message();
    ASSERT_EQ(response.result_int(), 200u) << "request " << i;
    ASSERT_TRUE(response.keep_alive()) << "request " << i;
  }
}

TEST_F(ServerTest, OversizedBodyGets413AndTheServerKeepsServing) {
  const std::string path = WriteTempFile("big.json", std::string(17 * 1024 * 1024, ' '));
  // curl announces the size and waits for 100-continue: the 413 comes before the body.
  const auto r = Curl("-H 'Content-Type: application/json' --data-binary @" + path + " " +
                      server_->Url(kSelect));
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find(R"("code":"too-long")"), std::string::npos);

  // A client that sends the body without waiting still reads its 413.
  TlsClient client;
  ASSERT_FALSE(client.Connect(server_->port()));
  Request request = JsonPost(kSelect, std::string(17 * 1024 * 1024, ' '));
  Response response;
  const auto ec = client.Send(request, response);
  if (!ec) {
    EXPECT_EQ(response.result_int(), 413u);
    EXPECT_FALSE(response.keep_alive());
  }  // else the peer reset the upload after answering: acceptable, the server is what matters

  const auto after = Curl(server_->Url("/cds-services"));
  EXPECT_EQ(after.status, 200);
}

TEST_F(ServerTest, Tls13AndTls12AcceptedTls11Refused) {
  const std::string connect = "-connect 127.0.0.1:" + std::to_string(server_->port()) +
                              " -servername localhost -CAfile " + CertPath("ca.pem");
  const auto tls13 = RunCommand("echo | openssl s_client -tls1_3 " + connect + " 2>&1");
  EXPECT_NE(tls13.output.find("New, TLSv1.3, Cipher is TLS_"), std::string::npos) << tls13.output;
  EXPECT_NE(tls13.output.find("Verify return code: 0 (ok)"), std::string::npos);
  const auto tls12 = RunCommand("echo | openssl s_client -tls1_2 " + connect + " 2>&1");
  EXPECT_NE(tls12.output.find("New, TLSv1.2, Cipher is ECDHE-"), std::string::npos) << tls12.output;
  // SECLEVEL=0 lets the client offer TLS 1.1 at all; the server must refuse it.
  const auto tls11 = RunCommand("echo | openssl s_client -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' " +
                                connect + " 2>&1");
  EXPECT_NE(tls11.exit_code, 0);
  EXPECT_NE(tls11.output.find("alert protocol version"), std::string::npos) << tls11.output;
  EXPECT_NE(tls11.output.find("New, (NONE), Cipher is (NONE)"), std::string::npos);
  const auto curl11 = Curl("--tlsv1.1 --tls-max 1.1 " + server_->Url("/cds-services"));
  EXPECT_NE(curl11.exit_code, 0);
  EXPECT_EQ(curl11.status, 0);
}

TEST_F(ServerTest, WeakCipherRefused) {
  const auto r =
      RunCommand("echo | openssl s_client -tls1_2 -cipher AES128-SHA -connect 127.0.0.1:" +
                 std::to_string(server_->port()) + " 2>&1");
  EXPECT_NE(r.exit_code, 0) << r.output;
}

TEST_F(ServerTest, PlainHttpIsNotServedOnTheTlsPort) {
  const auto r =
      RunCommand("curl -sS --max-time 10 -o /dev/null -w '%{http_code}' http://127.0.0.1:" +
                 std::to_string(server_->port()) + "/cds-services 2>/dev/null");
  EXPECT_NE(r.output, "200");
}

TEST_F(ServerTest, TokensNeverReachTheLog) {
  // Without prefetch (412: the plain-http fhirServer is refused, and that is logged) and with
  // complete prefetch (200).
  for (const std::string& request : {SandboxRequest(), CompleteSandboxRequest()}) {
    std::string body = request;
    body.insert(
        1, R"("fhirAuthorization":{"access_token":"SECRET-ACCESS-TOKEN-42","token_type":"Bearer",)"
           R"("expires_in":300,"scope":"user/Patient.read","subject":"cds"},)");
    const auto r = Curl("-H 'Authorization: Bearer SECRET-JWT-43' " + JsonArg(body) + " " +
                        server_->Url(kSelect));
    EXPECT_EQ(r.status, request == SandboxRequest() ? 412 : 200) << r.body;
    EXPECT_EQ(r.body.find("SECRET-ACCESS-TOKEN-42"), std::string::npos);
  }
  const std::string log = WaitForLog(*server_, "580551c0-9fac-4609-9d4f-9ac362f74278");
  EXPECT_NE(log.find("580551c0-9fac-4609-9d4f-9ac362f74278"), std::string::npos);
  EXPECT_EQ(log.find("SECRET-ACCESS-TOKEN-42"), std::string::npos);
  EXPECT_EQ(log.find("SECRET-JWT-43"), std::string::npos);
}

TEST_F(ServerTest, RequestIdIsEchoed) {
  const auto r = Curl("-H 'X-Request-Id: ehr-trace-123' " + server_->Url("/cds-services"));
  EXPECT_NE(r.headers.find("x-request-id: ehr-trace-123"), std::string::npos);
  EXPECT_NE(WaitForLog(*server_, R"("request_id":"ehr-trace-123")")
                .find(R"("request_id":"ehr-trace-123")"),
            std::string::npos);
}

// A client that trickles its header is cut off by the header deadline while others are served.
TEST(ServerDeadlines, TricklingHeaderIsCutOff) {
  const std::string config =
      WriteTempFile("timeouts.json", R"({"timeouts_ms": {"header": 1000, "idle": 5000}})");
  ServerProcess server({"--config", config});
  ASSERT_TRUE(server.started());
  TlsClient slow;
  ASSERT_FALSE(slow.Connect(server.port()));
  const std::string header = "GET /cds-services HTTP/1.1\r\nHost: localhost\r\nX-Slow: ";
  const auto start = std::chrono::steady_clock::now();
  auto trickle = std::async(std::launch::async, [&] {
    for (std::size_t i = 0; i < 100; ++i) {
      if (slow.WriteRaw(std::string_view(i < header.size() ? &header[i] : "a", 1))) return;
      std::this_thread::sleep_for(100ms);
    }
  });
  // Meanwhile another client is served normally.
  const auto other = Curl(server.Url("/cds-services"));
  EXPECT_EQ(other.status, 200);
  trickle.wait();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, 5s) << "the slow client was not cut off by the 1 s header deadline";
  EXPECT_GT(elapsed, 900ms);
}

// SIGTERM: in-flight requests complete, new connections are refused, exit status 0.
TEST(ServerShutdown, SigtermLetsInFlightRequestsFinish) {
  ServerProcess server;
  ASSERT_TRUE(server.started());
  TlsClient inflight;
  ASSERT_FALSE(inflight.Connect(server.port()));
  TlsClient idle;
  ASSERT_FALSE(idle.Connect(server.port()));
  const std::string body = CompleteSandboxRequest();
  const std::string head = "POST " + std::string(kSelect) +
                           " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                           "Content-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n";
  ASSERT_FALSE(inflight.WriteRaw(head + body.substr(0, body.size() / 2)));
  std::this_thread::sleep_for(300ms);  // the server is now reading that body

  ::kill(server.pid(), SIGTERM);
  std::this_thread::sleep_for(500ms);
  EXPECT_TRUE(server.Running()) << "exited with a request in flight";
  // The idle connection is closed and new connections are refused.
  EXPECT_TRUE(idle.ReadUntilClosed());
  TlsClient late;
  EXPECT_TRUE(late.Connect(server.port())) << "a new connection was accepted while draining";

  ASSERT_FALSE(inflight.WriteRaw(body.substr(body.size() / 2)));
  Response response;
  ASSERT_FALSE(inflight.Read(response));
  EXPECT_EQ(response.result_int(), 200u);
  EXPECT_EQ(response.body(), R"({"cards":[]})");
  EXPECT_FALSE(response.keep_alive());
  EXPECT_EQ(server.SignalAndWait(0, 20s), 0);
  EXPECT_NE(server.Log().find(R"("msg":"stopped")"), std::string::npos);
}

TEST(ServerMutualTls, ClientCertificateRequiredWhenConfigured) {
  ServerProcess server({"--tls-client-ca", CertPath("ca.pem"), "--require-client-cert"});
  ASSERT_TRUE(server.started());
  const auto without = Curl(server.Url("/cds-services"));
  EXPECT_NE(without.status, 200);
  const auto with = Curl("--cert " + CertPath("client.pem") + " --key " +
                         CertPath("client-key.pem") + " " + server.Url("/cds-services"));
  EXPECT_EQ(with.status, 200);
}

TEST(ServerPlainHttp, OnlyWhenEnabledAndWithAWarning) {
  ServerProcess server({"--plain-http-port", "0"});
  ASSERT_TRUE(server.started());
  ASSERT_NE(server.plain_port(), 0);
  const auto r =
      RunCommand("curl -sS --max-time 10 http://127.0.0.1:" + std::to_string(server.plain_port()) +
                 "/cds-services");
  EXPECT_NE(r.output.find(R"("services")"), std::string::npos);
  EXPECT_NE(server.Log().find("plain HTTP listener enabled"), std::string::npos);
  // No HSTS over plain HTTP.
  const auto h = RunCommand("curl -sS -D - -o /dev/null --max-time 10 http://127.0.0.1:" +
                            std::to_string(server.plain_port()) + "/healthz");
  EXPECT_EQ(h.output.find("Strict-Transport-Security"), std::string::npos) << h.output;
}

TEST(ServerStartup, BadCertificateStopsStartupWithAMessage) {
  const auto r = RunCommand(std::string(SERVER_BINARY) +
                            " --port 0 --insecure-no-auth --tls-cert /nonexistent/cert.pem 2>&1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("/nonexistent/cert.pem"), std::string::npos) << r.output;
}

TEST(ServerStartup, BrokenTerminologyFileStopsStartupNamingFileAndEntry) {
  const std::string dir = WriteTempFile("terminology", "");
  const std::string source = std::string(CDS_SOURCE_DIR) + "/engine/terminology";
  ASSERT_EQ(RunCommand("rm -f " + dir + " && mkdir -p " + dir + " && cp " + source + "/*.json " +
                       dir + " && cp " + TEST_DATA_DIR +
                       "/terminology/missing_classes/drugs.json " + dir + "/drugs.json")
                .exit_code,
            0);
  const auto r = RunCommand(std::string(SERVER_BINARY) +
                            " --port 0 --insecure-no-auth --terminology-dir " + dir + " 2>&1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("drugs.json: entry"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"classes\""), std::string::npos) << r.output;
}

TEST(ServerStartup, HelpAndVersion) {
  const auto help = RunCommand(std::string(SERVER_BINARY) + " --help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* option : {"--config", "--bind", "--port", "--threads", "--tls-cert", "--tls-key",
                             "--public-base-url", "--help", "--version"}) {
    EXPECT_NE(help.output.find(option), std::string::npos) << option;
  }
  const auto version = RunCommand(std::string(SERVER_BINARY) + " --version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.output.rfind("cds-hooks-server ", 0), 0u);
  const auto bad = RunCommand(std::string(SERVER_BINARY) + " --no-such-option 2>&1");
  EXPECT_EQ(bad.exit_code, 2);
}

TEST(Cli, HelpAndVersion) {
  const std::string cli =
      std::string(SERVER_BINARY).substr(0, std::string(SERVER_BINARY).rfind('/') + 1) +
      "cds-hooks-cli";
  const auto help = RunCommand(cli + " --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("Usage: cds-hooks-cli"), std::string::npos);
  const auto version = RunCommand(cli + " --version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.output.rfind("cds-hooks-cli ", 0), 0u);
  EXPECT_EQ(RunCommand(cli + " frobnicate 2>/dev/null").exit_code, 2);
}

}  // namespace
}  // namespace cds::testing
