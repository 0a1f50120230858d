// Opening store.db: the folder, the file modes, the PRAGMAs and the schema.
// Internal to the store (store.cpp); described in docs/store.md.
//
// open_store_file(state_dir):
//   - state_dir is created 0700 when absent; an existing one that group or
//     others may access is Status::Permission naming it and the chmod;
//   - store.db is created 0600 before SQLite opens it (so it is never
//     readable by others, whatever the umask); an existing looser one is
//     Status::Permission;
//   - PRAGMAs: busy_timeout (kStoreBusyTimeoutMs), journal_mode=WAL,
//     synchronous=FULL, secure_delete=ON, temp_store=MEMORY, foreign_keys=ON;
//   - the schema (PRAGMA user_version kStoreSchemaVersion) is created in a
//     write transaction, which the caller then uses (the store key is read or
//     made in it) and commits; a newer version is Status::Config, an older
//     one is brought up to date in the same transaction (version 2 adds the
//     attachments table, version 3 the inbox's indexes by type and status).
// restrict_store_side_files(path) chmods store.db-wal and -shm to 0600 when
// present.
#pragma once

#include <memory>
#include <string>

#include "store/sqlite_db.h"
#include "util/status.h"

namespace relais {

inline constexpr int64_t kStoreSchemaVersion = 3;  // 2: the attachments table; 3: inbox indexes
inline constexpr int kStoreBusyTimeoutMs = 5000;

struct OpenedStoreFile {
  std::unique_ptr<SqliteDb> db;
  // The write transaction the schema was checked in (declared after db so
  // that it ends first).
  std::unique_ptr<SqliteTransaction> txn;
  bool has_values = false;  // messages or outbox entries exist
};

Result<OpenedStoreFile> open_store_file(const std::string& state_dir);
Status restrict_store_side_files(const std::string& db_path);

}  // namespace relais
