#include "audit/sqlite_store.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <system_error>
#include <type_traits>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "audit/schema.hpp"

namespace cds::audit {
namespace {

using sql::Stmt;

constexpr std::int64_t kPurgeChunk = 2000;
constexpr char kListSeparator = '\x1f';  // ASCII unit separator: never in a JSON-sourced id

std::int64_t ToMs(Millis t) { return t.time_since_epoch().count(); }
Millis FromMs(std::int64_t ms) { return Millis{std::chrono::milliseconds{ms}}; }

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out.push_back(kListSeparator);
    out += item;
  }
  return out;
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find(kListSeparator, start);
    out.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

// The JSON array columns of schema version 4 (cards.evidence, cards.suggestions, calls.orders):
// an array of rows, each an array of strings; an order row ends with its selected flag (0 or 1).
template <typename Item, typename Fields>
std::string EncodeRows(const std::vector<Item>& items, Fields fields) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartArray();
  for (const Item& item : items) {
    w.StartArray();
    fields(w, item);
    w.EndArray();
  }
  w.EndArray();
  return std::string(buffer.GetString(), buffer.GetSize());
}

void Put(rapidjson::Writer<rapidjson::StringBuffer>& w, const std::string& text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

std::string EncodeEvidence(const std::vector<EvidenceRef>& evidence) {
  return EncodeRows(evidence, [](auto& w, const EvidenceRef& e) {
    Put(w, e.reference);
    Put(w, e.path);
    Put(w, e.value);
  });
}

std::string EncodeSuggestions(const std::vector<SuggestionOffered>& suggestions) {
  return EncodeRows(suggestions, [](auto& w, const SuggestionOffered& g) {
    Put(w, g.uuid);
    Put(w, g.label);
  });
}

std::string EncodeOrders(const std::vector<OrderSeen>& orders) {
  return EncodeRows(orders, [](auto& w, const OrderSeen& o) {
    Put(w, o.resource_type);
    Put(w, o.id);
    Put(w, o.medication);
    w.Int(o.selected ? 1 : 0);
  });
}

// Calls `add` with each row of a JSON array column, after checking it has `width` elements
// whose first `strings` are strings; `add` returns false for a row it cannot take. A column
// that does not decode is an error (a corrupt or hand-edited store), never an empty list.
template <typename Add>
std::optional<std::string> DecodeRows(std::string_view text, const char* column,
                                      rapidjson::SizeType width, rapidjson::SizeType strings,
                                      Add add) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  const auto corrupt = [&] {
    return std::string("the audit store's ") + column + " column " +
           "does not hold the expected JSON array";
  };
  if (d.HasParseError() || !d.IsArray()) return corrupt();
  for (const rapidjson::Value& row : d.GetArray()) {
    if (!row.IsArray() || row.Size() != width) return corrupt();
    for (rapidjson::SizeType i = 0; i < strings; ++i) {
      if (!row[i].IsString()) return corrupt();
    }
    if (!add(row)) return corrupt();
  }
  return std::nullopt;
}

std::string Text(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

std::optional<std::string> DecodeEvidence(std::string_view text, std::vector<EvidenceRef>& out) {
  return DecodeRows(text, "cards.evidence", 3, 3, [&](const rapidjson::Value& r) {
    out.push_back({Text(r[0]), Text(r[1]), Text(r[2])});
    return true;
  });
}

std::optional<std::string> DecodeSuggestions(std::string_view text,
                                             std::vector<SuggestionOffered>& out) {
  return DecodeRows(text, "cards.suggestions", 2, 2, [&](const rapidjson::Value& r) {
    out.push_back({Text(r[0]), Text(r[1])});
    return true;
  });
}

std::optional<std::string> DecodeOrders(std::string_view text, std::vector<OrderSeen>& out) {
  return DecodeRows(text, "calls.orders", 4, 3, [&](const rapidjson::Value& r) {
    if (!r[3].IsInt()) return false;  // the selected flag, 0 or 1
    out.push_back({Text(r[0]), Text(r[1]), Text(r[2]), r[3].GetInt() != 0});
    return true;
  });
}

// Creates the file 0600 (and its directory 0700) before SQLite opens it: SQLite would create it
// with 0644 minus the umask, and gives its -wal and -shm files the mode of the database file.
std::optional<std::string> PrepareFile(const std::string& path, bool create) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(path, ec)) return std::nullopt;
  if (!create) return "no audit database at " + path;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::exists(parent, ec)) {
    fs::create_directories(parent, ec);
    if (ec) return "cannot create directory " + parent.string() + ": " + ec.message();
    fs::permissions(parent, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno != EEXIST) {
    return "cannot create " + path + ": " +
           std::error_code(errno, std::generic_category()).message();
  }
  if (fd >= 0) ::close(fd);
  return std::nullopt;
}

Result<sql::DbPtr> OpenConnection(const std::string& path, Synchronous synchronous,
                                  std::chrono::milliseconds busy_timeout) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  sql::DbPtr db(raw);
  if (rc != SQLITE_OK) return StoreError{sql::Message(db.get(), "open " + path)};
  sqlite3_busy_timeout(db.get(), static_cast<int>(busy_timeout.count()));
  sqlite3_extended_result_codes(db.get(), 1);
  {
    Stmt wal(db.get(), "PRAGMA journal_mode=WAL");
    if (!wal.ok() || wal.Step() != SQLITE_ROW || wal.Text(0) != "wal") {
      return StoreError{sql::Message(db.get(), "cannot switch " + path + " to WAL mode")};
    }
  }
  const std::string pragmas = std::string("PRAGMA synchronous=") +
                              (synchronous == Synchronous::kFull ? "FULL" : "NORMAL") +
                              "; PRAGMA foreign_keys=ON;";
  if (auto error = sql::Exec(db.get(), pragmas)) return StoreError{path + ": " + *error};
  return db;
}

