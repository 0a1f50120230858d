#include "store/store_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/files.h"

namespace relais {
namespace {

std::string mode_text(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

Status check_state_dir(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) return Status::IOError("store: cannot read the folder " + dir + ": " + std::strerror(errno));
    return make_dirs(dir, 0700);
  }
  if (!S_ISDIR(st.st_mode))
    return Status::Config("store: state_dir " + dir + " is not a folder; set state_dir in the [agent] section of the "
                          "configuration to a folder");
  if ((st.st_mode & 077) != 0)
    return Status::Permission("store: the folder " + dir + " has mode " + mode_text(st.st_mode) +
                              " and may be read by others; the store in it is refused. Fix it with: chmod 700 " + dir);
  return Status::Ok();
}

// Creates store.db 0600 when absent, and refuses a looser existing one.
//
// An existing file is only looked at by path (lstat), never opened: closing
// any descriptor of the file drops every POSIX lock this process holds on it
// (fcntl locks belong to the process and the file, not to the descriptor).
// The service opens the store more than once (its own connection, the
// desk's, the accounts'), and a connection that lost its shared lock lets
// another process's closing connection delete the write-ahead log under it:
// everything it committed afterwards went to a deleted file. Creating is
// safe: no connection can hold a lock on a file that did not exist.
Status prepare_db_file(const std::string& path) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
      if (!S_ISREG(st.st_mode)) return Status::Config("store: " + path + " is not a regular file; move it aside");
      if ((st.st_mode & 077) != 0)
        return Status::Permission("store: " + path + " has mode " + mode_text(st.st_mode) +
                                  " and may be read by others; it is refused. Fix it with: chmod 600 " + path);
      return Status::Ok();
    }
    if (errno != ENOENT) return Status::IOError("store: cannot read the mode of " + path + ": " + std::strerror(errno));
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0) {
      ::close(fd);  // a new, empty file: nobody holds a lock on it
      return Status::Ok();
    }
    if (errno != EEXIST) return Status::IOError("store: cannot create " + path + ": " + std::strerror(errno));
    // Created meanwhile by another opener: look at it as an existing file.
  }
  return Status::IOError("store: cannot create " + path + ": it appeared and vanished while being created; try again");
}

Status set_pragmas(SqliteDb& db) {
  db.set_busy_timeout(kStoreBusyTimeoutMs);
  {
    auto st = db.prepare("PRAGMA journal_mode=WAL", "turn on write-ahead logging");
    if (!st.ok()) return st.status();
    auto row = st->step();
    if (!row.ok()) return row.status();
    if (!*row || st->column_text(0) != "wal")
      return Status::IOError("store: cannot turn on write-ahead logging for " + db.path() +
                             "; keep state_dir on a local file system");
  }
  return db.exec(
      "PRAGMA synchronous=FULL; PRAGMA secure_delete=ON; PRAGMA temp_store=MEMORY; PRAGMA foreign_keys=ON;",
      "set the store's settings");
}

// Version 1. Clear columns hold routing fields only; `opened` and `document`
// are sealed values (store/sealed_value.h). Empty text means "none".
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE store_keys (
  seal_pk     BLOB PRIMARY KEY NOT NULL,
  participant TEXT NOT NULL,
  wrapped     BLOB NOT NULL
);
CREATE TABLE messages (
  id               TEXT PRIMARY KEY NOT NULL,
  seq              INTEGER NOT NULL,
  subscription     TEXT NOT NULL,
  sender           TEXT NOT NULL,
  topic            TEXT NOT NULL,
  type             TEXT NOT NULL,
  case_ref         TEXT NOT NULL DEFAULT '',
  urgency          TEXT NOT NULL,
  handling         TEXT NOT NULL,
  in_reply_to      TEXT NOT NULL DEFAULT '',
  ts_ms            INTEGER NOT NULL,
  expires_ms       INTEGER NOT NULL,
  received_ms      INTEGER NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('new', 'read', 'answered', 'expired')),
  auto_response_id TEXT NOT NULL DEFAULT '',
  opened           BLOB NOT NULL
);
CREATE INDEX messages_by_case ON messages (case_ref);
CREATE INDEX messages_by_reply ON messages (in_reply_to);
CREATE INDEX messages_by_received ON messages (received_ms, id);
CREATE INDEX messages_by_status ON messages (status);
CREATE TABLE outbox (
  id              TEXT PRIMARY KEY NOT NULL,
  topic           TEXT NOT NULL,
  type            TEXT NOT NULL,
  urgency         TEXT NOT NULL,
  handling        TEXT NOT NULL,
  case_ref        TEXT NOT NULL DEFAULT '',
  in_reply_to     TEXT NOT NULL DEFAULT '',
  created_ms      INTEGER NOT NULL,
  expires_ms      INTEGER NOT NULL,
  origin          TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('queued', 'logged', 'refused')),
  reason          TEXT NOT NULL DEFAULT '',
  seq             INTEGER NOT NULL DEFAULT 0,
  receipt         BLOB NOT NULL DEFAULT x'',
  anchor          BLOB NOT NULL DEFAULT x'',
  attempts        INTEGER NOT NULL DEFAULT 0,
  last_attempt_ms INTEGER NOT NULL DEFAULT 0,
  logged_ms       INTEGER NOT NULL DEFAULT 0,
  answer_status   TEXT NOT NULL DEFAULT '',
  escalate_at_ms  INTEGER NOT NULL DEFAULT 0,
  escalation_id   TEXT NOT NULL DEFAULT '',
  document        BLOB NOT NULL
);
CREATE INDEX outbox_by_case ON outbox (case_ref);
CREATE INDEX outbox_by_reply ON outbox (in_reply_to);
CREATE INDEX outbox_by_created ON outbox (created_ms, id);
CREATE INDEX outbox_by_status ON outbox (status, created_ms);
CREATE TABLE stats_cells (
  message_id   TEXT NOT NULL,
  sender       TEXT NOT NULL,
  period_start TEXT NOT NULL,
  period_end   TEXT NOT NULL,
  region       TEXT NOT NULL,
  prefecture   TEXT NOT NULL,
  tbl          TEXT NOT NULL,
  key          TEXT NOT NULL,
  count        INTEGER,
  PRIMARY KEY (message_id, tbl, key)
);
CREATE INDEX stats_cells_by_period ON stats_cells (period_start, period_end);
PRAGMA user_version = 1;
)sql";

