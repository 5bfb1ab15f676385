// Runs tests/node/test-http-server/server.js (an HTTP(S) server with fault modes) on an
// ephemeral loopback port for the outbound client's tests, and stops it again.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace cds::testing {

class TestHttpServer {
 public:
  struct Options {
    bool tls = true;
    std::string cert;  // PEM; default certs/dev/server.pem (localhost, 127.0.0.1, ::1)
    std::string key;   // PEM; default certs/dev/server-key.pem
    std::string host = "127.0.0.1";
    int keep_alive_ms = 5000;  // the server closes idle keep-alive connections after this
  };

  /// Starts node and waits (up to 30 s) for "listening <port>"; ADD_FAILURE if it does not.
  explicit TestHttpServer(Options options);
  TestHttpServer() : TestHttpServer(Options{}) {}
  ~TestHttpServer();
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  [[nodiscard]] bool started() const { return port_ != 0; }
  [[nodiscard]] int port() const { return port_; }
  /// "https://HOST:PORT/path" (or http), with `host` as written in the URL ("localhost",
  /// "127.0.0.1", "[::1]").
  [[nodiscard]] std::string Url(const std::string& host, const std::string& path) const;

 private:
  bool tls_ = true;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace cds::testing
