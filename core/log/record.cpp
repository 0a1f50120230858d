#include "log/record.h"

#include <cassert>
#include <cstring>

#include "crypto/hashing.h"
#include "log/coding.h"
#include "log/crc32c.h"

namespace relais {
namespace {

constexpr char kLeafContext[] = "relais/leaf/v1";  // hashed without its NUL

void copy_hash(Hash256* dst, const uint8_t* src) { std::memcpy(dst->data(), src, 32); }

Hash256 leaf_from_tail(RecordKind kind, uint64_t seq, int64_t ts_ms, const uint8_t* tail, size_t tail_len) {
  uint8_t head[1 + sizeof kLeafContext - 1 + 1 + 8 + 8];
  size_t n = 0;
  head[n++] = 0x00;
  std::memcpy(head + n, kLeafContext, sizeof kLeafContext - 1);
  n += sizeof kLeafContext - 1;
  head[n++] = static_cast<uint8_t>(kind);
  coding::put_u64(head + n, seq);
  n += 8;
  coding::put_u64(head + n, static_cast<uint64_t>(ts_ms));
  n += 8;
  Blake2b256 h;
  h.update(ByteView(head, n)).update(ByteView(tail, tail_len));
  return h.final();
}

}  // namespace

const char* record_kind_name(RecordKind k) {
  switch (k) {
    case RecordKind::kMessage: return "message";
    case RecordKind::kEvent: return "event";
    case RecordKind::kCommit: return "commit";
    case RecordKind::kCheckpoint: return "checkpoint";
    case RecordKind::kErasedMessage: return "erased-message";
  }
  return "unknown";
}

const char* frame_fault_name(FrameFault f) {
  switch (f) {
    case FrameFault::kNone: return "ok";
    case FrameFault::kTruncatedHeader: return "truncated record header";
    case FrameFault::kBadLength: return "bad length";
    case FrameFault::kTruncatedRecord: return "truncated record";
    case FrameFault::kBadCrc: return "bad crc";
  }
  return "unknown fault";
}

Result<RecordView> decode_payload(ByteView p) {
  if (p.empty()) return Status::Corruption("record: empty payload");
  RecordView r;
  const uint8_t kind = p[0];
  switch (kind) {
    case 1:
      if (p.size() < kMessageFixedSize) return Status::Corruption("record: message payload too short");
      r.kind = RecordKind::kMessage;
      r.seq = coding::get_u64(&p[1]);
      r.ts_ms = static_cast<int64_t>(coding::get_u64(&p[9]));
      copy_hash(&r.core_hash, &p[17]);
      copy_hash(&r.ct_hash, &p[49]);
      r.body = p.subspan(kMessageFixedSize);
      break;
    case 2:
      if (p.size() < kEventFixedSize) return Status::Corruption("record: event payload too short");
      r.kind = RecordKind::kEvent;
      r.seq = coding::get_u64(&p[1]);
      r.ts_ms = static_cast<int64_t>(coding::get_u64(&p[9]));
      r.body = p.subspan(kEventFixedSize);
      break;
    case 3:
      if (p.size() != kCommitPayloadSize) return Status::Corruption("record: commit payload has a wrong length");
      r.kind = RecordKind::kCommit;
      r.seq = coding::get_u64(&p[1]);
      r.ts_ms = static_cast<int64_t>(coding::get_u64(&p[9]));
      break;
    case 4: {
      auto cp = Checkpoint::decode_payload(p);
      if (!cp.ok()) return cp.status();
      r.kind = RecordKind::kCheckpoint;
      r.seq = cp->size;
      r.ts_ms = cp->ts_ms;
      r.checkpoint = *cp;
      break;
    }
    case 5:
      if (p.size() < kErasedFixedSize) return Status::Corruption("record: erased-message payload too short");
      r.kind = RecordKind::kErasedMessage;
      r.seq = coding::get_u64(&p[1]);
      r.ts_ms = static_cast<int64_t>(coding::get_u64(&p[9]));
      copy_hash(&r.core_hash, &p[17]);
      copy_hash(&r.ct_hash, &p[49]);
      r.erased_by = coding::get_u64(&p[kMessageFixedSize]);
      r.sig = p.subspan(kMessageFixedSize + 8, 64);
      r.body = p.subspan(kErasedFixedSize);
      break;
    default:
      return Status::Corruption("record: unknown kind " + std::to_string(kind));
  }
  if (is_leaf_kind(r.kind) && r.seq == 0) return Status::Corruption("record: sequence number 0");
  return r;
}

Hash256 message_leaf_hash(uint64_t seq, int64_t ts_ms, const Hash256& core_hash, const Hash256& ct_hash) {
  uint8_t tail[64];
  std::memcpy(tail, core_hash.data(), 32);
  std::memcpy(tail + 32, ct_hash.data(), 32);
  return leaf_from_tail(RecordKind::kMessage, seq, ts_ms, tail, sizeof tail);
}

Hash256 event_leaf_hash(uint64_t seq, int64_t ts_ms, ByteView event_body) {
  Hash256 body_hash = blake2b_256(event_body);
  return leaf_from_tail(RecordKind::kEvent, seq, ts_ms, body_hash.data(), body_hash.size());
}

Hash256 leaf_hash(const RecordView& r) {
  assert(is_leaf_kind(r.kind));
  if (is_message_kind(r.kind)) return message_leaf_hash(r.seq, r.ts_ms, r.core_hash, r.ct_hash);
  return event_leaf_hash(r.seq, r.ts_ms, r.body);
}

void encode_message_payload(Bytes* out, uint64_t seq, int64_t ts_ms, const Hash256& core_hash,
                            const Hash256& ct_hash, ByteView envelope) {
  coding::append_u8(out, static_cast<uint8_t>(RecordKind::kMessage));
  coding::append_u64(out, seq);
  coding::append_u64(out, static_cast<uint64_t>(ts_ms));
  coding::append_bytes(out, core_hash);
  coding::append_bytes(out, ct_hash);
  coding::append_bytes(out, envelope);
}

void encode_event_payload(Bytes* out, uint64_t seq, int64_t ts_ms, ByteView body) {
  coding::append_u8(out, static_cast<uint8_t>(RecordKind::kEvent));
  coding::append_u64(out, seq);
  coding::append_u64(out, static_cast<uint64_t>(ts_ms));
  coding::append_bytes(out, body);
}

void encode_erased_payload(Bytes* out, uint64_t seq, int64_t ts_ms, const Hash256& core_hash, const Hash256& ct_hash,
                           uint64_t by, ByteView sig, ByteView core) {
  assert(sig.size() == 64);
  coding::append_u8(out, static_cast<uint8_t>(RecordKind::kErasedMessage));
  coding::append_u64(out, seq);
  coding::append_u64(out, static_cast<uint64_t>(ts_ms));
  coding::append_bytes(out, core_hash);
  coding::append_bytes(out, ct_hash);
  coding::append_u64(out, by);
  coding::append_bytes(out, sig);
  coding::append_bytes(out, core);
}

void encode_commit_payload(Bytes* out, uint64_t last_seq, int64_t ts_ms) {
  coding::append_u8(out, static_cast<uint8_t>(RecordKind::kCommit));
  coding::append_u64(out, last_seq);
  coding::append_u64(out, static_cast<uint64_t>(ts_ms));
}

void write_frame_header(uint8_t* header, ByteView payload) {
  assert(payload.size() <= kMaxRecordPayload);
  coding::put_u32(header, static_cast<uint32_t>(payload.size()));
  coding::put_u32(header + 4, crc32c::value(payload));
}

void append_frame(Bytes* out, ByteView payload) {
  const size_t n = out->size();
  out->resize(n + kRecordHeaderSize);
  coding::append_bytes(out, payload);
  write_frame_header(out->data() + n, ByteView(out->data() + n + kRecordHeaderSize, payload.size()));
}

FrameFault parse_frame(ByteView data, uint64_t offset, ByteView* payload, uint64_t* next) {
  if (offset > data.size() || data.size() - offset < kRecordHeaderSize) return FrameFault::kTruncatedHeader;
  const uint8_t* h = data.data() + offset;
  const uint32_t len = coding::get_u32(h);
  if (len == 0 || len > kMaxRecordPayload) return FrameFault::kBadLength;
  if (data.size() - offset - kRecordHeaderSize < len) return FrameFault::kTruncatedRecord;
  ByteView p(h + kRecordHeaderSize, len);
  if (crc32c::value(p) != coding::get_u32(h + 4)) return FrameFault::kBadCrc;
  *payload = p;
  *next = offset + kRecordHeaderSize + len;
  return FrameFault::kNone;
}

}  // namespace relais
