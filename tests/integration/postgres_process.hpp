// A throwaway PostgreSQL server for a test (Debian's postgresql package): initdb into a temp
// directory, `postgres` on a free loopback port, trust authentication for user `cds`. Run as
// root (CI), the cluster belongs to the `postgres` system user, since PostgreSQL refuses to run
// as root. Stop/Start keep the data (a restarted database server); Pause/Resume SIGSTOP and
// SIGCONT it (a server that hangs: connections are accepted by the kernel and never answered).
#pragma once

#include <sys/types.h>

#include <string>

namespace cds::testing {

class PostgresProcess {
 public:
  /// initdb and start; ADD_FAILUREs (started() false) when either fails.
  PostgresProcess();
  ~PostgresProcess();
  PostgresProcess(const PostgresProcess&) = delete;
  PostgresProcess& operator=(const PostgresProcess&) = delete;

  [[nodiscard]] bool started() const { return pid_ > 0; }
  /// libpq connection string of the database `postgres` as user `cds`.
  [[nodiscard]] std::string Conninfo() const;
  [[nodiscard]] int port() const { return port_; }

  /// Stops the server (fast shutdown) and waits for it to exit.
  void Stop();
  /// Starts it again on the same port and data; true once it accepts connections.
  bool Start();
  void Pause();
  void Resume();
  /// Runs one SQL statement with psql; returns its unaligned output ("" on error).
  [[nodiscard]] std::string Query(const std::string& sql) const;

 private:
  std::string dir_;  // data in dir_/data, the socket in dir_
  std::string bin_;  // /usr/lib/postgresql/<version>/bin
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace cds::testing
