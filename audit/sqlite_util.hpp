// Thin RAII over the SQLite C API for the audit store: a connection, prepared statements with
// bound parameters (the only way values reach SQL here), and errors as messages.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace cds::audit::sql {

struct DbCloser {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;

/// A value bound to a `?` parameter.
using Value = std::variant<std::int64_t, std::string, std::nullptr_t>;

/// A prepared statement. Step() returns SQLITE_ROW, SQLITE_DONE or an error code.
class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, std::string_view sql, bool persistent = false);
  ~Stmt();
  Stmt(Stmt&& other) noexcept : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}
  Stmt& operator=(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  [[nodiscard]] bool ok() const noexcept { return stmt_ != nullptr; }
  /// Resets the statement and clears its bindings (for reuse).
  void Reset() noexcept;
  Stmt& Bind(int index, std::int64_t value) noexcept;
  Stmt& Bind(int index, std::string_view value) noexcept;
  /// Binds text SQLite does not copy: `value` must stay valid until Reset() (which clears the
  /// bindings) or the statement is destroyed. For the writer's hot path.
  Stmt& BindStatic(int index, std::string_view value) noexcept;
  Stmt& BindNull(int index) noexcept;
  Stmt& BindValue(int index, const Value& value) noexcept;
  /// Binds 1..n in order.
  Stmt& BindAll(const std::vector<Value>& values) noexcept;
  int Step() noexcept;
  /// Steps a statement that returns no row; false on error.
  [[nodiscard]] bool Run() noexcept;

  [[nodiscard]] std::int64_t Int(int column) const noexcept;
  [[nodiscard]] std::string Text(int column) const;
  [[nodiscard]] bool IsNull(int column) const noexcept;
  [[nodiscard]] std::optional<std::int64_t> OptionalInt(int column) const noexcept;

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

/// Executes statements without parameters (DDL, pragmas, BEGIN/COMMIT). Returns the error.
[[nodiscard]] std::optional<std::string> Exec(sqlite3* db, std::string_view sql);

/// "<what>: <sqlite message>".
[[nodiscard]] std::string Message(sqlite3* db, std::string_view what);

}  // namespace cds::audit::sql
