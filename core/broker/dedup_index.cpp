#include "broker/dedup_index.h"

#include <cassert>
#include <cstring>
#include <sodium.h>

namespace relais {

DedupIndex::DedupIndex() {
  if (sodium_init() < 0) std::abort();
  randombytes_buf(hash_key_.data(), hash_key_.size());
  grow(1024);
}

size_t DedupIndex::home(const RecordKey& key) const {
  uint8_t h[crypto_shorthash_BYTES];
  crypto_shorthash(h, key.data(), key.size(), hash_key_.data());
  uint64_t v;
  std::memcpy(&v, h, sizeof v);
  return static_cast<size_t>(v) & mask_;
}

size_t DedupIndex::locate(const RecordKey& key) const {
  size_t i = home(key);
  while (slots_[i].entry.seq != 0 && slots_[i].key != key) i = (i + 1) & mask_;
  return i;
}

void DedupIndex::grow(size_t capacity) {
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  for (const Slot& s : old)
    if (s.entry.seq != 0) slots_[locate(s.key)] = s;
}

void DedupIndex::reserve(size_t n) {
  size_t capacity = slots_.size();
  while (capacity < 2 * n) capacity *= 2;
  if (capacity != slots_.size()) grow(capacity);
}

void DedupIndex::put(const RecordKey& key, uint64_t seq, int64_t expires_ms) {
  assert(seq != 0);
  if (2 * (size_ + 1) > slots_.size()) grow(2 * slots_.size());
  Slot& s = slots_[locate(key)];
  if (s.entry.seq == 0) {
    s.key = key;
    ++size_;
  }
  s.entry = Entry{seq, expires_ms};
  fifo_.emplace_back(expires_ms, key);
}

const DedupIndex::Entry* DedupIndex::find(const RecordKey& key) const {
  const Slot& s = slots_[locate(key)];
  return s.entry.seq != 0 ? &s.entry : nullptr;
}

// Backward-shift deletion: later members of the probe run move up so that no
// lookup ever stops early at the hole.
void DedupIndex::erase_at(size_t i) {
  size_t j = i;
  while (true) {
    j = (j + 1) & mask_;
    if (slots_[j].entry.seq == 0) break;
    const size_t k = home(slots_[j].key);
    // Slot j may stay only if its home lies cyclically in (i, j].
    const bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
    if (!stays) {
      slots_[i] = slots_[j];
      i = j;
    }
  }
  slots_[i].entry = Entry{};
  --size_;
}

void DedupIndex::expire(int64_t now) {
  while (!fifo_.empty() && fifo_.front().first < now) {
    const size_t i = locate(fifo_.front().second);
    if (slots_[i].entry.seq != 0 && slots_[i].entry.expires_ms < now) erase_at(i);
    fifo_.pop_front();
  }
}

}  // namespace relais
