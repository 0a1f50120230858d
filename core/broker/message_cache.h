// MessageCache: durable log records kept in memory after they became
// durable, so that live deliveries do not read the log; older records are
// read back from the log on demand.
//
// Invariants: only durable records enter (the engine inserts on the log's
// completion); an entry is either a message (with its route and envelope) or
// a marker saying the seq is an event, so delivery never reads an event back.
// At most `capacity` entries and `max_bytes` envelope bytes, evicted oldest
// first; bytes() is the broker's own accounting of what it holds.
//
// Erasure: a message whose erasure event is durable is forgotten at once
// (begin_erasure) and, until the log has erased it (end_erasure), loads as
// erased, like an erased-message record read back: route and expiry from its
// core, no envelope. So nothing is delivered once its erasure is on record.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "broker/routes.h"
#include "log/log_writer.h"
#include "util/bytes.h"

namespace relais {

struct CachedMessage {
  uint64_t seq = 0;
  std::shared_ptr<const TopicRoute> route;
  int64_t expires_ms = 0;  // the envelope's expiry (wall clock ms); 0: none
  // An exact copy, not the frame it arrived in: a received ZeroMQ frame can
  // pin a receive buffer several times its size (docs/performance.md).
  Bytes envelope;
  bool erased = false;  // its ciphertext is erased (or its erasure is on record): not deliverable
};

class MessageCache {
 public:
  MessageCache(const Log& log, size_t capacity, size_t max_bytes)
      : log_(log), capacity_(capacity), max_bytes_(max_bytes) {}

  // Remembers a durable record; m is nullptr for an event (not deliverable).
  void insert(uint64_t seq, std::shared_ptr<CachedMessage> m);
  // The message at seq, from memory or the log. nullptr for an event, an
  // unreadable record (logged as an error) or an unknown seq; *is_message
  // says whether a message was found.
  std::shared_ptr<CachedMessage> load(uint64_t seq, bool* is_message);
  // The erasure of these seqs is on record / done in the log (see above).
  void begin_erasure(const std::vector<uint64_t>& seqs);
  void end_erasure(const std::vector<uint64_t>& seqs);
  size_t size() const { return recent_.size(); }
  size_t bytes() const { return bytes_; }

 private:
  void evict_oldest();

  const Log& log_;
  size_t capacity_;
  size_t max_bytes_;
  size_t bytes_ = 0;
  std::unordered_map<uint64_t, std::shared_ptr<CachedMessage>> recent_;
  std::deque<uint64_t> order_;
  std::unordered_set<uint64_t> erasing_;
};

}  // namespace relais
