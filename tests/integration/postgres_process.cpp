#include "tests/integration/postgres_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/integration/server_process.hpp"

namespace cds::testing {
namespace {

namespace fs = std::filesystem;

// The newest installed server's bin directory ("" when there is none).
std::string FindBinDir() {
  std::string best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string version = entry.path().filename().string();
    if (!fs::exists(entry.path() / "bin" / "initdb")) continue;
    const int v = std::atoi(version.c_str());
    if (v > best_version) {
      best_version = v;
      best = (entry.path() / "bin").string();
    }
  }
  return best;
}

int FreePort() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(s);
  return port;
}

// The processes whose parent is `parent` (/proc/PID/stat: "pid (comm) state ppid ...").
std::vector<pid_t> Children(pid_t parent) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string stat = ReadFile((entry.path() / "stat").string());
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 1));
    char state = 0;
    pid_t ppid = 0;
    if (rest >> state >> ppid && ppid == parent) {
      out.push_back(static_cast<pid_t>(std::atoi(entry.path().filename().c_str())));
    }
  }
  return out;
}

const passwd* PostgresUser() { return ::geteuid() == 0 ? ::getpwnam("postgres") : nullptr; }

}  // namespace

PostgresProcess::PostgresProcess() {
  bin_ = FindBinDir();
  if (bin_.empty()) {
    ADD_FAILURE() << "no PostgreSQL server in /usr/lib/postgresql (./test.sh installs postgresql)";
    return;
  }
  char tmpl[] = "/tmp/cds-pg-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    return;
  }
  dir_ = tmpl;
  std::string as_postgres;
  if (::geteuid() == 0) {
    const passwd* pw = PostgresUser();
    if (pw == nullptr) {
      ADD_FAILURE() << "running as root and there is no postgres user to run PostgreSQL as";
      return;
    }
    if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      ADD_FAILURE() << "chown " << dir_;
      return;
    }
    as_postgres = "runuser -u postgres -- ";
  }
  const CommandResult init =
      RunCommand(as_postgres + bin_ + "/initdb -D " + dir_ +
                 "/data -U cds -A trust -E UTF8 --no-sync > " + dir_ + "/initdb.log 2>&1; echo $?");
  if (init.output != "0\n") {
    ADD_FAILURE() << "initdb failed: " << ReadFile(dir_ + "/initdb.log");
    return;
  }
  port_ = FreePort();
  if (!Start()) ADD_FAILURE() << "postgres did not start: " << ReadFile(dir_ + "/postgres.log");
}

PostgresProcess::~PostgresProcess() {
  Resume();
  Stop();
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
}

std::string PostgresProcess::Conninfo() const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=cds dbname=postgres";
}

bool PostgresProcess::Start() {
  if (pid_ > 0 || port_ == 0) return pid_ > 0;
  const std::string log = dir_ + "/postgres.log";
  const passwd* pw = PostgresUser();
  const uid_t uid = pw != nullptr ? pw->pw_uid : 0;
  const gid_t gid = pw != nullptr ? pw->pw_gid : 0;
  std::vector<std::string> args = {bin_ + "/postgres",
                                   "-D",
                                   dir_ + "/data",
                                   "-k",
                                   dir_,
                                   "-p",
                                   std::to_string(port_),
                                   "-c",
                                   "listen_addresses=127.0.0.1",
                                   "-c",
                                   "fsync=off"};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);  // its own group: Pause stops the server and every backend together
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    if (pw != nullptr && (::setgid(gid) != 0 || ::setuid(uid) != 0)) ::_exit(126);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  if (pid < 0) return false;
  if (pw != nullptr) (void)::chown(log.c_str(), uid, gid);
  pid_ = pid;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (RunCommand(bin_ + "/pg_isready -q -h 127.0.0.1 -p " + std::to_string(port_) +
                   " -U cds -d postgres; echo $?")
            .output == "0\n") {
      return true;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

void PostgresProcess::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGINT);  // fast shutdown: backends end, the data is kept
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

// Each backend is its own session (PostgreSQL calls setsid in every child), so the server's
// children are signalled one by one: the postmaster first, so that none is forked meanwhile.
void PostgresProcess::Pause() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGSTOP);
  for (const pid_t child : Children(pid_)) ::kill(child, SIGSTOP);
}

void PostgresProcess::Resume() {
  if (pid_ <= 0) return;
  for (const pid_t child : Children(pid_)) ::kill(child, SIGCONT);
  ::kill(pid_, SIGCONT);
}

std::string PostgresProcess::Query(const std::string& sql) const {
  const std::string file = WriteTempFile("pg-query.sql", sql);
  const CommandResult r = RunCommand(bin_ + "/psql -X -q -At -h 127.0.0.1 -p " +
                                     std::to_string(port_) + " -U cds -d postgres -f " + file);
  return r.exit_code == 0 ? r.output : "";
}

}  // namespace cds::testing
