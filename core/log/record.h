// Log record framing and payloads (docs/log-format.md is the normative grammar).
//
//   record  = len u32 LE ‖ crc32c(payload) u32 LE ‖ payload[len]
//   payload = kind u8 ‖ fields ... (fixed-width little-endian integers)
//     message    (1): seq u64 ‖ ts i64 ‖ core_hash[32] ‖ ct_hash[32] ‖ envelope bytes
//     event      (2): seq u64 ‖ ts i64 ‖ event body (opaque msgpack from the broker)
//     commit     (3): last_seq u64 ‖ ts i64
//     checkpoint (4): epoch u64 ‖ size u64 ‖ root[32] ‖ ts i64 ‖ sig[64]
//     erased-message (5): seq u64 ‖ ts i64 ‖ core_hash[32] ‖ ct_hash[32] ‖
//                   by u64 ‖ sig[64] ‖ core bytes
//       a message whose ciphertext was erased (retention, erasure order):
//       `by` is the seq of the erasure event that grounds it, `sig` the
//       sender's signature and `core` the envelope's core, as received.
//
// message, erased-message and event records are the Merkle leaves (leaf index = seq - 1):
//   message leaf = H(0x00 ‖ "relais/leaf/v1" ‖ 0x01 ‖ seq ‖ ts ‖ core_hash ‖ ct_hash)
//     (an erased message keeps its message's leaf: kind byte 0x01, same hashes)
//   event leaf   = H(0x00 ‖ "relais/leaf/v1" ‖ kind ‖ seq ‖ ts ‖ H(body))
// with H = BLAKE2b-256. All functions are pure and thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "log/checkpoint.h"
#include "log/merkle.h"
#include "util/bytes.h"
#include "util/status.h"

namespace relais {

enum class RecordKind : uint8_t { kMessage = 1, kEvent = 2, kCommit = 3, kCheckpoint = 4, kErasedMessage = 5 };

inline constexpr size_t kRecordHeaderSize = 8;                 // len ‖ crc
// 65 MiB: the largest envelope a broker accepts (limits.max_frame_bytes is at
// most 64 MiB) plus a message record's fixed fields, with room to spare.
inline constexpr uint32_t kMaxRecordPayload = 65u << 20;
inline constexpr size_t kMessageFixedSize = 1 + 8 + 8 + 32 + 32;
inline constexpr size_t kEventFixedSize = 1 + 8 + 8;
inline constexpr size_t kCommitPayloadSize = 1 + 8 + 8;
inline constexpr size_t kErasedFixedSize = kMessageFixedSize + 8 + 64;  // ... by ‖ sig, then core

// A 16-byte opaque key per message record, chosen by the broker (its duplicate
// key). Not part of the record bytes: it lives in the in-memory index and in
// segment summaries only (docs/log-format.md §Segment summaries).
using RecordKey = std::array<uint8_t, 16>;

inline bool is_leaf_kind(RecordKind k) {
  return k == RecordKind::kMessage || k == RecordKind::kEvent || k == RecordKind::kErasedMessage;
}
// A message, erased or not (its leaf, key and index entry are a message's).
inline bool is_message_kind(RecordKind k) { return k == RecordKind::kMessage || k == RecordKind::kErasedMessage; }
const char* record_kind_name(RecordKind k);

// A decoded payload that points into the bytes it was decoded from (which must
// outlive it).
struct RecordView {
  RecordKind kind = RecordKind::kMessage;
  uint64_t seq = 0;        // message/event: its seq; commit: last seq covered; checkpoint: tree size
  int64_t ts_ms = 0;
  Hash256 core_hash{};      // message and erased message
  Hash256 ct_hash{};        // message and erased message
  ByteView body;           // message: envelope bytes; event: event body; erased message: core; else empty
  uint64_t erased_by = 0;  // erased message: the seq of its erasure event
  ByteView sig;            // erased message: the sender's 64-byte signature
  std::optional<Checkpoint> checkpoint;  // checkpoint only
};

// An owning copy, as returned by Log::read.
struct LogRecord {
  RecordKind kind = RecordKind::kMessage;
  uint64_t seq = 0;
  int64_t ts_ms = 0;
  Hash256 core_hash{};
  Hash256 ct_hash{};
  Bytes payload;           // envelope bytes (message), event body (event) or core (erased message)
  uint64_t erased_by = 0;  // erased message: the seq of its erasure event
  std::array<uint8_t, 64> sig{};  // erased message: the sender's signature
};

// Strict payload decoder: Status::Corruption "record: ..." on an unknown kind
// or a length that does not fit the kind.
Result<RecordView> decode_payload(ByteView payload);

// Leaf hash of a message or event (asserts on other kinds). For events the body is hashed.
Hash256 leaf_hash(const RecordView& r);
Hash256 message_leaf_hash(uint64_t seq, int64_t ts_ms, const Hash256& core_hash, const Hash256& ct_hash);
Hash256 event_leaf_hash(uint64_t seq, int64_t ts_ms, ByteView event_body);

// Payload encoders: each appends one complete payload to *out.
void encode_message_payload(Bytes* out, uint64_t seq, int64_t ts_ms, const Hash256& core_hash,
                            const Hash256& ct_hash, ByteView envelope);
void encode_event_payload(Bytes* out, uint64_t seq, int64_t ts_ms, ByteView body);
void encode_commit_payload(Bytes* out, uint64_t last_seq, int64_t ts_ms);
// The erased form of a message record: same seq, ts and hashes (so the same
// leaf), `by` the erasure event's seq, the envelope's sig and core.
void encode_erased_payload(Bytes* out, uint64_t seq, int64_t ts_ms, const Hash256& core_hash, const Hash256& ct_hash,
                           uint64_t by, ByteView sig, ByteView core);

// Appends len ‖ crc ‖ payload to *out.
void append_frame(Bytes* out, ByteView payload);
// Fills the 8-byte header at *header for the payload that follows it.
void write_frame_header(uint8_t* header, ByteView payload);

// Framing faults, in the words used by error messages.
enum class FrameFault { kNone, kTruncatedHeader, kBadLength, kTruncatedRecord, kBadCrc };
const char* frame_fault_name(FrameFault f);

// Parses the frame at `offset` of `data`. On kNone, *payload is the payload
// and *next is the offset after the record.
FrameFault parse_frame(ByteView data, uint64_t offset, ByteView* payload, uint64_t* next);

}  // namespace relais
