// Starts the real cds-hooks-server binary for a test and stops it again.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace cds::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout (and stderr when the command redirects it)
};

/// Runs a shell command and captures its stdout.
CommandResult RunCommand(const std::string& command);

/// Writes `text` to a fresh file in the test's temp directory and returns its path.
std::string WriteTempFile(const std::string& name, const std::string& text);

/// The instant the test data (tests/data, bench/data, the Node FHIR server's seed) was written
/// for: every test server evaluates as of it unless its arguments give another --now.
inline constexpr const char* kTestDataNow = "2026-11-21T12:00:00Z";

/// Reads a whole file ("" when it cannot be read).
std::string ReadFile(const std::string& path);

/// The request the CDS Hooks Sandbox sends (tests/data/hooks/requests), which has no prefetch
/// and a plain-http fhirServer: the service must fetch and so answers 412.
std::string SandboxRequest();

/// The same request with every prefetch key answered `null` (no data), so the service has
/// nothing to fetch and answers 200 whatever its fhirServer.
std::string CompleteSandboxRequest();

/// Whether a test server checks EHR JWTs. Most suites test other things and run with
/// `--insecure-no-auth`; the auth tests configure trusted issuers in `args`.
enum class ServerAuth { kDisabled, kAsConfigured };

class ServerProcess {
 public:
  /// Spawns the server with `--port 0` plus `args` (plus `--insecure-no-auth` unless `auth` is
  /// kAsConfigured), and waits until it prints "listening on https://ADDR:PORT". Fails the test
  /// (ADD_FAILURE) if it does not.
  explicit ServerProcess(std::vector<std::string> args = {},
                         ServerAuth auth = ServerAuth::kDisabled);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  [[nodiscard]] bool started() const { return port_ != 0; }
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] int plain_port() const { return plain_port_; }
  [[nodiscard]] std::string Url(const std::string& path) const;
  [[nodiscard]] pid_t pid() const { return pid_; }

  /// Sends `signal` and waits for the exit; returns the exit status (or 128+signal when
  /// killed, -1 on timeout).
  int SignalAndWait(int signal, std::chrono::milliseconds timeout);
  /// True while the process runs.
  [[nodiscard]] bool Running();
  /// Everything the server wrote on stderr so far (its JSON log).
  [[nodiscard]] std::string Log() const { return ReadFile(stderr_path_); }
  /// The audit database the server was given (a fresh temp file unless the test passed
  /// --audit-db or --no-audit; then empty).
  [[nodiscard]] const std::string& audit_db() const { return audit_db_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  int plain_port_ = 0;
  int exit_status_ = -1;
  std::string stderr_path_;
  std::string audit_db_;
};

/// Path of a file from the dev certificates (certs/dev/...).
std::string CertPath(const std::string& name);

}  // namespace cds::testing
