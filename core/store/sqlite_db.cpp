#include "store/sqlite_db.h"

#include <cassert>
#include <sqlite3.h>

namespace relais {

// ---- SqliteStatement

SqliteStatement::~SqliteStatement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

SqliteStatement::SqliteStatement(SqliteStatement&& o) noexcept
    : db_(std::exchange(o.db_, nullptr)),
      stmt_(std::exchange(o.stmt_, nullptr)),
      what_(std::move(o.what_)),
      bind_error_(std::exchange(o.bind_error_, 0)) {}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& o) noexcept {
  if (this != &o) {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    db_ = std::exchange(o.db_, nullptr);
    stmt_ = std::exchange(o.stmt_, nullptr);
    what_ = std::move(o.what_);
    bind_error_ = std::exchange(o.bind_error_, 0);
  }
  return *this;
}

void SqliteStatement::note_bind(int rc) {
  assert(rc != SQLITE_RANGE && "store: bind index out of range");
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
}

SqliteStatement& SqliteStatement::bind(int index, int64_t value) {
  assert(stmt_ != nullptr);
  note_bind(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, std::string_view text) {
  assert(stmt_ != nullptr);
  note_bind(sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

SqliteStatement& SqliteStatement::bind_blob(int index, ByteView blob) {
  assert(stmt_ != nullptr);
  // A zero-length blob is still a blob, not NULL: give SQLite a valid pointer.
  static const uint8_t kEmpty = 0;
  note_bind(sqlite3_bind_blob64(stmt_, index, blob.empty() ? &kEmpty : blob.data(), blob.size(), SQLITE_TRANSIENT));
  return *this;
}

SqliteStatement& SqliteStatement::bind_null(int index) {
  assert(stmt_ != nullptr);
  note_bind(sqlite3_bind_null(stmt_, index));
  return *this;
}

Result<bool> SqliteStatement::step() {
  assert(stmt_ != nullptr && db_ != nullptr);
  if (bind_error_ != 0) return db_->error(bind_error_, what_);
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Status s = db_->error(rc, what_);
  sqlite3_reset(stmt_);
  return s;
}

Status SqliteStatement::run() {
  for (;;) {
    auto r = step();
    if (!r.ok()) return r.status();
    if (!*r) return Status::Ok();
  }
}

void SqliteStatement::reset() {
  assert(stmt_ != nullptr);
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_ = 0;
}

int64_t SqliteStatement::column_int64(int col) const {
  assert(stmt_ != nullptr && col >= 0 && col < sqlite3_column_count(stmt_));
  return sqlite3_column_int64(stmt_, col);
}

std::string SqliteStatement::column_text(int col) const {
  assert(stmt_ != nullptr && col >= 0 && col < sqlite3_column_count(stmt_));
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  if (p == nullptr || n <= 0) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
}

Bytes SqliteStatement::column_blob(int col) const {
  assert(stmt_ != nullptr && col >= 0 && col < sqlite3_column_count(stmt_));
  const void* p = sqlite3_column_blob(stmt_, col);
  const int n = sqlite3_column_bytes(stmt_, col);
  if (p == nullptr || n <= 0) return {};
  const auto* b = static_cast<const uint8_t*>(p);
  return Bytes(b, b + n);
}

bool SqliteStatement::column_is_null(int col) const {
  assert(stmt_ != nullptr && col >= 0 && col < sqlite3_column_count(stmt_));
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

// ---- SqliteDb

Result<std::unique_ptr<SqliteDb>> SqliteDb::open(const std::string& path, bool create) {
  sqlite3* raw = nullptr;
  const int flags =
      SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close(raw);
    return Status::IOError("store: cannot open " + path + ": " + msg);
  }
  return std::unique_ptr<SqliteDb>(new SqliteDb(raw, path));
}

SqliteDb::~SqliteDb() {
  // Statements are owned by callers and finalized before the database goes;
  // sqlite3_close_v2 defers the close should one remain.
  sqlite3_close_v2(db_);
}

Status SqliteDb::error(int rc, const std::string& what) const {
  std::string msg = sqlite3_errmsg(db_);
  if (msg.empty() || msg == "not an error") msg = sqlite3_errstr(rc);
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
    msg += " (another process kept the store busy; try again)";
  return Status::IOError("store: cannot " + what + " in " + path_ + ": " + msg);
}

Status SqliteDb::copy_into(SqliteDb& dest, const std::string& what) {
  sqlite3_backup* b = sqlite3_backup_init(dest.db_, "main", db_, "main");
  if (b == nullptr) return dest.error(sqlite3_errcode(dest.db_), what);
  int rc = SQLITE_OK;
  // All pages in one step; a source busy with a writer is retried (bounded:
  // sqlite3_sleep waits, 100 tries of 50 ms).
  for (int attempt = 0; attempt < 100; ++attempt) {
    rc = sqlite3_backup_step(b, -1);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
    sqlite3_sleep(50);
  }
  const int finish = sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) return error(rc, what);
  if (finish != SQLITE_OK) return dest.error(finish, what);
  return Status::Ok();
}

Status SqliteDb::exec(const std::string& sql, const std::string& what) {
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return error(rc, what);
  return Status::Ok();
}

Result<SqliteStatement> SqliteDb::prepare(const std::string& sql, const std::string& what) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    Status s = error(rc, what);
    sqlite3_finalize(stmt);
    return s;
  }
  return SqliteStatement(this, stmt, what);
}

Result<int64_t> SqliteDb::query_int(const std::string& sql, const std::string& what) {
  auto st = prepare(sql, what);
  if (!st.ok()) return st.status();
  auto row = st->step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::IOError("store: cannot " + what + " in " + path_ + ": no value returned");
  return st->column_int64(0);
}

int64_t SqliteDb::changes() const { return sqlite3_changes64(db_); }

void SqliteDb::set_busy_timeout(int ms) { sqlite3_busy_timeout(db_, ms); }

// ---- SqliteTransaction

bool SqliteDb::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

Result<SqliteTransaction> SqliteTransaction::begin(SqliteDb& db, bool immediate, const std::string& what) {
  if (db.in_transaction()) {
    RELAIS_RETURN_IF_ERROR(db.exec("SAVEPOINT relais_nested", what));
    return SqliteTransaction(&db, what, true);
  }
  RELAIS_RETURN_IF_ERROR(db.exec(immediate ? "BEGIN IMMEDIATE" : "BEGIN", what));
  return SqliteTransaction(&db, what, false);
}

SqliteTransaction::~SqliteTransaction() {
  if (db_ == nullptr) return;
  if (nested_) {
    (void)db_->exec("ROLLBACK TO relais_nested", what_);
    (void)db_->exec("RELEASE relais_nested", what_);
  } else {
    (void)db_->exec("ROLLBACK", what_);
  }
}

Status SqliteTransaction::commit() {
  assert(db_ != nullptr && "commit() called twice");
  Status s = db_->exec(nested_ ? "RELEASE relais_nested" : "COMMIT", what_);
  if (s.ok()) db_ = nullptr;  // else the destructor rolls back
  return s;
}

}  // namespace relais