// SELECT lists and row readers shared by the queries.
constexpr std::string_view kCallColumns =
    "c.id, c.hook_instance, c.service, c.hook, c.received_ms, c.issuer, c.subject, c.tenant, "
    "c.jti, c.user_id, c.patient_id, c.encounter_id, c.latency_us, c.http_status, c.request_id, "
    "c.error, (SELECT count(*) FROM cards k2 WHERE k2.call_id = c.id), c.orders";

// A call row with its orders (column 17).
std::optional<std::string> ReadCall(const Stmt& s, CallRow& row) {
  row.id = s.Int(0);
  CallRecord& c = row.call;
  c.hook_instance = s.Text(1);
  c.service = s.Text(2);
  c.hook = s.Text(3);
  c.received = FromMs(s.Int(4));
  c.principal = {s.Text(5), s.Text(6), s.Text(7), s.Text(8)};
  c.user_id = s.Text(9);
  c.patient_id = s.Text(10);
  c.encounter_id = s.Text(11);
  c.latency_us = s.Int(12);
  c.http_status = static_cast<int>(s.Int(13));
  c.request_id = s.Text(14);
  c.error = s.Text(15);
  row.card_count = static_cast<std::size_t>(s.Int(16));
  return DecodeOrders(s.Text(17), c.orders);
}

constexpr std::string_view kCardColumns =
    "k.id, k.call_id, k.received_ms, c.hook_instance, c.service, c.hook, c.patient_id, "
    "c.user_id, k.uuid, k.rule_id, k.rule_version, k.rule_title, k.catalogue_id, k.indicator, "
    "k.summary, k.merged_rules, k.outcome, k.outcome_ms, "
    "(SELECT count(*) FROM feedback f2 WHERE f2.card_id = k.id), k.implicated, k.evidence, "
    "k.suggestions";

// A card row; its evidence and suggestions (columns 20, 21) only `with_children`.
std::optional<std::string> ReadCard(const Stmt& s, CardRow& row, bool with_children) {
  row.id = s.Int(0);
  row.call_id = s.Int(1);
  row.received = FromMs(s.Int(2));
  row.hook_instance = s.Text(3);
  row.service = s.Text(4);
  row.hook = s.Text(5);
  row.patient_id = s.Text(6);
  row.user_id = s.Text(7);
  CardRecord& k = row.card;
  k.uuid = s.Text(8);
  k.rule_id = s.Text(9);
  k.rule_version = s.Text(10);
  k.rule_title = s.Text(11);
  k.catalogue_id = s.Text(12);
  k.indicator = s.Text(13);
  k.summary = s.Text(14);
  k.merged_rules = s.Text(15);
  row.outcome = s.Text(16);
  if (const auto ms = s.OptionalInt(17)) row.outcome_time = FromMs(*ms);
  row.feedback_count = static_cast<std::size_t>(s.Int(18));
  k.implicated = SplitList(s.Text(19));
  if (!with_children) return std::nullopt;
  if (auto e = DecodeEvidence(s.Text(20), k.evidence)) return e;
  return DecodeSuggestions(s.Text(21), k.suggestions);
}

std::optional<std::string> ReadCardRow(const Stmt& s, CardRow& row) {
  return ReadCard(s, row, false);
}

constexpr std::string_view kFeedbackColumns =
    "f.id, f.received_ms, f.service, f.card_uuid, f.card_id, f.outcome, f.accepted_suggestions, "
    "f.reason_system, f.reason_code, f.reason_display, f.comment, f.outcome_ms, f.issuer, "
    "f.subject, f.tenant, f.jti, f.request_id, f.unknown_card";

std::optional<std::string> ReadFeedback(const Stmt& s, FeedbackRow& row) {
  row.id = s.Int(0);
  row.received = FromMs(s.Int(1));
  row.service = s.Text(2);
  row.item.card_uuid = s.Text(3);
  row.card_id = s.OptionalInt(4);
  row.item.outcome = s.Text(5);
  row.item.accepted_suggestions = SplitList(s.Text(6));
  row.item.reason_system = s.Text(7);
  row.item.reason_code = s.Text(8);
  row.item.reason_display = s.Text(9);
  row.item.comment = s.Text(10);
  row.item.outcome_time = FromMs(s.Int(11));
  row.principal = {s.Text(12), s.Text(13), s.Text(14), s.Text(15)};
  row.request_id = s.Text(16);
  row.unknown_card = s.Int(17) != 0;
  return std::nullopt;
}

// A WHERE clause built from fixed fragments; every value is a bound parameter.
struct Where {
  std::string text;
  std::vector<sql::Value> args;

  void Add(std::string_view clause) {
    text += text.empty() ? " WHERE " : " AND ";
    text += clause;
  }
  void Add(std::string_view clause, sql::Value value) {
    Add(clause);
    args.push_back(std::move(value));
  }
};

// Conditions on a card `k` (rule, indicator, outcome).
void AddCardConditions(Where& w, const Filter& f) {
  if (!f.rule_id.empty()) w.Add("k.rule_id = ?", f.rule_id);
  if (!f.indicator.empty()) w.Add("k.indicator = ?", f.indicator);
  if (f.outcome == kOutcomeNone) {
    w.Add("k.outcome IS NULL");
  } else if (!f.outcome.empty()) {
    w.Add("k.outcome = ?", f.outcome);
  }
}

