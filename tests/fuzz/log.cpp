// The log segment reader: framing (parse_frame) and record payloads
// (decode_payload) over a whole segment image, as recovery and audit read it.
#include "fuzz/harnesses.h"
#include "log/record.h"

namespace relais::fuzz {

int fuzz_log(const uint8_t* data, size_t size) {
  const ByteView segment(data, size);
  uint64_t offset = 0;
  while (offset < size) {
    ByteView payload;
    uint64_t next = 0;
    const FrameFault fault = parse_frame(segment, offset, &payload, &next);
    (void)frame_fault_name(fault);
    if (fault != FrameFault::kNone) break;
    FUZZ_CHECK(next > offset && next <= size);
    FUZZ_CHECK(payload.data() >= data && payload.data() + payload.size() <= data + size);
    auto rec = decode_payload(payload);
    if (rec.ok()) {
      (void)record_kind_name(rec->kind);
      if (is_leaf_kind(rec->kind)) (void)leaf_hash(*rec);
    }
    offset = next;
  }
  return 0;
}

}  // namespace relais::fuzz
