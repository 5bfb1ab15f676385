// cds-hooks-cli: tools around the service (it grows with the prefetch, security and audit
// work: `evaluate`, `token`, `audit export`).
#include <iostream>
#include <string_view>

#include "engine/version.hpp"
#include "version.hpp"

int RunAuditCommand(int argc, char** argv);  // cli_audit.cpp
namespace cds::cli {
int RunEvaluate(int argc, char** argv);  // cli_evaluate.cpp
}  // namespace cds::cli
int RunTokenCommand(int argc, char** argv);  // cli_token.cpp

namespace {

constexpr std::string_view kUsage = R"(Usage: cds-hooks-cli <command> [options]

Commands:
  audit export --from DATE --to DATE --format csv|ndjson|fhir [--audit-db FILE] [--out FILE]
               export the audit trail (see `audit --help`)
  audit purge [--audit-db FILE] [--retention-days N]
               delete audit rows older than N days (default 365)
  evaluate     build a hook request for a patient on a FHIR server, fetch its prefetch, run the
               rules and print the cards (evaluate --help)
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
  if (command == "evaluate") return cds::cli::RunEvaluate(argc - 1, argv + 1);
  if (command == "--version") {
    std::cout << "cds-hooks-cli " << CDS_HOOKS_VERSION << " (engine "
              << cds::engine::EngineVersion() << ")\n";
    return 0;
  }
  if (command == "audit") return RunAuditCommand(argc, argv);
  if (command == "token") return RunTokenCommand(argc - 1, argv + 1);
  std::cerr << "cds-hooks-cli: unknown command \"" << command << "\"\n" << kUsage;
  return 2;
}
