// cds-hooks-cli: tools around the service (it grows with the prefetch, security and audit
// work: `evaluate`, `token`, `audit export`).
#include <iostream>
#include <string_view>

#include "engine/version.hpp"
#include "version.hpp"

int RunTokenCommand(int argc, char** argv);  // cli_token.cpp

namespace {

constexpr std::string_view kUsage = R"(Usage: cds-hooks-cli <command> [options]

Commands:
  token        print a signed CDS Hooks JWT for trying the server (token --help)
  --help       print this help and exit
  --version    print the version and exit
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string_view command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (command == "--version") {
    std::cout << "cds-hooks-cli " << CDS_HOOKS_VERSION << " (engine "
              << cds::engine::EngineVersion() << ")\n";
    return 0;
  }
  if (command == "token") return RunTokenCommand(argc - 1, argv + 1);
  std::cerr << "cds-hooks-cli: unknown command \"" << command << "\"\n" << kUsage;
  return 2;
}
