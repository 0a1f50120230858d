// Signed checkpoints of the Merkle tree: (epoch, size, root, ts_ms) signed
// with the broker's Ed25519 `sign` key over
//   "relais/checkpoint/v2\0" ‖ epoch u64 LE ‖ size u64 LE ‖ root(32) ‖ ts_ms i64 LE
// (single-shot Ed25519, libsodium crypto_sign_detached). epoch is the log
// epoch (docs/log-format.md §Epochs): 0 for a log never restored, one more
// after each restore. A checkpoint is
// stored twice: as a kind-4 record inside the log batch that reaches it, and
// appended to the separate append-only file DATA/checkpoints (CRC-framed like
// log records, fsynced), so that a log cut back below a signed size is
// detected even when the cut removed the checkpoint's own record.
// Checkpoint is a plain value; the functions are thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "crypto/secret.h"
#include "log/merkle.h"
#include "util/bytes.h"
#include "util/status.h"

namespace relais {

struct Checkpoint {
  uint64_t epoch = 0;  // the log epoch it was signed in
  uint64_t size = 0;   // number of leaves (message + event records) covered
  Hash256 root{};       // Merkle root of leaves [0, size)
  int64_t ts_ms = 0;   // broker wall-clock time when signed
  std::array<uint8_t, 64> sig{};

  static constexpr size_t kPayloadSize = 1 + 8 + 8 + 32 + 8 + 64;  // kind ‖ epoch ‖ size ‖ root ‖ ts ‖ sig

  // sign_sk: a 64-byte libsodium Ed25519 secret key.
  static Checkpoint sign(uint64_t size, const Hash256& root, int64_t ts_ms, const SecretBytes& sign_sk,
                         uint64_t epoch = 0);
  // The exact bytes that are signed.
  Bytes signed_message() const;
  // True only if sig is a valid signature by the 32-byte Ed25519 public key pk.
  bool verify(ByteView pk) const;

  // Record payload (kind 4 ‖ epoch ‖ size ‖ root ‖ ts ‖ sig) and its strict decoder
  // (Status::Corruption "checkpoint: ..." on a wrong kind or length).
  Bytes encode_payload() const;
  static Result<Checkpoint> decode_payload(ByteView payload);

  bool operator==(const Checkpoint&) const = default;
};

// The checkpoints file, DATA/checkpoints: CRC-framed checkpoint payloads.
// Reads the whole file; on any damage (bad frame, bad crc, bad payload or a
// torn tail) returns Status::Corruption "checkpoints: FILE offset N: FAULT".
// A missing file reads as no checkpoints.
Result<std::vector<Checkpoint>> read_checkpoint_file(const std::string& path);

class FileSystem;

// Appends one framed checkpoint and (if sync) fdatasyncs, through fs (by
// default default_file_system()). Creates the file (mode 0644) if needed.
// Returns Status::IOError on failure, after truncating any partial write away.
Status append_checkpoint_file(const std::string& path, const Checkpoint& cp, bool sync, FileSystem* fs = nullptr);

// Broker recovery: truncates (through fs) a torn tail after the last intact
// framed checkpoint (with a warning) and returns the intact ones.
Result<std::vector<Checkpoint>> recover_checkpoint_file(const std::string& path, FileSystem* fs = nullptr);

}  // namespace relais
