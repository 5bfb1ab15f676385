#include "audit/schema.hpp"

#include <array>
#include <string_view>

#include "audit/sqlite_util.hpp"

namespace cds::audit {
namespace {

// Version 1: the first schema. Times are Unix milliseconds (UTC). Child rows live in their own
// tables so that the review queries filter and join on indexed columns.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE calls (
  id            INTEGER PRIMARY KEY,
  hook_instance TEXT NOT NULL,
  service       TEXT NOT NULL,
  hook          TEXT NOT NULL,
  received_ms   INTEGER NOT NULL,
  issuer        TEXT NOT NULL,
  subject       TEXT NOT NULL,
  tenant        TEXT NOT NULL,
  jti           TEXT NOT NULL,
  user_id       TEXT NOT NULL,
  patient_id    TEXT NOT NULL,
  encounter_id  TEXT NOT NULL,
  latency_us    INTEGER NOT NULL,
  http_status   INTEGER NOT NULL
);
CREATE INDEX calls_received ON calls (received_ms);
CREATE INDEX calls_hook_instance ON calls (hook_instance);
CREATE INDEX calls_patient ON calls (patient_id, received_ms);
CREATE INDEX calls_user ON calls (user_id, received_ms);

CREATE TABLE call_orders (
  call_id       INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
  position      INTEGER NOT NULL,
  resource_type TEXT NOT NULL,
  resource_id   TEXT NOT NULL,
  medication    TEXT NOT NULL,
  selected      INTEGER NOT NULL,
  PRIMARY KEY (call_id, position)
) WITHOUT ROWID;

CREATE TABLE cards (
  id           INTEGER PRIMARY KEY,
  call_id      INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
  received_ms  INTEGER NOT NULL,
  uuid         TEXT NOT NULL,
  rule_id      TEXT NOT NULL,
  rule_version TEXT NOT NULL,
  rule_title   TEXT NOT NULL,
  catalogue_id TEXT NOT NULL,
  indicator    TEXT NOT NULL,
  summary      TEXT NOT NULL,
  merged_rules TEXT NOT NULL,
  implicated   TEXT NOT NULL,
  outcome      TEXT,
  outcome_ms   INTEGER
);
CREATE INDEX cards_call ON cards (call_id);
CREATE INDEX cards_uuid ON cards (uuid);
CREATE INDEX cards_received ON cards (received_ms);
CREATE INDEX cards_rule ON cards (rule_id, received_ms);

CREATE TABLE card_evidence (
  card_id   INTEGER NOT NULL REFERENCES cards (id) ON DELETE CASCADE,
  position  INTEGER NOT NULL,
  reference TEXT NOT NULL,
  path      TEXT NOT NULL,
  value     TEXT NOT NULL,
  PRIMARY KEY (card_id, position)
) WITHOUT ROWID;

CREATE TABLE card_suggestions (
  card_id  INTEGER NOT NULL REFERENCES cards (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  uuid     TEXT NOT NULL,
  label    TEXT NOT NULL,
  PRIMARY KEY (card_id, position)
) WITHOUT ROWID;

CREATE TABLE feedback (
  id                   INTEGER PRIMARY KEY,
  received_ms          INTEGER NOT NULL,
  service              TEXT NOT NULL,
  card_uuid            TEXT NOT NULL,
  card_id              INTEGER REFERENCES cards (id) ON DELETE CASCADE,
  outcome              TEXT NOT NULL,
  accepted_suggestions TEXT NOT NULL,
  reason_system        TEXT NOT NULL,
  reason_code          TEXT NOT NULL,
  reason_display       TEXT NOT NULL,
  comment              TEXT NOT NULL,
  outcome_ms           INTEGER NOT NULL,
  issuer               TEXT NOT NULL,
  tenant               TEXT NOT NULL
);
CREATE INDEX feedback_card ON feedback (card_id);
CREATE INDEX feedback_received ON feedback (received_ms);
)sql";

// Version 2: error responses are recorded too (their HookError name), the request id links a
// row to the access log, feedback carries the caller's full principal, and "unknown card" is an
// explicit flag (version 1 inferred it from a null card_id), backfilled here. The outcome index
// serves the outcome filter of the review page.
constexpr std::string_view kV2 = R"sql(
ALTER TABLE calls ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN error TEXT NOT NULL DEFAULT '';
ALTER TABLE feedback ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
ALTER TABLE feedback ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE feedback ADD COLUMN jti TEXT NOT NULL DEFAULT '';
ALTER TABLE feedback ADD COLUMN unknown_card INTEGER NOT NULL DEFAULT 0;
UPDATE feedback SET unknown_card = (card_id IS NULL);
CREATE INDEX feedback_unknown ON feedback (unknown_card, received_ms);
CREATE INDEX cards_outcome ON cards (outcome, received_ms);
)sql";

