// LogReader: strict sequential scan of every record of every segment of a
// data folder, for the auditor and tests. Needs no writer and no lock and
// works on a read-only copy (it only reads; it never truncates or repairs).
//
// Each record is reported with its segment file name, offset, kind, seq, ts,
// hashes and payload. Any damage ends the scan with Status::Corruption
//   "log: segment NAME offset N: FAULT"
// where FAULT is one of: bad crc, bad length, truncated record, truncated
// record header, bad payload (...), sequence gap (expected S, found T),
// commit marker out of order, checkpoint out of order, or "segment N is
// missing". A log that ends inside a record is damage: only the broker's own
// recovery may cut a tail. Checkpoint roots and signatures are NOT checked
// here (the auditor does that with MerkleTree and the bundle's key).
// Not thread-safe; one reader per thread. An entry's views stay valid after
// later next() calls (even on other threads) while a copy of mapping() taken
// right after the entry was read is held.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "log/record.h"
#include "log/segment.h"
#include "util/status.h"

namespace relais {

struct LogEntry {
  std::string segment;   // file name, e.g. "00000000000000000001.log"
  uint64_t offset = 0;   // offset of the record header in that file
  uint32_t length = 0;   // payload length
  RecordView record;     // views into the reader's mapping: valid until the next call to next()
  Hash256 leaf_hash{};    // message/event records only
};

class LogReader {
 public:
  // IOError if dir is unreadable; Corruption if a segment is missing.
  static Result<std::unique_ptr<LogReader>> open(const std::string& dir);
  // As open, but the scan starts at segments()[first_segment] (<= the count)
  // as if `last_seq` leaves came before it: the caller vouches for the
  // earlier segments (the auditor's verify from a witnessed head).
  static Result<std::unique_ptr<LogReader>> open_at(const std::string& dir, size_t first_segment,
                                                    uint64_t last_seq);
  // true and *out filled; false at the clean end of the log; or Corruption.
  Result<bool> next(LogEntry* out);
  const std::vector<SegmentFile>& segments() const { return segments_; }
  uint64_t last_seq() const { return last_seq_; }
  // The mapping of the segment the last entry came from (null before the
  // first entry), and that segment's index in segments().
  const std::shared_ptr<const MappedSegment>& mapping() const { return map_; }
  size_t segment_index() const { return seg_; }

 private:
  LogReader() = default;
  Status fault(uint64_t offset, const std::string& what) const;

  std::vector<SegmentFile> segments_;
  size_t seg_ = 0;
  std::shared_ptr<const MappedSegment> map_;  // null: segment seg_ not mapped yet
  uint64_t off_ = 0;
  uint64_t last_seq_ = 0;
};

}  // namespace relais
