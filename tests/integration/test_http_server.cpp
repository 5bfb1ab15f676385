#include "tests/integration/test_http_server.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "tests/integration/server_process.hpp"

namespace cds::testing {

TestHttpServer::TestHttpServer(Options options) : tls_(options.tls) {
  if (options.cert.empty()) options.cert = CertPath("server.pem");
  if (options.key.empty()) options.key = CertPath("server-key.pem");
  std::vector<std::string> args = {
      NODE_BINARY,       std::string(CDS_SOURCE_DIR) + "/tests/node/test-http-server/server.js",
      "--host",          options.host,
      "--keep-alive-ms", std::to_string(options.keep_alive_ms)};
  if (options.tls) {
    args.insert(args.end(), {"--tls", "--cert", options.cert, "--key", options.key});
  }
  int out[2];
  if (::pipe(out) != 0) {
    ADD_FAILURE() << "pipe failed";
    return;
  }
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  std::string pending;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (port_ == 0 && std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{out[0], POLLIN, 0};
    if (::poll(&pfd, 1, 200) <= 0) continue;
    char buf[256];
    const ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    pending.append(buf, static_cast<std::size_t>(n));
    if (const auto nl = pending.find('\n'); nl != std::string::npos) {
      if (pending.rfind("listening ", 0) == 0) port_ = std::atoi(pending.c_str() + 10);
      break;
    }
  }
  ::close(out[0]);
  if (port_ == 0) ADD_FAILURE() << "test HTTP server did not start: " << pending;
}

TestHttpServer::~TestHttpServer() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
}

std::string TestHttpServer::Url(const std::string& host, const std::string& path) const {
  return std::string(tls_ ? "https://" : "http://") + host + ":" + std::to_string(port_) + path;
}

}  // namespace cds::testing