// Conditions on a call `c` (patient, user, service).
void AddCallConditions(Where& w, const Filter& f) {
  if (!f.patient_id.empty()) w.Add("c.patient_id = ?", f.patient_id);
  if (!f.user_id.empty()) w.Add("c.user_id = ?", f.user_id);
  if (!f.service.empty()) w.Add("c.service = ?", f.service);
}

void AddTimeRange(Where& w, const Filter& f, std::string_view column) {
  if (f.from) w.Add(std::string(column) + " >= ?", ToMs(*f.from));
  if (f.to) w.Add(std::string(column) + " < ?", ToMs(*f.to));
}

std::size_t ClampLimit(std::size_t limit) {
  return std::clamp<std::size_t>(limit, 1, kMaxPageSize);
}

template <typename Row, typename Reader>
Result<Page<Row>> RunPage(sqlite3* db, const std::string& text, const std::vector<sql::Value>& args,
                          std::size_t limit, Reader read) {
  Stmt stmt(db, text);
  if (!stmt.ok()) return StoreError{sql::Message(db, "query")};
  stmt.BindAll(args);
  Page<Row> page;
  int rc;
  while ((rc = stmt.Step()) == SQLITE_ROW) {
    if (page.items.size() == limit) {
      page.next_before_id = page.items.back().id;
      break;
    }
    if (auto error = read(stmt, page.items.emplace_back())) return StoreError{*error};
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return StoreError{sql::Message(db, "query")};
  return page;
}

std::optional<std::string> LoadFeedback(sqlite3* db, std::int64_t card_id,
                                        std::vector<FeedbackRow>& out) {
  Stmt s(db, "SELECT " + std::string(kFeedbackColumns) +
                 " FROM feedback f WHERE f.card_id = ? ORDER BY f.id");
  if (!s.ok()) return sql::Message(db, "feedback");
  s.Bind(1, card_id);
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    if (auto e = ReadFeedback(s, out.emplace_back())) return e;
  }
  if (rc != SQLITE_DONE) return sql::Message(db, "feedback");
  return std::nullopt;
}

std::string DayText(std::int64_t day_number) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day_number}}};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

// Ends a read transaction whatever happens.
class ReadTransaction {
 public:
  explicit ReadTransaction(sqlite3* db) : db_(db), error_(sql::Exec(db, "BEGIN")) {}
  ~ReadTransaction() {
    if (!error_) (void)sql::Exec(db_, "COMMIT");
  }
  [[nodiscard]] const std::optional<std::string>& error() const { return error_; }

 private:
  sqlite3* db_;
  std::optional<std::string> error_;
};

}  // namespace

// The write connection and its statements, prepared once (SQLITE_PREPARE_PERSISTENT).
struct SqliteAuditStore::Writer {
  sql::DbPtr db;
  Stmt insert_call, insert_card, find_card, insert_feedback, update_outcome, find_key, insert_key,
      probe;

