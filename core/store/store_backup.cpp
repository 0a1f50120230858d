#include "store/store_backup.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/sqlite_db.h"
#include "store/store_file.h"
#include "util/files.h"

namespace relais {

namespace {

std::string folder_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Creates `path` empty, 0600, refusing an existing one: SQLite then fills
// it, keeping its mode.
Status create_private_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST)
      return Status::Invalid(path + " exists already; choose a new file name (a backup never overwrites a file)");
    return Status::IOError("cannot create " + path + ": " + std::strerror(errno));
  }
  ::close(fd);
  return Status::Ok();
}

// Checks a store file that is not in use: SQLite's quick_check, a schema
// version this build knows, a store key table.
Status check_store_copy(SqliteDb& db, const std::string& shown_as) {
  auto version = db.query_int("PRAGMA user_version", "read the schema version");
  if (!version.ok())
    return Status::Invalid(shown_as + " is not a readable store backup (SQLite cannot read it: damaged, or another "
                           "kind of file); check the file name, or use another backup");
  if (*version == 0 || *version > kStoreSchemaVersion)
    return Status::Invalid(shown_as + " is not a store backup this version of relais-agent can restore (schema " +
                           std::to_string(*version) + "; this build knows up to " +
                           std::to_string(kStoreSchemaVersion) + ")");
  const Status damaged = Status::Invalid(shown_as + " is damaged (SQLite's check failed); use another backup");
  auto check = db.prepare("PRAGMA quick_check", "check the backup");
  if (!check.ok()) return damaged;
  auto row = check->step();
  if (!row.ok() || !*row || check->column_text(0) != "ok") return damaged;
  auto keys = db.query_int("SELECT count(*) FROM store_keys", "read the store keys");
  if (!keys.ok() || *keys == 0)
    return Status::Invalid(shown_as + " holds no store key; it is not a backup made by relais-agent backup");
  return Status::Ok();
}

