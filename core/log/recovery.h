// Recovery of a data folder at broker start (docs/log-format.md §Recovery). Scans every segment, checks framing, CRCs, payloads, sequence
// continuity and that every in-log checkpoint's root matches the leaves
// before it, and rebuilds the index and the Merkle frontier.
// A sealed (not last) segment with a valid summary (segment_summary.h: CRC
// ok, same segment number and byte size, first seq continues the log) is not
// read: its index entries, keys, frontier and last checkpoint come from the
// summary. The last segment is always scanned. With repair, a sealed segment
// that had to be scanned gets its summary (re)written.
//
// Rules:
//  * Everything up to the last valid commit marker was synced and may have
//    been acknowledged: it is kept.
//  * Damage in the final batch (no valid commit marker after it, or only the
//    final batch's own marker at the very end of the log) or a tail of
//    records without a commit marker was never durably acknowledged under
//    kBatch (each earlier batch was synced before the next was written):
//    it is truncated, with a spdlog warning giving segment, offset and bytes.
//  * Damage anywhere else is corruption: Status::Corruption
//    "log: segment NAME offset N: FAULT ..." and nothing is modified.
//  * Trailing empty segments (a crash right after a rollover) are removed.
// Must run with the folder lock held (Log::open does this).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "log/checkpoint.h"
#include "log/file_system.h"
#include "log/log_index.h"
#include "log/merkle.h"
#include "log/segment.h"
#include "util/status.h"

namespace relais {

struct RecoveredLog {
  std::vector<SegmentFile> segments;  // in order; empty for a new log
  uint64_t tail_size = 0;             // size of the last segment after any truncation
  uint64_t tail_first_seq = 1;        // seq of the last segment's first leaf (or the next one)
  uint64_t tail_records = 0;          // records of every kind kept in the last segment
  std::optional<Checkpoint> tail_last_checkpoint;  // last checkpoint record kept in the last segment
  LogIndex index;
  MerkleFrontier frontier;
  uint64_t last_seq = 0;
  int64_t last_ts_ms = 0;
  uint64_t records = 0;               // records kept, all kinds
  uint64_t truncated_bytes = 0;       // bytes cut from the tail
  std::optional<Checkpoint> last_checkpoint_record;
  uint64_t summarised_segments = 0;   // sealed segments taken from their summary (not read)
  uint64_t scanned_segments = 0;      // segments read and checked record by record
  uint64_t summaries_written = 0;     // summaries (re)written for scanned sealed segments
};

// Derives the key of a message record from its envelope bytes (LogOptions::message_key).
using MessageKeyFn = std::function<RecordKey(ByteView envelope)>;

// repair=false only reports (never truncates, removes or writes anything).
// message_key gives the keys of scanned message records (all-zero when empty),
// unless a summary left by a clean close of the last segment already holds them.
// erased_key gives the keys of scanned erased-message records from their core
// (LogOptions::erased_key; all-zero when empty).
// use_summaries=false scans every segment.
// Every change to the folder (removing an empty segment, truncating a torn
// tail, writing a summary) goes through fs (by default default_file_system());
// segments are read with mmap.
Result<RecoveredLog> recover_log(const std::string& dir, bool repair = true, const MessageKeyFn& message_key = {},
                                 bool use_summaries = true, FileSystem* fs = nullptr,
                                 const MessageKeyFn& erased_key = {});

}  // namespace relais
