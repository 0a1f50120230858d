// LogIndex: in-memory index of the leaves (message and event records) of a
// log: seq -> (segment number, offset of the record's header) and
// time -> first seq. 16 bytes per record plus 8 bytes per 64 records.
// Sequence numbers are dense from 1. Broker timestamps may step backwards
// (clock adjustments), so the time lookup uses a running maximum: it returns
// the first seq whose ts_ms >= t, which is exact for any ts order.
// Not thread-safe: the Log guards it with a shared_mutex.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace relais {

struct RecordLocation {
  uint64_t segment = 0;  // segment number (file NNNN....log)
  uint64_t offset = 0;   // offset of the record's 8-byte header
};

class LogIndex {
 public:
  // Appends seq = last_seq() + 1; asserts on any other seq.
  void add(uint64_t seq, uint64_t segment, uint64_t offset, int64_t ts_ms);
  uint64_t last_seq() const { return entries_.size(); }
  std::optional<RecordLocation> locate(uint64_t seq) const;
  // First seq (<= limit_seq) whose ts_ms >= t, or nullopt if none.
  std::optional<uint64_t> first_seq_at_or_after_time(int64_t t, uint64_t limit_seq) const;
  // Drops every seq > last_seq.
  void truncate(uint64_t last_seq);

 private:
  struct Entry {
    uint64_t offset;
    int64_t ts_ms;
  };
  static constexpr uint64_t kBlock = 64;
  std::vector<Entry> entries_;                             // [seq - 1]
  std::vector<std::pair<uint64_t, uint64_t>> seg_starts_;  // (first seq, segment number), ascending
  std::vector<int64_t> block_max_;                         // running max ts up to the end of each block
};

}  // namespace relais
