#include "tests/integration/fhir_server_process.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "tests/integration/server_process.hpp"

namespace cds::testing {
namespace {

std::string NodeDir() { return std::string(CDS_SOURCE_DIR) + "/tests/node/fhir-server"; }

int IntMember(const rapidjson::Document& doc, const char* name) {
  return doc.IsObject() && doc.HasMember(name) && doc[name].IsInt() ? doc[name].GetInt() : 0;
}

}  // namespace

FhirServerProcess::FhirServerProcess() {
  if (!std::filesystem::exists(NodeDir() + "/node_modules/@medplum/fhir-router")) {
    ADD_FAILURE() << NodeDir() << "/node_modules is missing: ./test.sh installs it (npm ci)";
    return;
  }
  const std::string stderr_path = WriteTempFile("fhir-server.log", "");
  int out[2];
  if (::pipe(out) != 0) {
    ADD_FAILURE() << "pipe failed";
    return;
  }
  std::vector<std::string> args = {
      "node",  NodeDir() + "/server.js",   "--cert", CertPath("server.pem"),
      "--key", CertPath("server-key.pem"), "--seed", NodeDir() + "/seed/patients.json"};
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    const int err = ::open(stderr_path.c_str(), O_WRONLY | O_TRUNC | O_CREAT, 0600);
    ::dup2(err, STDERR_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  std::string pending;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (https_port_ == 0 && std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{out[0], POLLIN, 0};
    if (::poll(&pfd, 1, 200) <= 0) continue;
    char buf[512];
    const ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    pending.append(buf, static_cast<std::size_t>(n));
    const std::size_t nl = pending.find('\n');
    if (nl == std::string::npos) continue;
    rapidjson::Document ready;
    ready.Parse(pending.substr(0, nl).c_str());
    https_port_ = IntMember(ready, "https_port");
    http_port_ = IntMember(ready, "http_port");
    break;
  }
  ::close(out[0]);
  if (https_port_ == 0) ADD_FAILURE() << "FHIR server did not start:\n" << ReadFile(stderr_path);
}

FhirServerProcess::~FhirServerProcess() { Stop(); }

void FhirServerProcess::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string FhirServerProcess::HttpsBase() const {
  return "https://localhost:" + std::to_string(https_port_) + "/fhir";
}

std::string FhirServerProcess::HttpBase() const {
  return "http://127.0.0.1:" + std::to_string(http_port_) + "/fhir";
}

void FhirServerProcess::Control(const std::string& json) const {
  const auto r = RunCommand(
      "curl -sS --max-time 10 -X POST -H 'Content-Type: application/json' "
      "--data-binary '" +
      json + "' http://127.0.0.1:" + std::to_string(http_port_) + "/__control");
  EXPECT_EQ(r.exit_code, 0) << "control " << json;
}

void FhirServerProcess::Reset() { Control(R"({"reset":true})"); }

void FhirServerProcess::SetFault(const std::string& fault, const std::string& match) {
  Control(R"({"fault":")" + fault + R"(","fault_match":")" + match + R"("})");
}

void FhirServerProcess::ExpectToken(const std::string& token) {
  Control(R"({"expected_token":")" + token + R"("})");
}

void FhirServerProcess::SetMaxCount(int count) {
  Control(R"({"max_count":)" + std::to_string(count) + "}");
}

std::vector<FhirLogEntry> FhirServerProcess::Log() const {
  const auto r = RunCommand(
      "curl -sS --max-time 10 http://127.0.0.1:" + std::to_string(http_port_) + "/__log");
  rapidjson::Document doc;
  doc.Parse(r.output.c_str());
  std::vector<FhirLogEntry> log;
  if (!doc.IsArray()) {
    ADD_FAILURE() << "bad /__log answer: " << r.output;
    return log;
  }
  for (const rapidjson::Value& e : doc.GetArray()) {
    log.push_back({e["method"].GetString(), e["url"].GetString(), e["authorization"].GetString(),
                   e["listener"].GetString()});
  }
  return log;
}

}  // namespace cds::testing