  explicit Writer(sql::DbPtr connection) : db(std::move(connection)) {
    sqlite3* d = db.get();
    insert_call = Stmt(d,
                       "INSERT INTO calls (hook_instance, service, hook, received_ms, issuer, "
                       "subject, tenant, jti, user_id, patient_id, encounter_id, latency_us, "
                       "http_status, request_id, error, orders) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       true);
    insert_card = Stmt(d,
                       "INSERT INTO cards (call_id, received_ms, uuid, rule_id, rule_version, "
                       "rule_title, catalogue_id, indicator, summary, merged_rules, implicated, "
                       "evidence, suggestions) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       true);
    find_card =
        Stmt(d, "SELECT id, rule_id FROM cards WHERE uuid = ? ORDER BY id DESC LIMIT 1", true);
    insert_feedback = Stmt(d,
                           "INSERT INTO feedback (received_ms, service, card_uuid, card_id, "
                           "outcome, accepted_suggestions, reason_system, reason_code, "
                           "reason_display, comment, outcome_ms, issuer, tenant, request_id, "
                           "subject, jti, unknown_card) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           true);
    // The card's outcome is its latest feedback (by outcomeTimestamp).
    update_outcome = Stmt(d,
                          "UPDATE cards SET outcome = ?, outcome_ms = ? "
                          "WHERE id = ? AND (outcome_ms IS NULL OR outcome_ms <= ?)",
                          true);
    find_key = Stmt(d, "SELECT 1 FROM spool_applied WHERE key = ?", true);
    insert_key = Stmt(d, "INSERT INTO spool_applied (key, applied_ms) VALUES (?, ?)", true);
    probe = Stmt(d, "INSERT OR REPLACE INTO health_probe (id, checked_ms) VALUES (1, ?)", true);
  }

  [[nodiscard]] bool ok() const {
    return insert_call.ok() && insert_card.ok() && find_card.ok() && insert_feedback.ok() &&
           update_outcome.ok() && find_key.ok() && insert_key.ok() && probe.ok();
  }

  static std::int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  // A replayed record's key: true in *seen when it was committed before (skip the record);
  // otherwise the key is inserted (in the record's transaction).
  std::optional<std::string> ClaimKey(const std::string& key, bool* seen) {
    *seen = false;
    if (key.empty()) return std::nullopt;
    find_key.Reset();
    find_key.Bind(1, key);
    const int rc = find_key.Step();
    find_key.Reset();
    if (rc == SQLITE_ROW) {
      *seen = true;
      return std::nullopt;
    }
    if (rc != SQLITE_DONE) return sql::Message(db.get(), "find spool key");
    insert_key.Reset();
    insert_key.Bind(1, key).Bind(2, NowMs());
    if (!insert_key.Run()) return sql::Message(db.get(), "insert spool key");
    return std::nullopt;
  }

  std::optional<std::string> Probe() {
    probe.Reset();
    probe.Bind(1, NowMs());
    if (!probe.Run()) return sql::Message(db.get(), "probe");
    return std::nullopt;
  }

  // The texts are bound without a copy (BindStatic): `r` and the encoded columns outlive each
  // Run(), and each statement is Reset (its bindings cleared) before they go.
  std::optional<std::string> Write(const CallRecord& r) {
    sqlite3* d = db.get();
    const std::string orders = EncodeOrders(r.orders);
    Stmt& s = insert_call;
    s.BindStatic(1, r.hook_instance).BindStatic(2, r.service).BindStatic(3, r.hook);
    s.Bind(4, ToMs(r.received)).BindStatic(5, r.principal.issuer);
    s.BindStatic(6, r.principal.subject).BindStatic(7, r.principal.tenant);
    s.BindStatic(8, r.principal.jti).BindStatic(9, r.user_id).BindStatic(10, r.patient_id);
    s.BindStatic(11, r.encounter_id).Bind(12, r.latency_us);
    s.Bind(13, std::int64_t{r.http_status}).BindStatic(14, r.request_id);
    s.BindStatic(15, r.error).BindStatic(16, orders);
    std::optional<std::string> error;
    if (!s.Run()) error = sql::Message(d, "insert call");
    s.Reset();
    if (error) return error;
    const std::int64_t call_id = sqlite3_last_insert_rowid(d);
    for (const CardRecord& k : r.cards) {
      const std::string implicated = JoinList(k.implicated);
      const std::string evidence = EncodeEvidence(k.evidence);
      const std::string suggestions = EncodeSuggestions(k.suggestions);
      Stmt& c = insert_card;
      c.Bind(1, call_id).Bind(2, ToMs(r.received)).BindStatic(3, k.uuid);
      c.BindStatic(4, k.rule_id).BindStatic(5, k.rule_version).BindStatic(6, k.rule_title);
      c.BindStatic(7, k.catalogue_id).BindStatic(8, k.indicator).BindStatic(9, k.summary);
      c.BindStatic(10, k.merged_rules).BindStatic(11, implicated).BindStatic(12, evidence);
      c.BindStatic(13, suggestions);
      if (!c.Run()) error = sql::Message(d, "insert card");
      c.Reset();
      if (error) return error;
    }
    return std::nullopt;
  }

  std::optional<std::string> Write(const FeedbackBatch& b, std::size_t& unknown,
                                   std::vector<std::string>& rules) {
    sqlite3* d = db.get();
    unknown = 0;
    rules.clear();
    for (const FeedbackRecord& item : b.items) {
      find_card.Reset();
      find_card.Bind(1, item.card_uuid);
      const int rc = find_card.Step();
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sql::Message(d, "find card");
      const std::optional<std::int64_t> card_id =
          rc == SQLITE_ROW ? std::optional<std::int64_t>(find_card.Int(0)) : std::nullopt;
      rules.push_back(rc == SQLITE_ROW ? find_card.Text(1) : std::string());
      find_card.Reset();
      if (!card_id) ++unknown;
      Stmt& f = insert_feedback;
      f.Reset();
      f.Bind(1, ToMs(b.received)).Bind(2, b.service).Bind(3, item.card_uuid);
      if (card_id) f.Bind(4, *card_id);
      f.Bind(5, item.outcome).Bind(6, JoinList(item.accepted_suggestions));
      f.Bind(7, item.reason_system).Bind(8, item.reason_code).Bind(9, item.reason_display);
      f.Bind(10, item.comment).Bind(11, ToMs(item.outcome_time)).Bind(12, b.principal.issuer);
      f.Bind(13, b.principal.tenant).Bind(14, b.request_id).Bind(15, b.principal.subject);
      f.Bind(16, b.principal.jti).Bind(17, std::int64_t{card_id ? 0 : 1});
      if (!f.Run()) return sql::Message(d, "insert feedback");
      if (card_id) {
        Stmt& u = update_outcome;
        u.Reset();
        u.Bind(1, item.outcome).Bind(2, ToMs(item.outcome_time)).Bind(3, *card_id);
        u.Bind(4, ToMs(item.outcome_time));
        if (!u.Run()) return sql::Message(d, "update card outcome");
      }
    }
    return std::nullopt;
  }
};

SqliteAuditStore::SqliteAuditStore(SqliteOptions options) : options_(std::move(options)) {}

Result<std::unique_ptr<SqliteAuditStore>> SqliteAuditStore::Open(SqliteOptions options) {
  if (options.path.empty()) return StoreError{"no audit database path"};
  if (auto error = PrepareFile(options.path, options.create)) return StoreError{*error};
  std::unique_ptr<SqliteAuditStore> store(new SqliteAuditStore(std::move(options)));
  const SqliteOptions& o = store->options_;
  auto write_db = OpenConnection(o.path, o.synchronous, o.busy_timeout);
  if (!write_db) return write_db.error();
  if (auto error = Migrate(write_db.value().get())) {
    return StoreError{o.path + ": " + *error};
  }
  auto read_db = OpenConnection(o.path, o.synchronous, o.busy_timeout);
  if (!read_db) return read_db.error();
  store->read_db_ = std::move(read_db).value();
  if (o.start_writer) {
    store->writer_ = std::make_unique<Writer>(std::move(write_db).value());
    if (!store->writer_->ok()) {
      return StoreError{sql::Message(store->writer_->db.get(), "prepare audit statements")};
    }
    store->thread_ = std::thread([s = store.get()] {
      // Named so that operators see it in top -H and perf.
      pthread_setname_np(pthread_self(), "cds-audit");
      s->WriterLoop();
    });
  }
  return store;
}

SqliteAuditStore::~SqliteAuditStore() { Close(); }

void SqliteAuditStore::Close() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SqliteAuditStore::Enqueue(Item item) {
  {
    std::lock_guard lock(mutex_);
    if (writer_ != nullptr && !stopping_) {
      queue_.push_back(std::move(item));
      if (!lingering_ || queue_.size() >= options_.max_batch) wake_.notify_one();
      return;
    }
  }
  // No writer (read-only store) or stopping: fail at once rather than lose the item silently.
  const CommitStatus failed{false, "the audit store is not accepting writes", 0, {}, {}};
  std::visit(
      [&](auto& i) {
        if constexpr (std::is_same_v<std::decay_t<decltype(i)>, PurgeItem>) {
          i.done(StoreError{failed.error});
        } else {
          i.done(failed);
        }
      },
      item);
}

void SqliteAuditStore::RecordCall(CallRecord record, CommitDone done) {
  Enqueue(CallItem{std::move(record), std::move(done), {}});
}

void SqliteAuditStore::RecordFeedback(FeedbackBatch batch, CommitDone done) {
  Enqueue(FeedbackItem{std::move(batch), std::move(done), {}});
}

void SqliteAuditStore::ReplayCall(std::string key, CallRecord record, CommitDone done) {
  Enqueue(CallItem{std::move(record), std::move(done), std::move(key)});
}

void SqliteAuditStore::ReplayFeedback(std::string key, FeedbackBatch batch, CommitDone done) {
  Enqueue(FeedbackItem{std::move(batch), std::move(done), std::move(key)});
}

void SqliteAuditStore::Probe(CommitDone done) { Enqueue(ProbeItem{std::move(done)}); }

void SqliteAuditStore::CallBegan() { active_calls_.fetch_add(1); }

void SqliteAuditStore::CallEnded() {
  if (active_calls_.fetch_sub(1) != 1) return;
  // The last call under way has queued its record (or gone without one): a writer waiting
  // for siblings can commit now. Under the mutex, so the wake cannot slip in between the
  // writer's check of the count and its wait.
  std::lock_guard lock(mutex_);
  if (lingering_) wake_.notify_one();
}

void SqliteAuditStore::PurgeExpired(std::function<void(Result<PurgeResult>)> done) {
  Enqueue(PurgeItem{std::move(done)});
}

Millis SqliteAuditStore::RetentionCutoff() const {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()) -
         std::chrono::days(options_.retention_days);
}

SqliteAuditStore::Stats SqliteAuditStore::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::size_t SqliteAuditStore::queue_depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void SqliteAuditStore::WriterLoop() {
  using Clock = std::chrono::steady_clock;
  const bool periodic = options_.purge_interval.count() > 0;
  // The first periodic purge soon after start-up (a server restarted daily would otherwise
  // never purge), then every interval.
  Clock::time_point next_purge =
      Clock::now() + std::min<Clock::duration>(options_.purge_interval, std::chrono::minutes(1));
  std::optional<Purging> purging;
  std::size_t last_batch = 0;
  std::unique_lock lock(mutex_);
  for (;;) {
    const auto ready = [this] { return stopping_ || !queue_.empty(); };
    if (!purging && !ready()) {
      if (periodic) {
        wake_.wait_until(lock, next_purge, ready);
      } else {
        wake_.wait(lock, ready);
      }
    }
    if (periodic && Clock::now() >= next_purge) {
      if (!purging) purging.emplace(Purging{PurgeResult{RetentionCutoff(), 0, 0, 0}, {}});
      next_purge = Clock::now() + options_.purge_interval;
    }
    if (!queue_.empty() && !stopping_ && options_.commit_delay.count() > 0 &&
        last_batch >= options_.commit_siblings && queue_.size() < options_.max_batch) {
      lingering_ = true;
      wake_.wait_for(lock, options_.commit_delay, [this] {
        return stopping_ || queue_.size() >= options_.max_batch || active_calls_.load() <= 0;
      });
      lingering_ = false;
    }
    if (!queue_.empty()) {
      std::vector<Item> batch;
      while (!queue_.empty() && batch.size() < options_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      lock.unlock();
      std::vector<Item> writes;
      writes.reserve(batch.size());
      for (Item& item : batch) {
        if (auto* p = std::get_if<PurgeItem>(&item)) {
          if (!purging) purging.emplace(Purging{PurgeResult{RetentionCutoff(), 0, 0, 0}, {}});
          purging->waiters.push_back(std::move(p->done));
        } else {
          writes.push_back(std::move(item));
        }
      }
      if (!writes.empty()) {
        // Counted before the completions run, so that whoever saw its `done` sees it counted.
        lock.lock();
        ++stats_.commits;
        stats_.items += writes.size();
        stats_.largest_batch = std::max(stats_.largest_batch, writes.size());
        lock.unlock();
        CommitBatch(writes);
      }
      last_batch = writes.size();
      lock.lock();
      continue;
    }
    if (purging) {
      const bool stop = stopping_;
      lock.unlock();
      std::string error;
      const bool finished = !stop && PurgeChunk(writer_->db.get(), *purging, &error);
      if (stop || finished || !error.empty()) {
        for (auto& waiter : purging->waiters) {
          if (!error.empty()) {
            waiter(StoreError{error});
          } else {
            waiter(purging->result);
          }
        }
        purging.reset();
      }
      lock.lock();
      continue;
    }
    if (stopping_) break;
  }
}

void SqliteAuditStore::CommitBatch(std::vector<Item>& batch) {
  sqlite3* db = writer_->db.get();
  std::vector<CommitStatus> status(batch.size());
  const auto apply = [&](std::size_t i) -> std::optional<std::string> {
    bool seen = false;
    if (auto* c = std::get_if<CallItem>(&batch[i])) {
      if (auto e = writer_->ClaimKey(c->key, &seen); e || seen) return e;
      return writer_->Write(c->record);
    }
    if (std::holds_alternative<ProbeItem>(batch[i])) return writer_->Probe();
    auto& f = std::get<FeedbackItem>(batch[i]);
    if (auto e = writer_->ClaimKey(f.key, &seen); e || seen) return e;
    return writer_->Write(f.batch, status[i].unknown_cards, status[i].feedback_rules);
  };
  const auto began = std::chrono::steady_clock::now();
  // All items in one transaction; if anything fails, each item alone, so that one bad item
  // cannot fail the others.
  std::optional<std::string> error = sql::Exec(db, "BEGIN IMMEDIATE");
  for (std::size_t i = 0; !error && i < batch.size(); ++i) error = apply(i);
  if (!error) error = sql::Exec(db, "COMMIT");
  if (error) {
    (void)sql::Exec(db, "ROLLBACK");
    for (std::size_t i = 0; i < batch.size(); ++i) {
      status[i] = CommitStatus{};
      std::optional<std::string> e = sql::Exec(db, "BEGIN IMMEDIATE");
      if (!e) e = apply(i);
      if (!e) e = sql::Exec(db, "COMMIT");
      if (e) {
        (void)sql::Exec(db, "ROLLBACK");
        status[i] = CommitStatus{false, "audit commit failed: " + *e, 0, {}, {}};
      }
    }
  }
  const auto commit_time = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - began);
  for (CommitStatus& s : status) s.commit_time = commit_time;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    std::visit(
        [&](auto& item) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(item)>, PurgeItem>) {
            try {
              item.done(status[i]);
            } catch (...) {
              // A completion that throws is the caller's bug; the writer must keep writing.
            }
          }
        },
        batch[i]);
  }
}