// Version 2: attachments (crypto/body_format.h), one sealed row per file of a
// received message (owner "messages") or a queued document ("outbox").
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE attachments (
  owner TEXT NOT NULL CHECK (owner IN ('messages', 'outbox')),
  id    TEXT NOT NULL,
  idx   INTEGER NOT NULL,
  file  BLOB NOT NULL,
  PRIMARY KEY (owner, id, idx)
);
PRAGMA user_version = 2;
)sql";

// Version 3: the inbox's filters (Store::messages, newest first, a page at a
// time: type, status, both, urgency) walk an index in received order instead
// of scanning every row.
constexpr const char* kSchemaV3 = R"sql(
DROP INDEX IF EXISTS messages_by_status;
CREATE INDEX messages_by_status ON messages (status, received_ms, id);
CREATE INDEX IF NOT EXISTS messages_by_type ON messages (type, received_ms, id);
CREATE INDEX IF NOT EXISTS messages_by_type_status ON messages (type, status, received_ms, id);
CREATE INDEX IF NOT EXISTS messages_by_urgency ON messages (urgency, received_ms, id);
PRAGMA user_version = 3;
)sql";

}  // namespace

Status restrict_store_side_files(const std::string& db_path) {
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::string p = db_path + suffix;
    if (::chmod(p.c_str(), 0600) != 0 && errno != ENOENT)
      return Status::IOError("store: cannot chmod " + p + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

Result<OpenedStoreFile> open_store_file(const std::string& state_dir) {
  if (state_dir.empty())
    return Status::Config("store: no state_dir is set; set state_dir in the [agent] section of the configuration");
  RELAIS_RETURN_IF_ERROR(check_state_dir(state_dir));
  const std::string path = state_dir + "/store.db";
  RELAIS_RETURN_IF_ERROR(prepare_db_file(path));

  OpenedStoreFile out;
  auto db = SqliteDb::open(path);
  if (!db.ok()) return db.status();
  out.db = std::move(db).value();
  RELAIS_RETURN_IF_ERROR(set_pragmas(*out.db));

  auto txn = SqliteTransaction::begin(*out.db, true, "open the store");
  if (!txn.ok()) return txn.status();
  out.txn = std::make_unique<SqliteTransaction>(std::move(txn).value());
  auto version = out.db->query_int("PRAGMA user_version", "read the store's version");
  if (!version.ok()) return version.status();
  if (*version > kStoreSchemaVersion)
    return Status::Config("store: " + path + " has version " + std::to_string(*version) + ", newer than this program "
                          "knows (" + std::to_string(kStoreSchemaVersion) + "); use a newer relais-agent");
  if (*version == 0) {
    auto tables = out.db->query_int("SELECT count(*) FROM sqlite_schema", "read the store's tables");
    if (!tables.ok()) return tables.status();
    if (*tables != 0)
      return Status::Config("store: " + path + " is a SQLite file, but not a Relais store; move it aside");
    RELAIS_RETURN_IF_ERROR(out.db->exec(kSchemaV1, "create the store's tables"));
  }
  if (*version <= 1) RELAIS_RETURN_IF_ERROR(out.db->exec(kSchemaV2, "add the attachments table to the store"));
  if (*version <= 2) RELAIS_RETURN_IF_ERROR(out.db->exec(kSchemaV3, "index the store's inbox by type and status"));
  auto values = out.db->query_int(
      "SELECT EXISTS (SELECT 1 FROM messages) OR EXISTS (SELECT 1 FROM outbox)", "read the store");
  if (!values.ok()) return values.status();
  out.has_values = *values != 0;
  return out;
}

}  // namespace relais
