// The outbound client (PooledHttpClient) against a real Node HTTP(S) server with fault modes
// (tests/node/test-http-server/server.js) on loopback, with the dev certificates.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hooks/fhir_client.hpp"
#include "hooks/log.hpp"
#include "tests/integration/server_process.hpp"
#include "tests/integration/test_http_server.hpp"

namespace cds::testing {
namespace {

using hooks::FhirClientConfig;
using hooks::OutboundFailure;
using hooks::OutboundRequest;
using hooks::OutboundResponse;
using hooks::PooledHttpClient;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// The JSON the test server answers with (mode /json and friends).
struct Echo {
  int connection = 0;
  int request_on_connection = 0;
  std::string method;
  std::string path;
  std::string accept;
  std::string user_agent;
  std::string content_type;
  int body_length = -1;
  bool authorization = false;
};

Echo ParseEcho(const OutboundResponse& response) {
  Echo echo;
  rapidjson::Document doc;
  doc.Parse(response.body.c_str(), response.body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    ADD_FAILURE() << "not the test server's JSON: " << response.body.substr(0, 200);
    return echo;
  }
  auto text = [&doc](const char* key) {
    return doc.HasMember(key) && doc[key].IsString() ? std::string(doc[key].GetString()) : "";
  };
  echo.connection = doc["connection"].GetInt();
  echo.request_on_connection = doc["requestOnConnection"].GetInt();
  echo.method = text("method");
  echo.path = text("path");
  echo.accept = text("accept");
  echo.user_agent = text("userAgent");
  echo.content_type = text("contentType");
  echo.body_length = doc["bodyLength"].GetInt();
  echo.authorization = doc["authorization"].GetBool();
  return echo;
}

class FhirClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    io_ = std::make_shared<boost::asio::io_context>();
    work_.emplace(io_->get_executor());
    for (int i = 0; i < 2; ++i) threads_.emplace_back([io = io_] { io->run(); });
  }

  void TearDown() override {
    for (auto& client : clients_) client->Shutdown();
    clients_.clear();
    work_.reset();
    for (auto& t : threads_) t.join();
  }

  // A client with the dev CA trusted.
  PooledHttpClient& Client(FhirClientConfig config = DevConfig()) {
    clients_.push_back(std::make_unique<PooledHttpClient>(io_, config));
    return *clients_.back();
  }

  static FhirClientConfig DevConfig() {
    FhirClientConfig config;
    config.ca_file = CertPath("ca.pem");
    return config;
  }

  // A request to the loopback test server (private addresses allowed: the operator listed it).
  static OutboundRequest Request(const std::string& url) {
    OutboundRequest request;
    request.url = url;
    request.deadline = Clock::now() + 20s;
    request.allow_private_address = true;
    return request;
  }

  static OutboundResponse Fetch(PooledHttpClient& client, OutboundRequest request) {
    auto promise = std::make_shared<std::promise<OutboundResponse>>();
    auto calls = std::make_shared<std::atomic<int>>(0);
    auto future = promise->get_future();
    client.Fetch(std::move(request), [promise, calls](OutboundResponse response) {
      if (calls->fetch_add(1) == 0) promise->set_value(std::move(response));
    });
    if (future.wait_for(60s) != std::future_status::ready) {
      ADD_FAILURE() << "done was not called within 60 s";
      OutboundResponse none;
      none.failure = OutboundFailure::kTimeout;
      return none;
    }
    OutboundResponse response = future.get();
    std::this_thread::sleep_for(1ms);
    EXPECT_EQ(calls->load(), 1) << "done called more than once";
    return response;
  }

  static OutboundResponse Get(PooledHttpClient& client, const std::string& url) {
    return Fetch(client, Request(url));
  }

  std::shared_ptr<boost::asio::io_context> io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  std::vector<std::unique_ptr<PooledHttpClient>> clients_;
};

std::string Describe(const OutboundResponse& r) {
  if (r.ok()) return "status " + std::to_string(r.status);
  return std::string(hooks::ToString(*r.failure)) + ": " + r.failure_detail;
}