bool SqliteAuditStore::PurgeChunk(sqlite3* db, Purging& purging, std::string* error) {
  const std::int64_t cutoff = ToMs(purging.result.cutoff);
  if (auto e =
          sql::Exec(db, "CREATE TEMP TABLE IF NOT EXISTS purge_ids (id INTEGER PRIMARY KEY)")) {
    *error = "purge: " + *e;
    return false;
  }
  if (auto e = sql::Exec(db, "BEGIN IMMEDIATE")) {
    *error = "purge: " + *e;
    return false;
  }
  std::int64_t selected = 0;
  std::int64_t feedback_left = 0;
  PurgeResult delta;
  const auto run = [&](std::string_view text, bool with_cutoff, std::int64_t* count) {
    Stmt s(db, text);
    if (!s.ok()) return false;
    if (with_cutoff) s.Bind(1, cutoff).Bind(2, kPurgeChunk);
    if (!s.Run()) return false;
    if (count != nullptr) *count += sqlite3_changes(db);
    return true;
  };
  constexpr std::string_view kCardsOfChunk =
      "(SELECT k.id FROM cards k WHERE k.call_id IN (SELECT id FROM temp.purge_ids))";
  const bool ok =
      run("DELETE FROM temp.purge_ids", false, nullptr) &&
      run("INSERT INTO temp.purge_ids (id) SELECT id FROM calls WHERE received_ms < ? "
          "ORDER BY received_ms LIMIT ?",
          true, &selected) &&
      run("DELETE FROM feedback WHERE card_id IN " + std::string(kCardsOfChunk), false,
          &delta.feedback) &&
      run("DELETE FROM cards WHERE call_id IN (SELECT id FROM temp.purge_ids)", false,
          &delta.cards) &&
      run("DELETE FROM calls WHERE id IN (SELECT id FROM temp.purge_ids)", false, &delta.calls) &&
      run("DELETE FROM feedback WHERE id IN (SELECT id FROM feedback WHERE received_ms < ? "
          "ORDER BY received_ms LIMIT ?)",
          true, &feedback_left);
  std::optional<std::string> e = ok ? sql::Exec(db, "COMMIT") : sql::Message(db, "purge");
  if (e) {
    (void)sql::Exec(db, "ROLLBACK");
    *error = "purge: " + *e;
    return false;
  }
  purging.result.calls += delta.calls;
  purging.result.cards += delta.cards;
  purging.result.feedback += delta.feedback + feedback_left;
  return selected < kPurgeChunk && feedback_left < kPurgeChunk;
}

