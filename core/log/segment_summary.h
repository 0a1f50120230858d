// Segment summaries: DATA/NNNNNNNNNNNNNNNNNNNN.sum, written by the Log's
// writer when it seals a segment (at rollover) and by recovery after it had
// to scan a sealed segment. A summary lets Log::open rebuild the index and
// the Merkle frontier of a sealed segment without reading it
// (docs/log-format.md §Segment summaries gives the byte grammar).
//
// A summary is only an accelerator: recovery uses it when it decodes, its
// CRC32C matches, it names the segment, its byte size equals the segment
// file's and its first seq continues the log; otherwise it scans the segment.
// The last segment is always scanned. `relais-audit verify` never uses them.
// Functions are thread-safe (they touch only the files they are given).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "log/checkpoint.h"
#include "log/log_index.h"
#include "log/merkle.h"
#include "log/segment.h"
#include "util/bytes.h"
#include "util/status.h"

namespace relais {

struct SegmentSummary {
  uint64_t segment = 0;       // segment number
  uint64_t size = 0;          // byte size of the segment file it describes
  uint64_t first_seq = 0;     // seq the segment's first leaf has (or would have): last seq before it + 1
  uint64_t records = 0;       // records of every kind in the segment
  MerkleFrontier frontier;    // after the segment's last record (size = first_seq - 1 + leaves)
  std::optional<Checkpoint> last_checkpoint;  // the last checkpoint record in the segment
  std::vector<IndexEntry> leaves;             // one per message/event record, in seq order
  // After decode: the encoded entries (leaf_count() of them), pointing into
  // the decoded bytes, which must outlive this view. Read with leaf_at().
  ByteView leaf_bytes;

  static constexpr size_t kEntrySize = 8 + 8 + 1 + 16;
  size_t leaf_count() const { return leaf_bytes.size() / kEntrySize; }
  IndexEntry leaf_at(size_t i) const;

  // The file's bytes: fields, then a CRC32C over all of them (encodes `leaves`).
  Bytes encode() const;
  // Strict decoder: Status::Corruption "summary: ..." on a bad magic, length,
  // CRC, kind, non-increasing offsets, or a frontier that does not fit. Every
  // entry is checked; `leaves` is filled only with copy_leaves (else use
  // leaf_at, which needs `data` alive).
  static Result<SegmentSummary> decode(ByteView data, bool copy_leaves = true);
};

std::string summary_file_name(uint64_t number);  // "NNNNNNNNNNNNNNNNNNNN.sum"

class FileSystem;

// Writes DATA/NNNN.sum as a temporary file renamed over the name, through fs
// (by default default_file_system()); with sync, syncs the file before the
// rename and the folder after it.
Status write_segment_summary(const std::string& dir, const SegmentSummary& s, bool sync, FileSystem* fs = nullptr);

// Reads and decodes DATA/NNNN.sum (copying its leaves); NotFound if it does
// not exist. The file may hold at most one entry per 25 bytes of segment_size
// (the smallest record).
Result<SegmentSummary> read_segment_summary(const std::string& dir, uint64_t number, uint64_t segment_size);

// As read_segment_summary, without copying the leaves: the file stays mapped
// in *map, which leaf_bytes points into.
Result<SegmentSummary> map_segment_summary(const std::string& dir, uint64_t number, uint64_t segment_size,
                                           MappedSegment* map);

}  // namespace relais
