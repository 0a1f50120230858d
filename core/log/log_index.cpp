#include "log/log_index.h"

#include <algorithm>
#include <cassert>
#include <limits>

namespace relais {

void LogIndex::add(uint64_t seq, uint64_t segment, const IndexEntry& e) {
  assert(seq == entries_.size() + 1);
  assert(is_leaf_kind(e.kind));
  assert(e.offset < (1ull << 63));
  (void)seq;
  if (seg_starts_.empty() || seg_starts_.back().second != segment) seg_starts_.emplace_back(seq, segment);
  const size_t i = entries_.size();
  entries_.push_back({e.offset << 1 | (is_message_kind(e.kind) ? 1u : 0u), e.ts_ms, e.key});
  const size_t b = i / kBlock;
  if (b == block_max_.size()) {
    block_max_.push_back(b == 0 ? e.ts_ms : std::max(block_max_[b - 1], e.ts_ms));
  } else {
    block_max_[b] = std::max(block_max_[b], e.ts_ms);
  }
}

void LogIndex::relocate(uint64_t seq, uint64_t offset) {
  assert(seq >= 1 && seq <= entries_.size());
  assert(offset < (1ull << 63));
  Entry& e = entries_[seq - 1];
  e.offset_kind = offset << 1 | (e.offset_kind & 1u);
}

std::optional<RecordLocation> LogIndex::locate(uint64_t seq) const {
  if (seq == 0 || seq > entries_.size()) return std::nullopt;
  auto it = std::upper_bound(seg_starts_.begin(), seg_starts_.end(), seq,
                             [](uint64_t s, const std::pair<uint64_t, uint64_t>& e) { return s < e.first; });
  assert(it != seg_starts_.begin());
  --it;
  return RecordLocation{it->second, entries_[seq - 1].offset_kind >> 1};
}

IndexEntry LogIndex::entry(uint64_t seq) const {
  assert(seq >= 1 && seq <= entries_.size());
  const Entry& e = entries_[seq - 1];
  return IndexEntry{e.offset_kind >> 1, e.ts_ms, (e.offset_kind & 1u) ? RecordKind::kMessage : RecordKind::kEvent,
                    e.key};
}

std::optional<uint64_t> LogIndex::first_seq_at_or_after_time(int64_t t, uint64_t limit_seq) const {
  const uint64_t n = std::min<uint64_t>(limit_seq, entries_.size());
  if (n == 0) return std::nullopt;
  // block_max_ is non-decreasing: find the first block whose running max reaches t.
  auto it = std::lower_bound(block_max_.begin(), block_max_.end(), t);
  if (it == block_max_.end()) return std::nullopt;
  for (uint64_t i = static_cast<uint64_t>(it - block_max_.begin()) * kBlock; i < n; ++i)
    if (entries_[i].ts_ms >= t) return i + 1;
  return std::nullopt;
}

void LogIndex::for_each_message_key(uint64_t first_seq, uint64_t limit_seq,
                                    const std::function<void(uint64_t, int64_t, const RecordKey&)>& fn) const {
  const uint64_t n = std::min<uint64_t>(limit_seq, entries_.size());
  for (uint64_t seq = std::max<uint64_t>(first_seq, 1); seq <= n; ++seq) {
    const Entry& e = entries_[seq - 1];
    if (e.offset_kind & 1u) fn(seq, e.ts_ms, e.key);
  }
}

std::optional<std::pair<uint64_t, uint64_t>> LogIndex::segment_range(uint64_t segment) const {
  for (size_t i = 0; i < seg_starts_.size(); ++i) {
    if (seg_starts_[i].second != segment) continue;
    const uint64_t last = i + 1 < seg_starts_.size() ? seg_starts_[i + 1].first - 1 : entries_.size();
    return std::make_pair(seg_starts_[i].first, last);
  }
  return std::nullopt;
}

void LogIndex::truncate(uint64_t last_seq) {
  if (last_seq >= entries_.size()) return;
  entries_.resize(last_seq);
  while (!seg_starts_.empty() && seg_starts_.back().first > last_seq) seg_starts_.pop_back();
  block_max_.clear();
  int64_t m = std::numeric_limits<int64_t>::min();
  for (size_t i = 0; i < entries_.size(); ++i) {
    m = std::max(m, entries_[i].ts_ms);
    if (i % kBlock == kBlock - 1 || i + 1 == entries_.size()) block_max_.push_back(m);
  }
}

}  // namespace relais
