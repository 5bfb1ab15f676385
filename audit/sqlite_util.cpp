#include "audit/sqlite_util.hpp"

namespace cds::audit::sql {

Stmt::Stmt(sqlite3* db, std::string_view sql, bool persistent) : db_(db) {
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                         persistent ? SQLITE_PREPARE_PERSISTENT : 0, &stmt_,
                         nullptr) != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

Stmt& Stmt::operator=(Stmt&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

void Stmt::Reset() noexcept {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Stmt& Stmt::Bind(int index, std::int64_t value) noexcept {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Stmt& Stmt::Bind(int index, std::string_view value) noexcept {
  sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Stmt& Stmt::BindStatic(int index, std::string_view value) noexcept {
  sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8);
  return *this;
}

Stmt& Stmt::BindNull(int index) noexcept {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Stmt& Stmt::BindValue(int index, const Value& value) noexcept {
  if (const auto* i = std::get_if<std::int64_t>(&value)) return Bind(index, *i);
  if (const auto* s = std::get_if<std::string>(&value)) return Bind(index, std::string_view(*s));
  return BindNull(index);
}

Stmt& Stmt::BindAll(const std::vector<Value>& values) noexcept {
  for (std::size_t i = 0; i < values.size(); ++i) BindValue(static_cast<int>(i + 1), values[i]);
  return *this;
}

int Stmt::Step() noexcept { return stmt_ == nullptr ? SQLITE_MISUSE : sqlite3_step(stmt_); }

bool Stmt::Run() noexcept {
  const int rc = Step();
  return rc == SQLITE_DONE || rc == SQLITE_ROW;
}

std::int64_t Stmt::Int(int column) const noexcept { return sqlite3_column_int64(stmt_, column); }

std::string Stmt::Text(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool Stmt::IsNull(int column) const noexcept {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::optional<std::int64_t> Stmt::OptionalInt(int column) const noexcept {
  if (IsNull(column)) return std::nullopt;
  return Int(column);
}

std::optional<std::string> Exec(sqlite3* db, std::string_view sql) {
  char* error = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(db, text.c_str(), nullptr, nullptr, &error) == SQLITE_OK) return std::nullopt;
  std::string message = error != nullptr ? error : sqlite3_errmsg(db);
  sqlite3_free(error);
  return message;
}

std::string Message(sqlite3* db, std::string_view what) {
  return std::string(what) + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory");
}

}  // namespace cds::audit::sql
