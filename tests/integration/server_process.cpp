#include "tests/integration/server_process.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace cds::testing {
namespace {

std::string TempDir() {
  static const std::string dir = [] {
    std::string templ = ::testing::TempDir() + "cds-it-XXXXXX";
    char* made = ::mkdtemp(templ.data());
    return made != nullptr ? std::string(made) : ::testing::TempDir();
  }();
  return dir;
}

int ParsePort(const std::string& line, const std::string& scheme) {
  const std::string prefix = "listening on " + scheme + "://";
  if (line.rfind(prefix, 0) != 0) return 0;
  const auto colon = line.rfind(':');
  if (colon == std::string::npos) return 0;
  return std::atoi(line.c_str() + colon + 1);
}

}  // namespace

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 65536> buffer;
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    result.output.append(buffer.data(), n);
  }
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string WriteTempFile(const std::string& name, const std::string& text) {
  static std::atomic<int> counter{0};
  const std::string path = TempDir() + "/" + std::to_string(counter++) + "-" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string SandboxRequest() {
  return ReadFile(std::string(TEST_DATA_DIR) + "/hooks/requests/sandbox-order-select.valid.json");
}

std::string CompleteSandboxRequest() {
  std::string body = SandboxRequest();
  body.insert(1, R"("prefetch":{"patient":null,"encounter":null,"medicationRequests":null,)"
                 R"("medicationStatements":null,"medicationAdministrations":null,)"
                 R"("labObservations":null,"conditions":null,"microbiologyReports":null},)");
  return body;
}

std::string CertPath(const std::string& name) { return std::string(CERTS_DIR) + "/" + name; }

ServerProcess::ServerProcess(std::vector<std::string> args, ServerAuth auth) {
  stderr_path_ = WriteTempFile("server.log", "");
  int out[2];
  if (::pipe(out) != 0) {
    ADD_FAILURE() << "pipe failed";
    return;
  }
  std::vector<std::string> argv_storage = {SERVER_BINARY, "--port", "0", "--threads", "2"};
  // Each test server gets its own audit trail unless the test names one (or turns it off).
  if (std::find(args.begin(), args.end(), "--audit-db") == args.end() &&
      std::find(args.begin(), args.end(), "--no-audit") == args.end()) {
    audit_db_ = WriteTempFile("audit.db", "");
    std::remove(audit_db_.c_str());
    argv_storage.insert(argv_storage.end(), {"--audit-db", audit_db_});
  }
  if (auth == ServerAuth::kDisabled) argv_storage.emplace_back("--insecure-no-auth");
  // The clinical clock is the day the test data was written (its lookbacks would drift with the
  // real date); token lifetimes and audit times stay real time.
  if (std::find(args.begin(), args.end(), "--now") == args.end()) {
    argv_storage.insert(argv_storage.end(), {"--now", kTestDataNow});
  }
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    const int err = ::open(stderr_path_.c_str(), O_WRONLY | O_TRUNC | O_CREAT, 0600);
    ::dup2(err, STDERR_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    std::vector<char*> argv;
    for (auto& a : argv_storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  // Wait for the "listening on" line(s); ASan builds start slowly.
  std::string pending;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  const bool want_plain =
      std::find(args.begin(), args.end(), std::string("--plain-http-port")) != args.end();
  while (std::chrono::steady_clock::now() < deadline &&
         (port_ == 0 || (want_plain && plain_port_ == 0))) {
    pollfd pfd{out[0], POLLIN, 0};
    if (::poll(&pfd, 1, 200) <= 0) {
      if (!Running()) break;
      continue;
    }
    char buf[512];
    const ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    pending.append(buf, static_cast<std::size_t>(n));
    std::size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      const std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      if (const int p = ParsePort(line, "https")) port_ = p;
      if (const int p = ParsePort(line, "http")) plain_port_ = p;
    }
  }
  ::close(out[0]);
  if (port_ == 0) ADD_FAILURE() << "server did not start; log:\n" << Log();
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && Running()) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

std::string ServerProcess::Url(const std::string& path) const {
  return "https://127.0.0.1:" + std::to_string(port_) + path;
}

bool ServerProcess::Running() {
  if (pid_ <= 0 || exit_status_ != -1) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return false;
}

int ServerProcess::SignalAndWait(int signal, std::chrono::milliseconds timeout) {
  if (Running()) ::kill(pid_, signal);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (Running()) {
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return exit_status_;
}

}  // namespace cds::testing
