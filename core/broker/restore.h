// Restore of a broker's data folder from a backup into a new log epoch
// (relais-admin restore; docs/log-format.md §Epochs, docs/operations.md
// §Backup and restore of the broker).
//
// restore_data_folder copies a backup (relais-admin backup, or a copy of a
// stopped broker's folder that ends at its last signed checkpoint) into a new
// folder, then opens its log in the next epoch (the backup's last
// checkpoint's epoch + 1) with the broker's identity, logs the `restored`
// event as the epoch's first record:
//   restored {epoch, previous_epoch, size, root, last_known_seq}
// (size and root: the backup's last checkpoint; last_known_seq: the highest
// seq anyone may hold, N, or the string "unknown"), and closes the log, which
// signs a checkpoint of the new epoch covering it. Seqs continue from the
// backup's. Cursors are clamped to the backup's last seq + 1.
// The destination must not exist or be empty (Invalid); the backup is only
// read; a failed restore removes what it wrote there. Config/IOError/Corruption as opening the broker would give them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "config/broker_config.h"
#include "log/checkpoint.h"
#include "util/status.h"

namespace relais {

struct RestoreOptions {
  std::string from;                       // the backup folder
  std::string data;                       // the new data folder
  std::optional<uint64_t> last_known_seq;  // the highest seq anyone may hold, when known
};

struct RestoreReport {
  Checkpoint backup;          // the backup's last checkpoint (its last seq is backup.size)
  uint64_t epoch = 0;         // the new epoch
  uint64_t restored_seq = 0;  // the seq of the restored event (backup.size + 1)
  Checkpoint first;           // the new epoch's first checkpoint
};

// The restored event's body, as restore_data_folder logs it (broker/event.h).
Bytes restored_event_body(uint64_t epoch, uint64_t previous_epoch, uint64_t size, const Hash256& root,
                          std::optional<uint64_t> last_known_seq);

// config: the broker's configuration (its identity and bundle); its
// data_dir is replaced by options.data.
Result<RestoreReport> restore_data_folder(BrokerConfig config, const RestoreOptions& options, int64_t now_ms);

}  // namespace relais