// TCP connections the test server has accepted so far, counting the one this asks on.
int TcpConnectionsSeen(PooledHttpClient& client, const TestHttpServer& server) {
  OutboundRequest request;
  request.url = server.Url("localhost", "/stats");
  request.deadline = Clock::now() + 20s;
  request.allow_private_address = true;
  auto promise = std::make_shared<std::promise<OutboundResponse>>();
  auto future = promise->get_future();
  client.Fetch(request, [promise](OutboundResponse r) { promise->set_value(std::move(r)); });
  if (future.wait_for(60s) != std::future_status::ready) return -1;
  const OutboundResponse r = future.get();
  rapidjson::Document doc;
  doc.Parse(r.body.c_str(), r.body.size());
  if (!r.ok() || doc.HasParseError() || !doc.IsObject() || !doc.HasMember("connections")) {
    return -1;
  }
  return doc["connections"].GetInt();
}

// ---- TLS -------------------------------------------------------------------------------------

TEST_F(FhirClientTest, HttpsGetWithTheDevCaSucceeds) {
  TestHttpServer server;
  ASSERT_TRUE(server.started());
  PooledHttpClient& client = Client();
  const OutboundResponse r = Get(client, server.Url("localhost", "/json"));
  ASSERT_TRUE(r.ok()) << Describe(r);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "application/fhir+json");
  EXPECT_GT(r.latency.count(), 0);
  const Echo echo = ParseEcho(r);
  EXPECT_EQ(echo.method, "GET");
  EXPECT_EQ(echo.path, "/json");
  EXPECT_EQ(echo.accept, "application/fhir+json");
  EXPECT_EQ(echo.user_agent.rfind("cds-hooks-server/", 0), 0u) << echo.user_agent;
  EXPECT_FALSE(echo.authorization);
}

TEST_F(FhirClientTest, IpLiteralHostsAreVerifiedAgainstIpSans) {
  TestHttpServer v4;
  ASSERT_TRUE(v4.started());
  PooledHttpClient& client = Client();
  const OutboundResponse r = Get(client, v4.Url("127.0.0.1", "/json"));
  EXPECT_TRUE(r.ok()) << Describe(r);

  TestHttpServer v6({.tls = true, .cert = "", .key = "", .host = "::1", .keep_alive_ms = 5000});
  ASSERT_TRUE(v6.started());
  const OutboundResponse r6 = Get(client, v6.Url("[::1]", "/json"));
  EXPECT_TRUE(r6.ok()) << Describe(r6);
}

