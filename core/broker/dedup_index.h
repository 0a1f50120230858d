// DedupIndex: the broker's duplicate index, (from, id) key -> the message's
// log seq, for step 10 of the ingest order (docs/design.md §The broker): a retry gets the original ack.
//
// An open-addressing table (linear probing, backward-shift deletion, load at
// most 1/2) of 32-byte slots, plus a FIFO of (expiry, key) for forgetting old
// entries: no allocation per entry, so a restart can rebuild a million
// entries in a few tens of milliseconds and the hot path stays allocation-free.
// Slots are placed by SipHash-2-4 of the key under a random per-process key,
// so a publisher cannot grind message ids into one probe cluster.
// Not thread-safe (the broker's main thread owns it).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "log/log_writer.h"

namespace relais {

class DedupIndex {
 public:
  struct Entry {
    uint64_t seq = 0;  // never 0 for a present entry
    int64_t expires_ms = 0;
  };

  DedupIndex();
  // Room for n entries without growing.
  void reserve(size_t n);
  // Inserts or replaces; seq must not be 0.
  void put(const RecordKey& key, uint64_t seq, int64_t expires_ms);
  // nullptr when absent. Valid until the next put or expire.
  const Entry* find(const RecordKey& key) const;
  // Forgets entries whose expires_ms < now, in insertion order: an entry put
  // with a later expiry than one put after it is forgotten no earlier.
  void expire(int64_t now);
  size_t size() const { return size_; }

 private:
  struct Slot {
    RecordKey key{};
    Entry entry;  // entry.seq == 0: empty slot
  };
  size_t home(const RecordKey& key) const;
  size_t locate(const RecordKey& key) const;  // its slot, or the empty slot where it would go
  void grow(size_t capacity);
  void erase_at(size_t i);

  std::array<uint8_t, 16> hash_key_{};
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
  std::deque<std::pair<int64_t, RecordKey>> fifo_;
};

}  // namespace relais