// Version 3 (issue 8): records replayed from the spool file (audit.on_failure = spool) are
// written at most once: each carries a key, recorded in the same transaction as its rows. The
// probe row is what a health probe rewrites to learn whether commits succeed again.
constexpr std::string_view kV3 = R"sql(
CREATE TABLE spool_applied (
  key TEXT PRIMARY KEY,
  applied_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE health_probe (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  checked_ms INTEGER NOT NULL
);
)sql";

// Version 4 (issue 7's throughput target): a card's evidence and suggestions, and a call's
// orders, are read only with their card or call (the drill-down and the exports), never filtered
// on, so they move into one JSON column each instead of a row each in their own table: a call
// that fires two cards writes 3 rows instead of 16 (one B-tree insert per row and per index).
// The arrays keep the old rows' order: [[reference, path, value], ...], [[uuid, label], ...],
// [[resource_type, id, medication, selected], ...]. calls_hook_instance served no query, and
// the outcome index only needs the cards that have feedback (a new card has none): a partial
// index is not written when a card is.
constexpr std::string_view kV4 = R"sql(
ALTER TABLE calls ADD COLUMN orders TEXT NOT NULL DEFAULT '[]';
ALTER TABLE cards ADD COLUMN evidence TEXT NOT NULL DEFAULT '[]';
ALTER TABLE cards ADD COLUMN suggestions TEXT NOT NULL DEFAULT '[]';
UPDATE calls SET orders = (
  SELECT json_group_array(json_array(resource_type, resource_id, medication, selected))
  FROM (SELECT * FROM call_orders o WHERE o.call_id = calls.id ORDER BY o.position))
WHERE id IN (SELECT call_id FROM call_orders);
UPDATE cards SET evidence = (
  SELECT json_group_array(json_array(reference, path, value))
  FROM (SELECT * FROM card_evidence e WHERE e.card_id = cards.id ORDER BY e.position))
WHERE id IN (SELECT card_id FROM card_evidence);
UPDATE cards SET suggestions = (
  SELECT json_group_array(json_array(uuid, label))
  FROM (SELECT * FROM card_suggestions g WHERE g.card_id = cards.id ORDER BY g.position))
WHERE id IN (SELECT card_id FROM card_suggestions);
DROP TABLE call_orders;
DROP TABLE card_evidence;
DROP TABLE card_suggestions;
DROP INDEX calls_hook_instance;
DROP INDEX cards_outcome;
CREATE INDEX cards_outcome ON cards (outcome, received_ms) WHERE outcome IS NOT NULL;
)sql";

constexpr std::array<std::string_view, kSchemaVersion> kMigrations = {kV1, kV2, kV3, kV4};

}  // namespace

std::optional<int> SchemaVersionOf(sqlite3* db, std::string* error) {
  if (auto e = sql::Exec(db,
                         "CREATE TABLE IF NOT EXISTS schema_version ("
                         "version INTEGER PRIMARY KEY, applied_ms INTEGER NOT NULL)")) {
    if (error != nullptr) *error = "schema_version: " + *e;
    return std::nullopt;
  }
  sql::Stmt stmt(db, "SELECT coalesce(max(version), 0) FROM schema_version");
  if (!stmt.ok() || stmt.Step() != SQLITE_ROW) {
    if (error != nullptr) *error = sql::Message(db, "schema_version");
    return std::nullopt;
  }
  return static_cast<int>(stmt.Int(0));
}

std::optional<std::string> Migrate(sqlite3* db, int target) {
  if (target < 1 || target > kSchemaVersion) return "no schema version " + std::to_string(target);
  std::string error;
  const auto current = SchemaVersionOf(db, &error);
  if (!current) return error;
  if (*current > kSchemaVersion) {
    return "the audit database has schema version " + std::to_string(*current) +
           ", newer than this build's " + std::to_string(kSchemaVersion) +
           ": use a newer cds-hooks-server";
  }
  for (int version = *current + 1; version <= target; ++version) {
    if (auto e = sql::Exec(db, "BEGIN IMMEDIATE")) return "migration: " + *e;
    auto failed = sql::Exec(db, kMigrations[static_cast<std::size_t>(version - 1)]);
    if (!failed) {
      sql::Stmt mark(db,
                     "INSERT INTO schema_version (version, applied_ms) "
                     "VALUES (?, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))");
      if (!mark.ok() || !mark.Bind(1, std::int64_t{version}).Run()) {
        failed = sql::Message(db, "schema_version");
      }
    }
    if (!failed) failed = sql::Exec(db, "COMMIT");
    if (failed) {
      (void)sql::Exec(db, "ROLLBACK");
      return "migration to schema version " + std::to_string(version) + ": " + *failed;
    }
  }
  return std::nullopt;
}

}  // namespace cds::audit
