// Backups of an agency's store: `relais-agent backup --out FILE` and
// `relais-agent restore --from FILE` (docs/operations.md, "At an agency").
//
// backup_store(state_dir, out) copies state_dir/store.db into a new file
// `out` with SQLite's online backup: one consistent snapshot, taken while the
// service runs. The copy is a store like the original: every body sealed
// under the store key, the store key wrapped to the agency's seal key (the
// table store_keys travels with it), so the file is useless without the
// agency's key file, and the key file is what must be kept safe apart. `out`
// is created 0600 and never overwritten (an existing one is
// Status::Invalid); it is fsynced with its folder and checked
// (PRAGMA quick_check) before the call returns.
//
// restore_store(state_dir, from, identity, retired, now) puts a backup back.
// The service must be stopped: the call takes the service's lock on the
// state folder (service_lock below), and a running service makes it
// Status::Refused saying to stop it. The backup is checked first (an
// SQLite file that passes quick_check, of a schema version this build
// knows, whose store key this identity or a retired one unwraps: else
// Status::Invalid / Refused, naming the reason and nothing is changed); then
// it is copied into state_dir, the current store.db is kept beside it as
// store.db.before-restore-<UTC time> (0600: nothing is deleted), and the
// copy is renamed into place and fsynced.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "crypto/keys.h"
#include "log/dir_lock.h"
#include "store/store.h"
#include "util/status.h"

namespace relais {

struct StoreBackupResult {
  std::string path;        // the file written, or the store restored
  std::string previous;    // restore: where the replaced store.db was kept ("" when there was none)
  int64_t bytes = 0;       // size of the file
  StoreCounts counts;      // what the backup holds
};

Result<StoreBackupResult> backup_store(const std::string& state_dir, const std::string& out);

Result<StoreBackupResult> restore_store(const std::string& state_dir, const std::string& from,
                                        const Identity& identity, const std::vector<const Identity*>& retired,
                                        int64_t now_ms);

// The agent service's lock on its state folder (state_dir/service.lock),
// held while `relais-agent run` runs; Status::Refused naming the pid and
// how to stop the service when another process holds it.
Result<std::unique_ptr<DirLock>> service_lock(const std::string& state_dir);

}  // namespace relais
