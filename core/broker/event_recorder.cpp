#include "broker/event_recorder.h"

#include <algorithm>

namespace relais {

void EventRecorder::commit(uint64_t token) { log_.submit_event(token, clock_.now_ms(), builder_.bytes()); }

void EventRecorder::refusal(std::string_view who, ErrorCode code, std::string_view why, std::string_view topic,
                            const Uuid* id) {
  const uint32_t fields = 3 + (topic.empty() ? 0 : 1) + (id ? 1 : 0);
  builder_.begin("refusal", fields).str("who", who).str("code", error_code_name(code)).str("why", why);
  if (!topic.empty()) builder_.str("topic", topic);
  if (id) builder_.bin("id", ByteView(id->data(), id->size()));
  commit();
}

void EventRecorder::note_gathered() {
  if (since_ms_ == 0) since_ms_ = std::max<int64_t>(clock_.monotonic_ms(), 1);
}

void EventRecorder::delivered(const std::string& who, uint32_t sub_id, uint64_t seq, uint32_t count) {
  note_gathered();
  delivered_.push_back({who, sub_id, seq, count});
}

void EventRecorder::acked(const std::string& who, uint64_t seq) {
  note_gathered();
  acked_.emplace_back(who, seq);
}

int EventRecorder::due_in_ms(int cap) const {
  if (since_ms_ == 0) return cap;
  return static_cast<int>(std::clamp<int64_t>(since_ms_ + batch_ms_ - clock_.monotonic_ms(), 0, cap));
}

void EventRecorder::flush(bool force) {
  if (delivered_.empty() && acked_.empty()) return;
  if (!force && clock_.monotonic_ms() - since_ms_ < batch_ms_ && gathered() < kMaxBatchItems) return;
  since_ms_ = 0;
  if (!delivered_.empty()) {
    builder_.begin("delivery", 1).array("items", static_cast<uint32_t>(delivered_.size()));
    auto& p = builder_.raw();
    for (const auto& d : delivered_) {
      p.pack_array(4);
      p.pack_str(static_cast<uint32_t>(d.who.size()));
      p.pack_str_body(d.who.data(), static_cast<uint32_t>(d.who.size()));
      p.pack_uint32(d.sub_id);
      p.pack_uint64(d.seq);
      p.pack_uint32(d.count);
    }
    commit();
    delivered_.clear();
  }
  if (!acked_.empty()) {
    builder_.begin("ack", 1).array("items", static_cast<uint32_t>(acked_.size()));
    auto& p = builder_.raw();
    for (const auto& [who, seq] : acked_) {
      p.pack_array(2);
      p.pack_str(static_cast<uint32_t>(who.size()));
      p.pack_str_body(who.data(), static_cast<uint32_t>(who.size()));
      p.pack_uint64(seq);
    }
    commit();
    acked_.clear();
  }
}

}  // namespace relais