Result<PurgeResult> SqliteAuditStore::Purge(Millis cutoff) {
  std::lock_guard lock(read_mutex_);
  Purging purging{PurgeResult{cutoff, 0, 0, 0}, {}};
  std::string error;
  while (!PurgeChunk(read_db_.get(), purging, &error)) {
    if (!error.empty()) return StoreError{error};
  }
  return purging.result;
}

Result<Page<CallRow>> SqliteAuditStore::Calls(const Filter& filter, const PageRequest& page) {
  Where w;
  AddTimeRange(w, filter, "c.received_ms");
  AddCallConditions(w, filter);
  Where cards;
  AddCardConditions(cards, filter);
  if (!cards.text.empty()) {
    // " WHERE a AND b" → "EXISTS (... WHERE k.call_id = c.id AND a AND b)"
    w.Add("EXISTS (SELECT 1 FROM cards k WHERE k.call_id = c.id AND " + cards.text.substr(7) + ")");
    w.args.insert(w.args.end(), cards.args.begin(), cards.args.end());
  }
  if (page.before_id > 0) w.Add("c.id < ?", page.before_id);
  const std::size_t limit = ClampLimit(page.limit);
  w.args.emplace_back(static_cast<std::int64_t>(limit + 1));
  const std::string text = "SELECT " + std::string(kCallColumns) + " FROM calls c" + w.text +
                           " ORDER BY c.id DESC LIMIT ?";
  std::lock_guard lock(read_mutex_);
  ReadTransaction tx(read_db_.get());
  if (tx.error()) return StoreError{"calls: " + *tx.error()};
  return RunPage<CallRow>(read_db_.get(), text, w.args, limit, ReadCall);
}

