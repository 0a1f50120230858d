// Online backup of a broker's data folder (relais-admin backup;
// docs/operations.md §Backup and restore of the broker).
//
// backup_data_folder copies DATA into a new folder while the broker may run
// (DATA/LOCK is not taken: the copy only reads). The copy:
//   - ends at a signed checkpoint, at the commit marker of the batch that
//     carries it, so that it is itself a data folder a broker can open;
//   - holds every record committed when the backup started (so every
//     acknowledged message): it measures the log's last commit marker first,
//     then waits, at most wait_ms, for DATA/checkpoints to hold a checkpoint at
//     least that large (the broker signs one every checkpoint_every records or
//     checkpoint_seconds, and at a clean stop); Refused when none comes;
//   - is taken with shredding paused: DATA/shredding.paused is created first
//     (before the measure, so that every erasure done meanwhile has its event
//     in the copy) and removed at the end, also on failure, unless it was
//     there before (then it is left);
//   - copies the segments (checked frame by frame), DATA/checkpoints up to the
//     backup's checkpoint, bundle.serial, bundles/ and the subscriptions'
//     cursors and DATA/shredder.state, each cursor clamped to the backup's last
//     seq + 1 (records after it are not in the copy); summaries, subtrees,
//     LOCK and the pid file are not copied (a broker rebuilds them);
//   - is checked before it is declared done: its records are read back, and
//     their Merkle root must be the checkpoint's;
//   - fsyncs every file and folder it writes.
// The destination must not exist or be an empty folder (Invalid otherwise);
// when the backup fails, what it wrote there is removed.
// Not thread-safe with itself on one DATA (the pause is shared).
#pragma once

#include <cstdint>
#include <string>

#include "log/checkpoint.h"
#include "util/status.h"

namespace relais {

struct BackupOptions {
  std::string data;              // the broker's data folder
  std::string out;               // the backup folder to create
  int64_t wait_ms = 60000;       // how long to wait for a covering checkpoint
};

struct BackupReport {
  uint64_t committed_at_start = 0;  // the log's committed records when the backup started
  Checkpoint checkpoint;            // the backup ends here: last seq = checkpoint.size
  uint64_t segments = 0;
  uint64_t bytes = 0;               // segment bytes copied
  uint64_t cursors = 0;             // cursor files copied
  uint64_t cursors_clamped = 0;     // of which clamped to the last seq + 1
  bool pause_was_there = false;     // DATA/shredding.paused existed before (left in place)
};

Result<BackupReport> backup_data_folder(const BackupOptions& options);

// The broker's state beside the log, from one data folder to another:
// bundle.serial, bundles/, the cursor files (subscriptions/) and
// shredder.state, each cursor clamped to limit. Files are written durably
// (0600) and never overwritten (Invalid if one exists).
Status copy_broker_state(const std::string& from, const std::string& to, uint64_t limit, BackupReport* rep);

// The last seq of DATA's log that a commit marker covers (0 for an empty
// log), read without the lock: from the last segment that holds a commit
// marker, up to the last intact frame (a batch being written is ignored).
Result<uint64_t> committed_seq_of(const std::string& data_dir);

}  // namespace relais
