// EventRecorder: how the engine puts events on record (core/broker/event.h
// lists them). Most events are written as they happen; delivery and ack
// events, which nobody waits on and which come one per message, are gathered
// and written as one record each at most every `batch_ms` (0: at every
// flush), when kMaxBatchItems gather, and always on flush(true).
//
// Use: begin(kind, n) and the builder's fields, then commit(). Events carry
// no message plaintext and no key. Not thread-safe (the engine's thread).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "broker/event.h"
#include "broker/ports.h"
#include "crypto/uuid.h"
#include "log/log_writer.h"
#include "net/protocol.h"

namespace relais {

class EventRecorder {
 public:
  static constexpr size_t kMaxBatchItems = 4096;

  EventRecorder(Log& log, const Clock& clock, int64_t batch_ms) : log_(log), clock_(clock), batch_ms_(batch_ms) {}

  EventBuilder& begin(std::string_view kind, uint32_t fields) { return builder_.begin(kind, fields); }
  // Submits the event built since begin(). With a token (never 0, never one
  // of the ingest pipeline's), the log's completion carries it, so that the
  // engine learns the event's seq.
  void commit(uint64_t token = 0);
  // A refusal event: who, the code's name, why, and the topic and id when known.
  void refusal(std::string_view who, ErrorCode code, std::string_view why, std::string_view topic = {},
               const Uuid* id = nullptr);

  void delivered(const std::string& who, uint32_t sub_id, uint64_t seq, uint32_t count);
  void acked(const std::string& who, uint64_t seq);
  // Writes the gathered delivery and ack events when due, or now with force.
  void flush(bool force);
  // How long the caller may wait before flush() has work: at most cap.
  int due_in_ms(int cap) const;
  size_t gathered() const { return delivered_.size() + acked_.size(); }

 private:
  struct DeliveryNote {
    std::string who;
    uint32_t sub_id;
    uint64_t seq;
    uint32_t count;
  };
  void note_gathered();

  Log& log_;
  const Clock& clock_;
  int64_t batch_ms_;
  EventBuilder builder_;
  int64_t since_ms_ = 0;  // monotonic time of the oldest gathered event; 0: none
  std::vector<DeliveryNote> delivered_;
  std::vector<std::pair<std::string, uint64_t>> acked_;
};

}  // namespace relais