Result<Page<CardRow>> SqliteAuditStore::Cards(const Filter& filter, const PageRequest& page) {
  Where w;
  AddTimeRange(w, filter, "k.received_ms");
  AddCardConditions(w, filter);
  AddCallConditions(w, filter);
  if (page.before_id > 0) w.Add("k.id < ?", page.before_id);
  const std::size_t limit = ClampLimit(page.limit);
  w.args.emplace_back(static_cast<std::int64_t>(limit + 1));
  const std::string text = "SELECT " + std::string(kCardColumns) +
                           " FROM cards k JOIN calls c ON c.id = k.call_id" + w.text +
                           " ORDER BY k.id DESC LIMIT ?";
  std::lock_guard lock(read_mutex_);
  return RunPage<CardRow>(read_db_.get(), text, w.args, limit, ReadCardRow);
}

Result<Page<FeedbackRow>> SqliteAuditStore::UnknownCardFeedback(const Filter& filter,
                                                                const PageRequest& page) {
  Where w;
  w.Add("f.unknown_card = 1");
  AddTimeRange(w, filter, "f.received_ms");
  if (!filter.service.empty()) w.Add("f.service = ?", filter.service);
  if (!filter.outcome.empty()) w.Add("f.outcome = ?", filter.outcome);
  if (page.before_id > 0) w.Add("f.id < ?", page.before_id);
  const std::size_t limit = ClampLimit(page.limit);
  w.args.emplace_back(static_cast<std::int64_t>(limit + 1));
  const std::string text = "SELECT " + std::string(kFeedbackColumns) + " FROM feedback f" + w.text +
                           " ORDER BY f.id DESC LIMIT ?";
  std::lock_guard lock(read_mutex_);
  return RunPage<FeedbackRow>(read_db_.get(), text, w.args, limit, ReadFeedback);
}

Result<std::optional<CardDetail>> SqliteAuditStore::Card(const std::string& uuid) {
  std::lock_guard lock(read_mutex_);
  sqlite3* db = read_db_.get();
  ReadTransaction tx(db);
  if (tx.error()) return StoreError{"card: " + *tx.error()};
  Stmt s(db, "SELECT " + std::string(kCardColumns) +
                 " FROM cards k JOIN calls c ON c.id = k.call_id WHERE k.uuid = ? "
                 "ORDER BY k.id DESC LIMIT 1");
  if (!s.ok()) return StoreError{sql::Message(db, "card")};
  s.Bind(1, uuid);
  const int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<CardDetail>();
  if (rc != SQLITE_ROW) return StoreError{sql::Message(db, "card")};
  CardDetail detail;
  if (auto e = ReadCard(s, detail.card, true)) return StoreError{*e};
  Stmt c(db, "SELECT " + std::string(kCallColumns) + " FROM calls c WHERE c.id = ?");
  if (!c.ok()) return StoreError{sql::Message(db, "call")};
  c.Bind(1, detail.card.call_id);
  if (c.Step() != SQLITE_ROW) return StoreError{sql::Message(db, "call")};
  if (auto e = ReadCall(c, detail.call)) return StoreError{*e};
  if (auto e = LoadFeedback(db, detail.card.id, detail.feedback)) return StoreError{*e};
  return std::optional<CardDetail>(std::move(detail));
}

