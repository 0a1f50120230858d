// LogIndex: in-memory index of the leaves (message and event records) of a
// log: seq -> (segment number, offset of the record's header, kind, broker
// ts, record key) and time -> first seq. 32 bytes per record plus 8 bytes per
// 64 records (1M records: about 32 MB).
// Sequence numbers are dense from 1. Broker timestamps may step backwards
// (clock adjustments), so the time lookup uses a running maximum: it returns
// the first seq whose ts_ms >= t, which is exact for any ts order.
// Not thread-safe: the Log guards it with a shared_mutex.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "log/record.h"

namespace relais {

struct RecordLocation {
  uint64_t segment = 0;  // segment number (file NNNN....log)
  uint64_t offset = 0;   // offset of the record's 8-byte header
};

// One leaf as the index (and a segment summary) knows it.
struct IndexEntry {
  uint64_t offset = 0;   // offset of the record's header in its segment
  int64_t ts_ms = 0;
  RecordKind kind = RecordKind::kMessage;  // kMessage (also for an erased message) or kEvent
  RecordKey key{};       // all-zero for events
};

class LogIndex {
 public:
  // Appends seq = last_seq() + 1; asserts on any other seq or a non-leaf kind.
  void add(uint64_t seq, uint64_t segment, const IndexEntry& e);
  void add(uint64_t seq, uint64_t segment, uint64_t offset, int64_t ts_ms) {
    add(seq, segment, IndexEntry{offset, ts_ms, RecordKind::kEvent, RecordKey{}});
  }
  void reserve(size_t n) { entries_.reserve(n); }
  uint64_t last_seq() const { return entries_.size(); }
  std::optional<RecordLocation> locate(uint64_t seq) const;
  // The entry of seq (1 <= seq <= last_seq()).
  IndexEntry entry(uint64_t seq) const;
  // First seq (<= limit_seq) whose ts_ms >= t, or nullopt if none.
  std::optional<uint64_t> first_seq_at_or_after_time(int64_t t, uint64_t limit_seq) const;
  // fn(seq, ts_ms, key) for each message record with first_seq <= seq <= limit_seq, in seq order.
  void for_each_message_key(uint64_t first_seq, uint64_t limit_seq,
                            const std::function<void(uint64_t, int64_t, const RecordKey&)>& fn) const;
  // The seq range [first, last] of a segment's leaves; nullopt if it holds none.
  std::optional<std::pair<uint64_t, uint64_t>> segment_range(uint64_t segment) const;
  // A rewritten segment (an erasure) moved seq's record to `offset`.
  void relocate(uint64_t seq, uint64_t offset);
  // Drops every seq > last_seq.
  void truncate(uint64_t last_seq);

 private:
  struct Entry {
    uint64_t offset_kind;  // offset << 1 | (kind == kMessage)
    int64_t ts_ms;
    RecordKey key;
  };
  static constexpr uint64_t kBlock = 64;
  std::vector<Entry> entries_;                             // [seq - 1]
  std::vector<std::pair<uint64_t, uint64_t>> seg_starts_;  // (first seq, segment number), ascending
  std::vector<int64_t> block_max_;                         // running max ts up to the end of each block
};

}  // namespace relais
