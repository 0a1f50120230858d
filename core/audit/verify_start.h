// Where `relais-audit verify --from-witness` starts reading (docs/audit.md
// §Verifying from a witnessed head).
//
// locate_verify_start walks the sealed segments in order through their
// summaries (log/segment_summary.h) while a segment ends at or before the
// witnessed size: each summary must decode, name its segment, give the
// segment file's byte size and continue the previous one's seq. Those
// segments' messages are never read; their event records are (located by
// the summary, framed and CRC-checked one by one) because bundle_loaded and
// broker_start events carry what verify needs after the head. It stops at
// the first segment that may hold leaf size + 1 or that fails any of these
// checks; the caller frames and hashes that segment's leaves up to the head
// itself. The frontier returned is the summary's (untrusted: the caller must
// compare the root at the witnessed size with the witnessed root).
// Pure function over the files it reads; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "log/merkle.h"
#include "log/segment.h"
#include "util/bytes.h"

namespace relais {

// An event record found in a skipped segment.
struct SkippedEvent {
  uint64_t seq = 0;
  int64_t ts_ms = 0;
  uint32_t segment = 0;  // index into the segment list
  uint64_t offset = 0;   // of the record header
  Bytes body;
};

struct VerifyStart {
  size_t first_segment = 0;       // index of the first segment to read record by record (= segments skipped)
  MerkleFrontier frontier;        // of the leaves of the segments before it
  uint64_t skipped_records = 0;   // records of every kind in them
  std::vector<SkippedEvent> events;  // their event records, in seq order
};

// segments: the data folder's segments (list_segments); head_size: the
// witnessed size. Never fails: a missing or inconsistent summary only
// moves the start earlier.
VerifyStart locate_verify_start(const std::string& dir, const std::vector<SegmentFile>& segments,
                                uint64_t head_size);

}  // namespace relais
