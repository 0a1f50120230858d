// Segment rewriting for erasure (docs/log-format.md §Erasure): the copy of a
// sealed segment in which chosen message records become erased-message
// records. Every other record is copied byte for byte, so commit markers,
// checkpoints, events and every leaf hash stay what they were; only the
// offsets after the first erased record move.
//
// write_erased_copy reads the segment through a read-only mapping, checks
// each record's frame (length, CRC) and payload as it copies, and writes the
// copy to tmp_path through fs (created, written, synced when asked). It never
// touches the segment itself: the caller renames the copy over it (Log::
// erase_messages). A message to erase whose envelope does not decode, or
// whose core does not hash to the record's core_hash, is Corruption: nothing
// is erased on the strength of a record that is not what it claims.
// Thread-safe (touches only the files it is given).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "log/file_system.h"
#include "log/segment.h"
#include "util/bytes.h"
#include "util/status.h"

namespace relais {

struct SegmentRewrite {
  uint64_t old_size = 0;
  uint64_t new_size = 0;
  uint64_t erased = 0;  // message records turned into erased-message records
  uint64_t bytes_removed = 0;
  // (seq, new offset of its record header) for every leaf of the segment, in seq order.
  std::vector<std::pair<uint64_t, uint64_t>> leaves;
};

// seqs: ascending; seqs that are not message records of this segment (events,
// records already erased, other segments) are skipped. by: the seq of the
// erasure event (written into each erased record). With erased == 0 nothing
// was written and tmp_path does not exist.
Result<SegmentRewrite> write_erased_copy(const SegmentFile& segment, const std::vector<uint64_t>& seqs, uint64_t by,
                                         const std::string& tmp_path, bool sync, FileSystem* fs = nullptr);

// The name of the copy beside a segment while it is written ("NNNN.log.erasing").
// A crash leaves it behind; Log::open removes it (it is never a segment).
std::string erasing_file_name(uint64_t number);

}  // namespace relais