TEST_F(FhirClientTest, WithoutTheDevCaTheCertificateIsRejected) {
  TestHttpServer server;
  ASSERT_TRUE(server.started());
  PooledHttpClient& client = Client(FhirClientConfig{});  // system store only
  const OutboundResponse r = Get(client, server.Url("localhost", "/json"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure, OutboundFailure::kTls) << Describe(r);
  EXPECT_NE(r.failure_detail.find("certificate"), std::string::npos) << r.failure_detail;
}

TEST_F(FhirClientTest, AnIpAddressTheCertificateDoesNotNameIsRejected) {
  // 127.0.0.2 is loopback too, but the dev certificate names only localhost, 127.0.0.1, ::1.
  TestHttpServer server(
      {.tls = true, .cert = "", .key = "", .host = "127.0.0.2", .keep_alive_ms = 5000});
  ASSERT_TRUE(server.started());
  PooledHttpClient& client = Client();
  const OutboundResponse r = Get(client, server.Url("127.0.0.2", "/json"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure, OutboundFailure::kTls) << Describe(r);
}

TEST_F(FhirClientTest, AHostNameTheCertificateDoesNotNameIsRejected) {
  // A certificate from the same dev CA for another name: the chain verifies, the name does not.
  const std::string dir = WriteTempFile("other", "");
  const std::string key = dir + "-key.pem";
  const std::string csr = dir + ".csr";
  const std::string ext = WriteTempFile("other.ext", "subjectAltName=DNS:fhir.other.test\n");
  const std::string cert = dir + ".pem";
  const auto made =
      RunCommand("openssl ecparam -name prime256v1 -genkey -noout -out " + key +
                 " && openssl req -new -key " + key + " -subj /CN=fhir.other.test -out " + csr +
                 " && openssl x509 -req -in " + csr + " -CA " + CertPath("ca.pem") + " -CAkey " +
                 CertPath("ca-key.pem") + " -CAcreateserial -CAserial " + dir +
                 ".srl -sha256 -days 2" + " -extfile " + ext + " -out " + cert + " 2>&1");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  TestHttpServer server(
      {.tls = true, .cert = cert, .key = key, .host = "127.0.0.1", .keep_alive_ms = 5000});
  ASSERT_TRUE(server.started());
  PooledHttpClient& client = Client();
  for (const char* host : {"localhost", "127.0.0.1"}) {
    const OutboundResponse r = Get(client, server.Url(host, "/json"));
    ASSERT_FALSE(r.ok()) << host;
    EXPECT_EQ(r.failure, OutboundFailure::kTls) << host << ": " << Describe(r);
  }
}

// ---- what may be fetched --------------------------------------------------------------------

TEST_F(FhirClientTest, PlainHttpOnlyWhenAllowed) {
  TestHttpServer server(
      {.tls = false, .cert = "", .key = "", .host = "127.0.0.1", .keep_alive_ms = 5000});
  ASSERT_TRUE(server.started());
  PooledHttpClient& strict = Client();
  const OutboundResponse refused = Get(strict, server.Url("localhost", "/json"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.failure, OutboundFailure::kNotAllowed) << Describe(refused);

  FhirClientConfig dev = DevConfig();
  dev.allow_http = true;
  PooledHttpClient& lenient = Client(dev);
  const OutboundResponse r = Get(lenient, server.Url("localhost", "/json"));
  ASSERT_TRUE(r.ok()) << Describe(r);
  EXPECT_EQ(ParseEcho(r).path, "/json");
  EXPECT_EQ(TcpConnectionsSeen(lenient, server), 1);  // the refused fetch never connected
}

TEST_F(FhirClientTest, PrivateAddressesAreRefusedBeforeConnecting) {
  TestHttpServer server;
  ASSERT_TRUE(server.started());
  PooledHttpClient& client = Client();
  for (const char* host : {"localhost", "127.0.0.1"}) {
    OutboundRequest request = Request(server.Url(host, "/json"));
    request.allow_private_address = false;
    const OutboundResponse r = Fetch(client, request);
    ASSERT_FALSE(r.ok()) << host;
    EXPECT_EQ(r.failure, OutboundFailure::kNotAllowed) << host << ": " << Describe(r);
    EXPECT_NE(r.failure_detail.find("loopback"), std::string::npos) << r.failure_detail;
  }
  EXPECT_EQ(client.stats().connections_opened, 0u);
  EXPECT_EQ(TcpConnectionsSeen(client, server), 1);  // only the /stats fetch itself
}

TEST_F(FhirClientTest, APooledPrivateConnectionIsNotLentToAStrictRequest) {
  TestHttpServer server;
  ASSERT_TRUE(server.started());
  PooledHttpClient& client = Client();
  ASSERT_TRUE(Get(client, server.Url("localhost", "/json")).ok());
  EXPECT_EQ(client.stats().idle, 1u);
  OutboundRequest strict = Request(server.Url("localhost", "/json"));
  strict.allow_private_address = false;
  const OutboundResponse r = Fetch(client, strict);
  EXPECT_EQ(r.failure, OutboundFailure::kNotAllowed) << Describe(r);
}

TEST_F(FhirClientTest, RefusedPortIsAConnectFailure) {
  int port = 0;
  {
    // A port that was free a moment ago and that nothing listens on now.
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(
        io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    port = acceptor.local_endpoint().port();
  }
  PooledHttpClient& client = Client();
  const OutboundResponse r = Get(client, "https://127.0.0.1:" + std::to_string(port) + "/metadata");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure, OutboundFailure::kConnect) << Describe(r);
}

TEST_F(FhirClientTest, AnUnresolvableHostIsADnsFailure) {
  PooledHttpClient& client = Client();
  const OutboundResponse r = Get(client, "https://fhir.example.invalid/metadata");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure, OutboundFailure::kDns) << Describe(r);
}

// ---- keep-alive pool -------------------------------------------------------------------------

TEST_F(FhirClientTest, SequentialFetchesReuseOneConnection) {
  TestHttpServer server;
  ASSERT_TRUE(server.started());
  PooledHttpClient& client = Client();
  int connection = 0;
  for (int i = 1; i <= 10; ++i) {
    const OutboundResponse r = Get(client, server.Url("localhost", "/json"));
    ASSERT_TRUE(r.ok()) << i << ": " << Describe(r);
    const Echo echo = ParseEcho(r);
    if (i == 1) connection = echo.connection;
    EXPECT_EQ(echo.connection, connection) << i;
    EXPECT_EQ(echo.request_on_connection, i);
  }
  EXPECT_EQ(client.stats().connections_opened, 1u);
  EXPECT_EQ(client.stats().connections_reused, 9u);
  EXPECT_EQ(client.stats().idle, 1u);
  EXPECT_EQ(TcpConnectionsSeen(client, server), 1);
}

TEST_F(FhirClientTest, ConnectionCloseAndEofDelimitedResponsesAreNotPooled) {
  TestHttpServer server;
  ASSERT_TRUE(server.started());
  for (const char* mode : {"/close", "/no-length"}) {
    PooledHttpClient& client = Client();
    const OutboundResponse first = Get(client, server.Url("localhost", mode));
    ASSERT_TRUE(first.ok()) << mode << ": " << Describe(first);
    EXPECT_EQ(client.stats().idle, 0u) << mode;
    const OutboundResponse second = Get(client, server.Url("localhost", "/json"));
    ASSERT_TRUE(second.ok()) << Describe(second);
    EXPECT_NE(ParseEcho(second).connection, ParseEcho(first).connection) << mode;
    EXPECT_EQ(ParseEcho(second).request_on_connection, 1) << mode;
    EXPECT_EQ(client.stats().connections_opened, 2u) << mode;
  }
}

TEST_F(FhirClientTest, AStalePooledConnectionIsRetriedOnceForGetOnly) {
  TestHttpServer server;
  ASSERT_TRUE(server.started());
  PooledHttpClient& client = Client();
  // /arm-drop: the server destroys this connection when the next request arrives on it.
  const OutboundResponse armed = Get(client, server.Url("localhost", "/arm-drop"));
  ASSERT_TRUE(armed.ok()) << Describe(armed);
  const OutboundResponse retried = Get(client, server.Url("localhost", "/json"));
  ASSERT_TRUE(retried.ok()) << Describe(retried);
  EXPECT_NE(ParseEcho(retried).connection, ParseEcho(armed).connection);
  EXPECT_EQ(client.stats().connections_opened, 2u);

  ASSERT_TRUE(Get(client, server.Url("localhost", "/arm-drop")).ok());
  OutboundRequest post = Request(server.Url("localhost", "/json"));
  post.method = "POST";
  post.body = "patient=123";
  post.content_type = "application/x-www-form-urlencoded";
  const OutboundResponse not_retried = Fetch(client, post);
  ASSERT_FALSE(not_retried.ok());
  EXPECT_EQ(not_retried.failure, OutboundFailure::kProtocol) << Describe(not_retried);
}

TEST_F(FhirClientTest, IdlePooledConnectionsCloseAfterTheIdleTimeout) {
  TestHttpServer server;
  ASSERT_TRUE(server.started());
  FhirClientConfig config = DevConfig();
  config.idle_timeout = 200ms;
  PooledHttpClient& client = Client(config);
  const OutboundResponse first = Get(client, server.Url("localhost", "/json"));
  ASSERT_TRUE(first.ok()) << Describe(first);
  EXPECT_EQ(client.stats().idle, 1u);
  const auto until = Clock::now() + 10s;
  while (client.stats().idle != 0 && Clock::now() < until) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(client.stats().idle, 0u) << "the sweep did not close the idle connection";
  const OutboundResponse second = Get(client, server.Url("localhost", "/json"));
  ASSERT_TRUE(second.ok()) << Describe(second);
  EXPECT_NE(ParseEcho(second).connection, ParseEcho(first).connection);
}

TEST_F(FhirClientTest, AConnectionTheServerClosedWhileIdleIsNotUsed) {
  TestHttpServer server(
      {.tls = true, .cert = "", .key = "", .host = "127.0.0.1", .keep_alive_ms = 100});
  ASSERT_TRUE(server.started());
  PooledHttpClient& client = Client();
  for (int i = 0; i < 2; ++i) {
    const OutboundResponse r = Get(client, server.Url("localhost", "/json"));
    ASSERT_TRUE(r.ok()) << i << ": " << Describe(r);
    EXPECT_EQ(ParseEcho(r).request_on_connection, 1) << i;
    // Node closes an idle connection about 1 s after its keepAliveTimeout (a built-in buffer).
    std::this_thread::sleep_for(2000ms);
  }
  EXPECT_EQ(client.stats().connections_opened, 2u);
}

TEST_F(FhirClientTest, HundredConcurrentFetchesAllSucceed) {
  TestHttpServer server;
  ASSERT_TRUE(server.started());
  PooledHttpClient& client = Client();
  constexpr int kFetches = 100;
  std::mutex mutex;
  std::condition_variable cv;
  int done = 0;
  std::vector<OutboundResponse> responses(kFetches);
  for (int i = 0; i < kFetches; ++i) {
    client.Fetch(Request(server.Url("localhost", "/slow?ms=20")), [&, i](OutboundResponse r) {
      const std::lock_guard<std::mutex> lock(mutex);
      responses[static_cast<std::size_t>(i)] = std::move(r);
      ++done;
      cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(mutex);
  ASSERT_TRUE(cv.wait_for(lock, 120s, [&] { return done == kFetches; })) << done;
  for (const OutboundResponse& r : responses) EXPECT_TRUE(r.ok()) << Describe(r);
  EXPECT_LE(client.stats().idle, FhirClientConfig{}.max_idle_per_origin);
  EXPECT_EQ(client.stats().in_flight, 0u);
}

// ---- faults ----------------------------------------------------------------------------------

TEST_F(FhirClientTest, AServerThatNeverAnswersTimesOutAtTheDeadline) {
  TestHttpServer server;
  ASSERT_TRUE(server.started());
  PooledHttpClient& client = Client();
  OutboundRequest request = Request(server.Url("localhost", "/hang"));
  const auto start = Clock::now();
  request.deadline = start + 300ms;
  const OutboundResponse r = Fetch(client, request);
  const auto elapsed = Clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure, OutboundFailure::kTimeout) << Describe(r);
  EXPECT_GE(elapsed, 300ms);
  EXPECT_LT(elapsed, 10s) << "the deadline did not end the fetch";
  // A slow answer within the deadline is fine.
  const OutboundResponse slow = Get(client, server.Url("localhost", "/slow?ms=200"));
  EXPECT_TRUE(slow.ok()) << Describe(slow);
}

TEST_F(FhirClientTest, ABodyPastTheLimitIsTooLarge) {
  TestHttpServer server;
  ASSERT_TRUE(server.started());
  PooledHttpClient& client = Client();
  constexpr std::size_t kLimit = 1024 * 1024;
  for (const char* mode : {"/huge", "/huge-chunked"}) {
    OutboundRequest request = Request(
        server.Url("localhost", std::string(mode) + "?bytes=" + std::to_string(kLimit + 1)));
    request.max_body_bytes = kLimit;
    const OutboundResponse r = Fetch(client, request);
    ASSERT_FALSE(r.ok()) << mode;
    EXPECT_EQ(r.failure, OutboundFailure::kTooLarge) << mode << ": " << Describe(r);

    request.url = server.Url("localhost", std::string(mode) + "?bytes=" + std::to_string(kLimit));
    const OutboundResponse fits = Fetch(client, request);
    ASSERT_TRUE(fits.ok()) << mode << ": " << Describe(fits);
    EXPECT_EQ(fits.body.size(), kLimit);
  }
}

TEST_F(FhirClientTest, NonHttpBytesAreAProtocolFailure) {
  TestHttpServer server;
  ASSERT_TRUE(server.started());
  PooledHttpClient& client = Client();
  const OutboundResponse r = Get(client, server.Url("localhost", "/garbage"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure, OutboundFailure::kProtocol) << Describe(r);
}

TEST_F(FhirClientTest, AConnectionClosedMidBodyIsAProtocolFailure) {
  TestHttpServer server;
  ASSERT_TRUE(server.started());
  PooledHttpClient& client = Client();
  const OutboundResponse r = Get(client, server.Url("localhost", "/close-mid-body"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure, OutboundFailure::kProtocol) << Describe(r);
  EXPECT_NE(r.failure_detail.find("mid-response"), std::string::npos) << r.failure_detail;
}

TEST_F(FhirClientTest, ErrorStatusesAreResponses) {
  TestHttpServer server;
  ASSERT_TRUE(server.started());
  PooledHttpClient& client = Client();
  for (unsigned code : {401u, 404u, 500u}) {
    const OutboundResponse r =
        Get(client, server.Url("localhost", "/status?code=" + std::to_string(code)));
    ASSERT_TRUE(r.ok()) << Describe(r);
    EXPECT_EQ(r.status, code);
  }
}

// ---- redirects and the Authorization header -------------------------------------------------

TEST_F(FhirClientTest, AuthorizationIsSentExactlyWhenSet) {
  TestHttpServer server;
  ASSERT_TRUE(server.started());
  PooledHttpClient& client = Client();
  OutboundRequest with = Request(server.Url("localhost", "/json"));
  with.authorization = "Bearer abc.def.ghi";
  const OutboundResponse r1 = Fetch(client, with);
  ASSERT_TRUE(r1.ok()) << Describe(r1);
  EXPECT_TRUE(ParseEcho(r1).authorization);
  const OutboundResponse r2 = Get(client, server.Url("localhost", "/json"));  // same connection
  ASSERT_TRUE(r2.ok()) << Describe(r2);
  EXPECT_FALSE(ParseEcho(r2).authorization);
  EXPECT_EQ(ParseEcho(r2).connection, ParseEcho(r1).connection);
}

TEST_F(FhirClientTest, SameOriginRedirectsAreFollowedWithTheAuthorization) {
  TestHttpServer server;
  ASSERT_TRUE(server.started());
  PooledHttpClient& client = Client();
  for (unsigned status : {301u, 302u, 303u, 307u, 308u}) {
    OutboundRequest request = Request(server.Url(
        "localhost", "/redirect?status=" + std::to_string(status) + "&location=%2Fjson"));
    request.authorization = "Bearer abc";
    const OutboundResponse r = Fetch(client, request);
    ASSERT_TRUE(r.ok()) << status << ": " << Describe(r);
    EXPECT_EQ(r.status, 200u);
    const Echo echo = ParseEcho(r);
    EXPECT_EQ(echo.path, "/json") << status;
    EXPECT_TRUE(echo.authorization) << status;
  }
  // An absolute Location naming the same origin is the same origin.
  const OutboundResponse absolute =
      Get(client, server.Url("localhost", "/redirect?location=https%3A%2F%2FLOCALHOST%3A" +
                                              std::to_string(server.port()) + "%2Fjson"));
  ASSERT_TRUE(absolute.ok()) << Describe(absolute);
  EXPECT_EQ(ParseEcho(absolute).path, "/json");
}

TEST_F(FhirClientTest, RedirectsChangePostToGetOnlyWhereHttpSaysSo) {
  TestHttpServer server;
  ASSERT_TRUE(server.started());
  PooledHttpClient& client = Client();
  for (const auto& [status, method] : std::vector<std::pair<unsigned, std::string>>{
           {303u, "GET"}, {302u, "GET"}, {307u, "POST"}, {308u, "POST"}}) {
    OutboundRequest request = Request(server.Url(
        "localhost", "/redirect?status=" + std::to_string(status) + "&location=%2Fjson"));
    request.method = "POST";
    request.body = "code=http%3A%2F%2Floinc.org%7C4548-4";
    request.content_type = "application/x-www-form-urlencoded";
    const OutboundResponse r = Fetch(client, request);
    ASSERT_TRUE(r.ok()) << status << ": " << Describe(r);
    const Echo echo = ParseEcho(r);
    EXPECT_EQ(echo.method, method) << status;
    EXPECT_EQ(echo.body_length, method == "POST" ? static_cast<int>(request.body.size()) : 0)
        << status;
  }
}

TEST_F(FhirClientTest, AtMostThreeRedirects) {
  TestHttpServer server;
  ASSERT_TRUE(server.started());
  PooledHttpClient& client = Client();
  const OutboundResponse three = Get(client, server.Url("localhost", "/redirect-chain?n=3"));
  ASSERT_TRUE(three.ok()) << Describe(three);
  EXPECT_EQ(ParseEcho(three).path, "/redirect-chain");
  const OutboundResponse four = Get(client, server.Url("localhost", "/redirect-chain?n=4"));
  ASSERT_FALSE(four.ok());
  EXPECT_EQ(four.failure, OutboundFailure::kRedirect) << Describe(four);
}

TEST_F(FhirClientTest, CrossOriginRedirectsAreNotFollowed) {
  TestHttpServer server;
  ASSERT_TRUE(server.started());
  TestHttpServer other;
  ASSERT_TRUE(other.started());
  PooledHttpClient& client = Client();
  const std::string port = std::to_string(server.port());
  const std::string other_port = std::to_string(other.port());
  // Another host (same port), another port, another scheme.
  for (const std::string& location :
       {"https%3A%2F%2F127.0.0.1%3A" + port + "%2Fjson",
        "https%3A%2F%2Flocalhost%3A" + other_port + "%2Fjson",
        "%2F%2F127.0.0.1%3A" + other_port + "%2Fjson", "http%3A%2F%2Flocalhost%3A" + port}) {
    OutboundRequest request = Request(server.Url("localhost", "/redirect?location=" + location));
    request.authorization = "Bearer abc";
    const OutboundResponse r = Fetch(client, request);
    ASSERT_FALSE(r.ok()) << location;
    EXPECT_EQ(r.failure, OutboundFailure::kRedirect) << location << ": " << Describe(r);
  }
  EXPECT_EQ(TcpConnectionsSeen(client, other), 1);  // never contacted
}

// ---- lifecycle and logs ----------------------------------------------------------------------

TEST_F(FhirClientTest, ShutdownFailsFetchesInFlightAndAfter) {
  TestHttpServer server;
  ASSERT_TRUE(server.started());
  PooledHttpClient& client = Client();
  ASSERT_TRUE(Get(client, server.Url("localhost", "/json")).ok());
  OutboundRequest hang = Request(server.Url("localhost", "/hang"));
  hang.deadline = Clock::now() + 60s;
  auto promise = std::make_shared<std::promise<OutboundResponse>>();
  auto future = promise->get_future();
  client.Fetch(hang, [promise](OutboundResponse r) { promise->set_value(std::move(r)); });
  std::this_thread::sleep_for(300ms);
  const auto start = Clock::now();
  client.Shutdown();
  ASSERT_EQ(future.wait_for(30s), std::future_status::ready);
  EXPECT_LT(Clock::now() - start, 30s);
  const OutboundResponse r = future.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.failure, OutboundFailure::kConnect) << Describe(r);
  EXPECT_EQ(client.stats().idle, 0u);
  const OutboundResponse after = Get(client, server.Url("localhost", "/json"));
  EXPECT_EQ(after.failure, OutboundFailure::kConnect) << Describe(after);
}

TEST_F(FhirClientTest, DestroyingTheClientWithAFetchInFlightIsSafe) {
  TestHttpServer server;
  ASSERT_TRUE(server.started());
  auto client = std::make_unique<PooledHttpClient>(io_, DevConfig());
  OutboundRequest hang = Request(server.Url("localhost", "/hang"));
  auto promise = std::make_shared<std::promise<OutboundResponse>>();
  auto future = promise->get_future();
  client->Fetch(hang, [promise](OutboundResponse r) { promise->set_value(std::move(r)); });
  std::this_thread::sleep_for(200ms);
  client.reset();
  ASSERT_EQ(future.wait_for(30s), std::future_status::ready);
  EXPECT_FALSE(future.get().ok());
}

TEST_F(FhirClientTest, LogsNameHostAndPathButNeverTokensOrQueryValues) {
  TestHttpServer server;
  ASSERT_TRUE(server.started());
  PooledHttpClient& client = Client();
  hooks::SetLogLevel(hooks::LogLevel::kDebug);
  ::testing::internal::CaptureStderr();
  OutboundRequest ok = Request(server.Url("localhost", "/json?patient=SECRETQUERY1"));
  ok.authorization = "Bearer SECRETTOKEN1";
  const OutboundResponse r1 = Fetch(client, ok);
  OutboundRequest bad = Request(server.Url("localhost", "/garbage?patient=SECRETQUERY2"));
  bad.authorization = "Bearer SECRETTOKEN2";
  const OutboundResponse r2 = Fetch(client, bad);
  OutboundRequest hop = Request(
      server.Url("localhost", "/redirect?location=https%3A%2F%2Fevil.test%2Fx%3Fq%3DSECRETQUERY3"));
  hop.authorization = "Bearer SECRETTOKEN3";
  const OutboundResponse r3 = Fetch(client, hop);
  const std::string log = ::testing::internal::GetCapturedStderr();
  hooks::SetLogLevel(hooks::LogLevel::kInfo);
  ASSERT_TRUE(r1.ok()) << Describe(r1);
  ASSERT_FALSE(r2.ok());
  ASSERT_FALSE(r3.ok());
  EXPECT_NE(log.find("\"outbound fetch\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"outbound fetch failed\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"/json\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"reused\""), std::string::npos) << log;
  EXPECT_EQ(log.find("SECRET"), std::string::npos) << log;
  for (const OutboundResponse* r : {&r2, &r3}) {
    EXPECT_EQ(r->failure_detail.find("SECRET"), std::string::npos) << r->failure_detail;
  }
}

}  // namespace
}  // namespace cds::testing
