// The duplicate key of a message: (from, id) in 16 bytes,
//   BLAKE2b-128("relais/dedup/v1" ‖ from ‖ 0x00 ‖ id)
// The broker keys its duplicate index on it and hands it to the log with each
// message (LogOptions::message_key derives it again for records no segment
// summary covers), so a restart rebuilds the index without reading envelopes.
// The derivation is part of the data folder's format: changing it makes a
// restarted broker miss duplicates of messages logged before. Thread-safe.
#pragma once

#include <cstring>
#include <string_view>

#include "crypto/uuid.h"
#include "log/log_writer.h"

namespace relais {

RecordKey dedup_key(std::string_view from, const Uuid& id);
// The key of an envelope given as bytes (a borrowed decode: no copies, no
// hashing); all-zero when the bytes are not an envelope. This is the
// LogOptions::message_key of every log the broker writes.
RecordKey envelope_dedup_key(ByteView envelope);
// The same key from the core of an erased-message record (its envelope is
// gone); all-zero when the bytes are not an envelope's core. The
// LogOptions::erased_key of every log the broker writes.
RecordKey core_dedup_key(ByteView core);

// For unordered containers: the key is already a uniform hash.
struct RecordKeyHash {
  size_t operator()(const RecordKey& k) const noexcept {
    size_t h;
    std::memcpy(&h, k.data(), sizeof h);
    return h;
  }
};

}  // namespace relais