std::string utc_stamp(int64_t now_ms) {
  const std::time_t secs = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

int64_t file_size(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

}  // namespace

Result<std::unique_ptr<DirLock>> service_lock(const std::string& state_dir) {
  DirLockNames names;
  names.file = "service.lock";
  names.in_use = "the state folder {dir} is in use by the running agent service";
  names.fix = "stop the service first (systemctl stop relais-agent@NAME, or Ctrl-C in its terminal), then try again";
  return DirLock::acquire(state_dir, names);
}

Result<StoreBackupResult> backup_store(const std::string& state_dir, const std::string& out) {
  const std::string db_path = state_dir + "/store.db";
  struct stat st{};
  if (::stat(db_path.c_str(), &st) != 0)
    return Status::Invalid("there is no store to back up: " + db_path +
                           " does not exist (check state_dir in the configuration)");
  RELAIS_RETURN_IF_ERROR(create_private_file(out));
  auto fail = [&](Status s) {
    ::unlink(out.c_str());
    ::unlink((out + "-journal").c_str());
    return s;
  };
  {
    auto source = SqliteDb::open(db_path, false);
    if (!source.ok()) return fail(source.status());
    (*source)->set_busy_timeout(kStoreBusyTimeoutMs);
    auto dest = SqliteDb::open(out);
    if (!dest.ok()) return fail(dest.status());
    if (Status s = (*source)->copy_into(**dest, "copy the store into " + out); !s.ok()) return fail(s);
    // The copy is a plain file: no WAL beside it.
    if (Status s = (*dest)->exec("PRAGMA journal_mode=DELETE", "prepare the backup"); !s.ok()) return fail(s);
    if (Status s = check_store_copy(**dest, out); !s.ok()) return fail(s);
  }
  if (Status s = sync_file(out); !s.ok()) return fail(s);
  if (Status s = sync_dir(folder_of(out)); !s.ok()) return fail(s);
  StoreBackupResult r;
  r.path = out;
  r.bytes = file_size(out);
  auto db = SqliteDb::open(out, false);
  if (!db.ok()) return db.status();
  auto count = [&](const char* sql) { return (*db)->query_int(sql, "count the backup's rows"); };
  if (auto n = count("SELECT count(*) FROM messages"); n.ok()) r.counts.inbox_total = *n;
  if (auto n = count("SELECT count(*) FROM outbox WHERE status = 'queued'"); n.ok()) r.counts.outbox_queued = *n;
  if (auto n = count("SELECT count(*) FROM outbox WHERE status = 'logged'"); n.ok()) r.counts.outbox_logged = *n;
  r.counts.file_bytes = r.bytes;
  return r;
}

Result<StoreBackupResult> restore_store(const std::string& state_dir, const std::string& from,
                                        const Identity& identity, const std::vector<const Identity*>& retired,
                                        int64_t now_ms) {
  struct stat st{};
  if (::stat(from.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return Status::Invalid(from + " is not a file; give the backup written by relais-agent backup --out");
  {
    auto source = SqliteDb::open(from, false);
    if (!source.ok()) return Status::Invalid(from + " cannot be opened: " + source.status().message());
    RELAIS_RETURN_IF_ERROR(check_store_copy(**source, from));
  }
  // The state folder (0700, as the store wants it), then the service's lock:
  // from here on no service runs on it.
  if (::mkdir(state_dir.c_str(), 0700) == 0) {
    // A new folder is an entry of its parent: synced there, or a crash could lose the restored store with it.
    RELAIS_RETURN_IF_ERROR(sync_dir(parent_folder(state_dir)));
  } else if (errno != EEXIST) {
    return Status::IOError("cannot create the state folder " + state_dir + ": " + std::strerror(errno));
  }
  auto lock = service_lock(state_dir);
  if (!lock.ok()) return lock.status();

  // The copy is made and opened in a folder of its own, as a store, so that
  // the key is known to open before anything in place changes.
  const std::string staging = state_dir + "/restore.partial";
  for (const char* f : {"/store.db", "/store.db-wal", "/store.db-shm", "/store.db-journal"})
    ::unlink((staging + f).c_str());
  ::rmdir(staging.c_str());
  if (::mkdir(staging.c_str(), 0700) != 0)
    return Status::IOError("cannot create " + staging + ": " + std::strerror(errno));
  auto cleanup = [&](Status s) {
    for (const char* f : {"/store.db", "/store.db-wal", "/store.db-shm", "/store.db-journal"})
      ::unlink((staging + f).c_str());
    ::rmdir(staging.c_str());
    return s;
  };
  const std::string staged = staging + "/store.db";
  if (Status s = create_private_file(staged); !s.ok()) return cleanup(s);
  {
    auto source = SqliteDb::open(from, false);
    if (!source.ok()) return cleanup(source.status());
    auto dest = SqliteDb::open(staged);
    if (!dest.ok()) return cleanup(dest.status());
    if (Status s = (*source)->copy_into(**dest, "copy the backup into " + staged); !s.ok()) return cleanup(s);
  }
  StoreBackupResult r;
  {
    auto opened = Store::open(staging, identity, retired);
    if (!opened.ok()) {
      Status s = opened.status();
      if (s.code() == Code::kRefused)
        return cleanup(Status::Refused(from + " was made with another key: " + s.message() +
                                       ". Nothing was changed; add the old key under retired_identities, or use a "
                                       "backup made since the key changed"));
      return cleanup(s);
    }
    auto counts = (*opened)->counts();
    if (counts.ok()) r.counts = *counts;
  }  // closing the last connection folds the WAL back into store.db
  if (Status s = sync_file(staged); !s.ok()) return cleanup(s);

  // The current store, if any, is kept beside, folded first so that no -wal
  // is left behind with changes of its own.
  const std::string current = state_dir + "/store.db";
  if (::stat(current.c_str(), &st) == 0) {
    {
      auto db = SqliteDb::open(current, false);
      if (!db.ok()) return cleanup(db.status());
      (*db)->set_busy_timeout(kStoreBusyTimeoutMs);
      if (Status s = (*db)->exec("PRAGMA wal_checkpoint(TRUNCATE)", "fold the current store's journal"); !s.ok())
        return cleanup(s);
    }
    r.previous = current + ".before-restore-" + utc_stamp(now_ms);
    if (::rename(current.c_str(), r.previous.c_str()) != 0)
      return cleanup(Status::IOError("cannot keep the current store as " + r.previous + ": " + std::strerror(errno)));
    for (const char* side : {"-wal", "-shm"}) ::unlink((current + side).c_str());
  }
  if (::rename(staged.c_str(), current.c_str()) != 0)
    return cleanup(Status::IOError("cannot move the restored store into place as " + current + ": " +
                                   std::strerror(errno) + (r.previous.empty() ? "" : "; the previous one is " + r.previous)));
  (void)cleanup(Status::Ok());
  RELAIS_RETURN_IF_ERROR(sync_dir(state_dir));
  r.path = current;
  r.bytes = file_size(current);
  r.counts.file_bytes = r.bytes;
  return r;
}

}  // namespace relais
