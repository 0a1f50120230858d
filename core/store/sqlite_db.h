// SqliteDb: a tiny RAII wrapper over one SQLite connection, for the store
// only: open, exec, prepared statements with bind/step/column, and a scoped
// transaction. Not an ORM.
//
// Every failure is Status::IOError "store: cannot WHAT in FILE: SQLITE
// MESSAGE", where WHAT is the caller's words for what was being done
// ("store the message", "read the outbox"). Programming errors (a bad
// column index, a statement used after its database) are asserts.
// Thread-safety: one thread per SqliteDb and its statements.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "util/bytes.h"
#include "util/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace relais {

class SqliteDb;

// A prepared statement. Parameters are numbered from 1 (?1, ?2, ...),
// columns from 0. Text is bound and read as UTF-8 bytes (copied by SQLite).
class SqliteStatement {
 public:
  SqliteStatement() = default;
  ~SqliteStatement();
  SqliteStatement(SqliteStatement&& o) noexcept;
  SqliteStatement& operator=(SqliteStatement&& o) noexcept;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  SqliteStatement& bind(int index, int64_t value);
  SqliteStatement& bind(int index, std::string_view text);
  SqliteStatement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  SqliteStatement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  SqliteStatement& bind_blob(int index, ByteView blob);
  SqliteStatement& bind_null(int index);

  // One step: true when a row is ready, false when done. The first error
  // met by a bind is reported here.
  Result<bool> step();
  // Steps to the end (for statements returning no rows).
  Status run();
  // Rewinds for another use with new bindings.
  void reset();

  int64_t column_int64(int col) const;
  std::string column_text(int col) const;
  Bytes column_blob(int col) const;
  bool column_is_null(int col) const;

 private:
  friend class SqliteDb;
  SqliteStatement(SqliteDb* db, sqlite3_stmt* stmt, std::string what) : db_(db), stmt_(stmt), what_(std::move(what)) {}
  void note_bind(int rc);

  SqliteDb* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::string what_;
  int bind_error_ = 0;
};

class SqliteDb {
 public:
  // Opens (creating when absent, unless !create) the database file at
  // `path`, read-write, with extended result codes. Messages name the file
  // by this path.
  static Result<std::unique_ptr<SqliteDb>> open(const std::string& path, bool create = true);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements that return nothing worth reading.
  Status exec(const std::string& sql, const std::string& what);
  Result<SqliteStatement> prepare(const std::string& sql, const std::string& what);
  // The single integer a query like "PRAGMA user_version" returns.
  Result<int64_t> query_int(const std::string& sql, const std::string& what);
  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t changes() const;
  void set_busy_timeout(int ms);

  // Copies this whole database into `dest` with SQLite's online backup
  // (one consistent snapshot, even while other processes write: a busy
  // source is retried for up to the busy timeout).
  Status copy_into(SqliteDb& dest, const std::string& what);

  // Status::IOError for a SQLite result code, with the connection's message.
  Status error(int rc, const std::string& what) const;
  const std::string& path() const { return path_; }
  // True while a transaction is open on this connection.
  bool in_transaction() const;

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_ = nullptr;
  std::string path_;
};

// A transaction that rolls back unless commit() is called. begin() with
// immediate=true takes the write lock at once (BEGIN IMMEDIATE), waiting up
// to the busy timeout for another writer. Begun while another is open on the
// connection, it is a savepoint inside it: its commit() keeps its changes
// for the outer commit (which alone syncs), its rollback undoes only them.
// So a caller may group several store operations under one sync.
class SqliteTransaction {
 public:
  static Result<SqliteTransaction> begin(SqliteDb& db, bool immediate, const std::string& what);
  ~SqliteTransaction();
  SqliteTransaction(SqliteTransaction&& o) noexcept
      : db_(std::exchange(o.db_, nullptr)), what_(std::move(o.what_)), nested_(o.nested_) {}
  SqliteTransaction& operator=(SqliteTransaction&&) = delete;
  SqliteTransaction(const SqliteTransaction&) = delete;
  Status commit();

 private:
  SqliteTransaction(SqliteDb* db, std::string what, bool nested)
      : db_(db), what_(std::move(what)), nested_(nested) {}
  SqliteDb* db_ = nullptr;
  std::string what_;
  bool nested_ = false;
};

}  // namespace relais