Result<Summary> SqliteAuditStore::Summarize(const Filter& filter, std::chrono::minutes utc_offset) {
  Filter f = filter;
  f.outcome.clear();
  Where cards;
  AddTimeRange(cards, f, "k.received_ms");
  AddCardConditions(cards, f);
  AddCallConditions(cards, f);
  const std::string from_cards = " FROM cards k JOIN calls c ON c.id = k.call_id";
  constexpr std::string_view kCounts =
      "count(*), sum(k.outcome = 'accepted'), sum(k.outcome = 'overridden'), "
      "sum(k.outcome IS NULL)";
  const auto read_counts = [](const Stmt& s, int first) {
    return Counts{s.Int(first), s.Int(first + 1), s.Int(first + 2), s.Int(first + 3)};
  };

  std::lock_guard lock(read_mutex_);
  sqlite3* db = read_db_.get();
  ReadTransaction tx(db);
  if (tx.error()) return StoreError{"summary: " + *tx.error()};
  Summary summary;
  int rc;
  {
    Stmt s(db, "SELECT k.rule_id, max(k.rule_title), max(k.catalogue_id), " + std::string(kCounts) +
                   from_cards + cards.text +
                   " GROUP BY k.rule_id ORDER BY count(*) DESC, k.rule_id");
    if (!s.ok()) return StoreError{sql::Message(db, "summary")};
    s.BindAll(cards.args);
    while ((rc = s.Step()) == SQLITE_ROW) {
      RuleSummary r{s.Text(0), s.Text(1), s.Text(2), read_counts(s, 3), {}};
      summary.cards += r.counts.fired;
      summary.rules.push_back(std::move(r));
    }
    if (rc != SQLITE_DONE) return StoreError{sql::Message(db, "summary")};
  }
  {
    Where reasons = cards;
    reasons.Add("f.outcome = 'overridden'");
    reasons.Add("f.reason_code <> ''");
    Stmt s(db,
           "SELECT k.rule_id, f.reason_system, f.reason_code, max(f.reason_display), "
           "count(DISTINCT f.card_id) FROM feedback f JOIN cards k ON k.id = f.card_id "
           "JOIN calls c ON c.id = k.call_id" +
               reasons.text +
               " GROUP BY k.rule_id, f.reason_system, f.reason_code "
               "ORDER BY count(DISTINCT f.card_id) DESC, f.reason_code");
    if (!s.ok()) return StoreError{sql::Message(db, "override reasons")};
    s.BindAll(reasons.args);
    std::map<std::string, RuleSummary*, std::less<>> by_rule;
    for (RuleSummary& r : summary.rules) by_rule.emplace(r.rule_id, &r);
    while ((rc = s.Step()) == SQLITE_ROW) {
      const auto it = by_rule.find(s.Text(0));
      if (it == by_rule.end() || it->second->top_override_reasons.size() >= 5) continue;
      it->second->top_override_reasons.push_back({s.Text(1), s.Text(2), s.Text(3), s.Int(4)});
    }
    if (rc != SQLITE_DONE) return StoreError{sql::Message(db, "override reasons")};
  }
  {
    std::vector<sql::Value> args{std::int64_t{utc_offset.count() * 60'000}};
    args.insert(args.end(), cards.args.begin(), cards.args.end());
    Stmt s(db, "SELECT (k.received_ms + ?) / 86400000 AS day, " + std::string(kCounts) +
                   from_cards + cards.text + " GROUP BY day ORDER BY day");
    if (!s.ok()) return StoreError{sql::Message(db, "days")};
    s.BindAll(args);
    while ((rc = s.Step()) == SQLITE_ROW) {
      summary.days.push_back({DayText(s.Int(0)), read_counts(s, 1)});
    }
    if (rc != SQLITE_DONE) return StoreError{sql::Message(db, "days")};
  }
  {
    Where calls;
    AddTimeRange(calls, f, "c.received_ms");
    AddCallConditions(calls, f);
    Stmt s(db, "SELECT count(*), sum(c.http_status <> 200) FROM calls c" + calls.text);
    if (!s.ok()) return StoreError{sql::Message(db, "calls")};
    s.BindAll(calls.args);
    if (s.Step() != SQLITE_ROW) return StoreError{sql::Message(db, "calls")};
    summary.calls = s.Int(0);
    summary.error_calls = s.Int(1);
  }
  {
    Where feedback;
    AddTimeRange(feedback, f, "f.received_ms");
    if (!f.service.empty()) feedback.Add("f.service = ?", f.service);
    Stmt s(db, "SELECT count(*), sum(f.unknown_card) FROM feedback f" + feedback.text);
    if (!s.ok()) return StoreError{sql::Message(db, "feedback")};
    s.BindAll(feedback.args);
    if (s.Step() != SQLITE_ROW) return StoreError{sql::Message(db, "feedback")};
    summary.feedback = s.Int(0);
    summary.unknown_card_feedback = s.Int(1);
  }
  return summary;
}

Result<std::size_t> SqliteAuditStore::ExportCalls(
    Millis from, Millis to, const std::function<bool(const ExportedCall&)>& each) {
  std::lock_guard lock(read_mutex_);
  sqlite3* db = read_db_.get();
  ReadTransaction tx(db);
  if (tx.error()) return StoreError{"export: " + *tx.error()};
  Stmt s(db, "SELECT " + std::string(kCallColumns) +
                 " FROM calls c WHERE c.received_ms >= ? AND c.received_ms < ? "
                 "ORDER BY c.received_ms, c.id");
  Stmt k(db, "SELECT " + std::string(kCardColumns) +
                 " FROM cards k JOIN calls c ON c.id = k.call_id WHERE k.call_id = ? "
                 "ORDER BY k.id");
  if (!s.ok() || !k.ok()) return StoreError{sql::Message(db, "export")};
  s.Bind(1, ToMs(from)).Bind(2, ToMs(to));
  std::size_t count = 0;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    CallRow row;
    if (auto e = ReadCall(s, row)) return StoreError{*e};
    ExportedCall exported{row.id, std::move(row.call), {}};
    k.Reset();
    k.Bind(1, exported.id);
    int krc;
    while ((krc = k.Step()) == SQLITE_ROW) {
      CardRow card;
      if (auto e = ReadCard(k, card, true)) return StoreError{*e};
      exported.feedback.emplace_back();
      if (auto e = LoadFeedback(db, card.id, exported.feedback.back())) return StoreError{*e};
      exported.call.cards.push_back(std::move(card.card));
    }
    if (krc != SQLITE_DONE) return StoreError{sql::Message(db, "export cards")};
    ++count;
    if (!each(exported)) break;
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return StoreError{sql::Message(db, "export")};
  return count;
}

Result<std::size_t> SqliteAuditStore::ExportUnknownCardFeedback(
    Millis from, Millis to, const std::function<bool(const FeedbackRow&)>& each) {
  std::lock_guard lock(read_mutex_);
  sqlite3* db = read_db_.get();
  Stmt s(db, "SELECT " + std::string(kFeedbackColumns) +
                 " FROM feedback f WHERE f.unknown_card = 1 AND f.received_ms >= ? AND "
                 "f.received_ms < ? ORDER BY f.received_ms, f.id");
  if (!s.ok()) return StoreError{sql::Message(db, "export feedback")};
  s.Bind(1, ToMs(from)).Bind(2, ToMs(to));
  std::size_t count = 0;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) {
    ++count;
    FeedbackRow row;
    if (auto e = ReadFeedback(s, row)) return StoreError{*e};
    if (!each(row)) break;
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return StoreError{sql::Message(db, "export feedback")};
  return count;
}

}  // namespace cds::audit
