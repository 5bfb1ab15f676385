// cds-hooks-cli audit: export and purge the audit trail (issue 7), reading the SQLite file
// directly (the server may keep running: WAL lets both in).
//   audit export --from DATE --to DATE --format csv|ndjson|fhir --audit-db FILE [--out FILE]
//   audit purge --audit-db FILE [--retention-days N]
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "audit/export.hpp"
#include "audit/json.hpp"
#include "audit/sqlite_store.hpp"
#include "hooks/feedback.hpp"

namespace {

constexpr std::string_view kAuditUsage = R"(Usage:
  cds-hooks-cli audit export --from DATE --to DATE --format csv|ndjson|fhir
                             [--audit-db FILE] [--out FILE]
  cds-hooks-cli audit purge [--audit-db FILE] [--retention-days N]

DATE is YYYY-MM-DD (a UTC day; --to includes that whole day) or an RFC 3339 date-time
(--to exclusive). --audit-db defaults to var/audit.db. --out defaults to standard output.
  csv     one row per card (calls without cards: one row), RFC 4180 quoting
  ndjson  one JSON object per call with its cards and feedback, then feedback on unknown cards
  fhir    a FHIR R4 Bundle (collection): AuditEvent per call, DetectedIssue per card
purge deletes calls, cards and feedback received more than N days ago (default 365).
)";

std::optional<cds::audit::Millis> ParseDate(std::string_view text, bool end) {
  if (text.size() == 10) {
    const auto t = cds::hooks::ParseRfc3339(std::string(text) + "T00:00:00Z");
    if (!t) return std::nullopt;
    return end ? *t + std::chrono::days(1) : *t;
  }
  return cds::hooks::ParseRfc3339(text);
}

int Fail(const std::string& message) {
  std::cerr << "cds-hooks-cli audit: " << message << "\n";
  return 2;
}

// --name value pairs; false on an unknown option or a missing value.
bool ParseOptions(int argc, char** argv, int first, std::map<std::string, std::string>& out,
                  std::initializer_list<std::string_view> allowed, std::string& error) {
  for (int i = first; i < argc; ++i) {
    const std::string_view name = argv[i];
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      error = "unknown option " + std::string(name);
      return false;
    }
    if (i + 1 >= argc) {
      error = std::string(name) + " needs a value";
      return false;
    }
    out[std::string(name)] = argv[++i];
  }
  return true;
}

cds::audit::Result<std::unique_ptr<cds::audit::SqliteAuditStore>> OpenExisting(
    const std::string& path) {
  cds::audit::SqliteOptions options;
  options.path = path;
  options.create = false;
  options.start_writer = false;
  options.purge_interval = std::chrono::milliseconds(0);
  return cds::audit::SqliteAuditStore::Open(options);
}

int Export(int argc, char** argv) {
  std::map<std::string, std::string> o;
  std::string error;
  if (!ParseOptions(argc, argv, 3, o, {"--from", "--to", "--format", "--audit-db", "--out"},
                    error)) {
    return Fail(error + "\n" + std::string(kAuditUsage));
  }
  for (const char* required : {"--from", "--to", "--format"}) {
    if (!o.contains(required)) return Fail(std::string(required) + " is required");
  }
  cds::audit::ExportOptions options;
  const auto format = cds::audit::ParseExportFormat(o["--format"]);
  if (!format) return Fail("--format must be csv, ndjson or fhir");
  options.format = *format;
  const auto from = ParseDate(o["--from"], false);
  const auto to = ParseDate(o["--to"], true);
  if (!from) return Fail("bad --from (YYYY-MM-DD or an RFC 3339 date-time)");
  if (!to) return Fail("bad --to (YYYY-MM-DD or an RFC 3339 date-time)");
  if (*to <= *from) return Fail("--to must be after --from");
  options.from = *from;
  options.to = *to;
  options.generated =
      std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  auto store = OpenExisting(o.contains("--audit-db") ? o["--audit-db"] : "var/audit.db");
  if (!store) {
    std::cerr << "cds-hooks-cli audit: " << store.error().message << "\n";
    return 1;
  }
  std::ofstream file;
  if (o.contains("--out")) {
    file.open(o["--out"], std::ios::binary | std::ios::trunc);
    if (!file) return Fail("cannot write " + o["--out"]);
  }
  std::ostream& out = o.contains("--out") ? file : std::cout;
  auto counts = cds::audit::Export(*store.value(), options, out);
  if (!counts) {
    std::cerr << "cds-hooks-cli audit: " << counts.error().message << "\n";
    return 1;
  }
  std::cerr << "exported " << counts.value().calls << " calls, " << counts.value().cards
            << " cards";
  if (options.format == cds::audit::ExportFormat::kNdjson) {
    std::cerr << ", " << counts.value().unknown_card_feedback << " feedback items on unknown cards";
  }
  std::cerr << "\n";
  return 0;
}

int Purge(int argc, char** argv) {
  std::map<std::string, std::string> o;
  std::string error;
  if (!ParseOptions(argc, argv, 3, o, {"--audit-db", "--retention-days"}, error)) {
    return Fail(error + "\n" + std::string(kAuditUsage));
  }
  int days = 365;
  if (o.contains("--retention-days")) {
    try {
      days = std::stoi(o["--retention-days"]);
    } catch (const std::exception&) {
      days = 0;
    }
    if (days < 1 || days > 36500) return Fail("--retention-days must be from 1 to 36500");
  }
  auto store = OpenExisting(o.contains("--audit-db") ? o["--audit-db"] : "var/audit.db");
  if (!store) {
    std::cerr << "cds-hooks-cli audit: " << store.error().message << "\n";
    return 1;
  }
  const auto cutoff =
      std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()) -
      std::chrono::days(days);
  auto result = store.value()->Purge(cutoff);
  if (!result) {
    std::cerr << "cds-hooks-cli audit: " << result.error().message << "\n";
    return 1;
  }
  rapidjson::StringBuffer buffer;
  cds::audit::JsonWriter w(buffer);
  cds::audit::WritePurge(w, result.value());
  std::cout << buffer.GetString() << "\n";
  return 0;
}

}  // namespace

/// `cds-hooks-cli audit …` (dispatched by cli_main.cpp): argv[1] is "audit".
int RunAuditCommand(int argc, char** argv) {
  const std::string_view sub = argc > 2 ? argv[2] : "";
  if (sub == "export") return Export(argc, argv);
  if (sub == "purge") return Purge(argc, argv);
  if (sub == "--help" || sub == "help") {
    std::cout << kAuditUsage;
    return 0;
  }
  std::cerr << kAuditUsage;
  return 2;
}
