// `cds-hooks-cli audit export`: the audit trail of a time range as CSV, NDJSON or a FHIR R4
// Bundle (type collection) of AuditEvent (one per call) and DetectedIssue (one per card).
//
// - csv: one row per card (a call without cards: one row with empty card columns), RFC 4180
//   quoting; a cell that a spreadsheet would run as a formula (= + - @ tab CR first) gets a
//   leading apostrophe. Feedback columns show the card's latest outcome.
// - ndjson: one line per call ({"type":"call"}: the call, its orders, its cards with evidence,
//   suggestions and every feedback item), then one line per feedback item on an unknown card
//   ({"type":"unknownCardFeedback"}).
// - fhir: see WriteFhirBundle in export.cpp for the element mapping; every AuditEvent carries
//   the call's hookInstance as entity.what.identifier and as an entity detail.
#pragma once

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "audit/store.hpp"

namespace cds::audit {

enum class ExportFormat { kCsv, kNdjson, kFhir };

/// "csv" | "ndjson" | "fhir".
[[nodiscard]] std::optional<ExportFormat> ParseExportFormat(std::string_view name) noexcept;

struct ExportOptions {
  ExportFormat format = ExportFormat::kNdjson;
  Millis from{};  // received at or after
  Millis to{};    // received before
  /// DetectedIssue.code system for rule ids (the cards' source.topic system).
  std::string rule_system = "https://cds.example.org/stewardship-rules";
  Millis generated{};  // Bundle.timestamp
};

struct ExportCounts {
  std::size_t calls = 0;
  std::size_t cards = 0;
  std::size_t unknown_card_feedback = 0;
};

/// Writes the export to `out`. Errors: the store's.
[[nodiscard]] Result<ExportCounts> Export(AuditStore& store, const ExportOptions& options,
                                          std::ostream& out);

/// One CSV field, quoted when needed (exposed for tests).
[[nodiscard]] std::string CsvField(std::string_view value);

}  // namespace cds::audit
