// Receipt: the broker's signed statement that a message was logged.
//
// A publish acknowledgement carries one. It binds the envelope id, its log
// sequence number, its Merkle leaf hash and the broker's time under the
// broker's Ed25519 `sign` key (the key whose public half is in the bundle).
//
// Version 3 (the only version): one signature covers a whole batch of
// acknowledgements (those of one group commit), through a small Merkle tree:
//   item  = H(0x00 ‖ "relais/receipt/v3\0" ‖ epoch u64 LE ‖ id(16) ‖ seq u64 LE ‖ leaf(32) ‖ ts i64 LE)
//   tree  = the RFC 6962 tree (merkle::node_hash) over the batch's items
//   sig   = Ed25519("relais/receipt-batch/v3\0" ‖ root(32) ‖ count u32 LE)
// and each receipt carries its item's index, the batch size and the
// inclusion path (RFC 6962 PATH order, at most kMaxReceiptPath hashes).
// Wire form: [3, epoch, id bin16, seq, leaf bin32, ts_ms, index, count, [path bin32...], sig bin64].
// epoch is the log epoch the seq belongs to (docs/log-format.md §Epochs): 0
// for a log never restored; a restore starts the next one, and a receipt of
// an earlier epoch whose seq is above the restore's last seq names a message
// the restore lost.
// This is as binding as one signature per receipt (BLAKE2b-256 is collision
// resistant) at a fraction of the cost under load; docs/protocol.md §Receipts.
//
// An agency keeps it and can later demand an inclusion proof consistent with
// it (relais-audit check-proof --receipt). Plain value types.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "crypto/keys.h"
#include "crypto/secret.h"
#include "crypto/uuid.h"
#include "util/bytes.h"
#include "util/status.h"

namespace relais {

// A batch of 2^16 items has a 16-hash path; larger batches are split.
constexpr size_t kMaxReceiptPath = 16;
constexpr size_t kMaxReceiptBatch = size_t{1} << kMaxReceiptPath;

// What a receipt states.
struct ReceiptFields {
  Uuid id{};
  uint64_t seq = 0;
  std::array<uint8_t, 32> leaf_hash{};
  int64_t ts_ms = 0;
  uint64_t epoch = 0;  // the log epoch of seq
};

struct Receipt {
  uint32_t version = 3;
  uint64_t epoch = 0;  // the log epoch of seq (0: a log never restored)
  Uuid id{};
  uint64_t seq = 0;
  std::array<uint8_t, 32> leaf_hash{};
  int64_t ts_ms = 0;
  uint32_t index = 0;  // position in the signed batch
  uint32_t count = 1;  // size of the signed batch
  std::vector<std::array<uint8_t, 32>> path;  // sibling hashes, bottom up
  std::array<uint8_t, 64> sig{};
};

// Signs items.size() receipts (1..kMaxReceiptBatch) with one signature and
// replaces *out with them, in the same order.
void sign_receipt_batch(std::span<const ReceiptFields> items, const SecretBytes& broker_sign_sk,
                        std::vector<Receipt>* out);
// A batch of one.
Receipt sign_receipt(const ReceiptFields& fields, const SecretBytes& broker_sign_sk);
// Ok, or Invalid "receipt: ..." (a version other than 3, bad signature, path
// inconsistent with index/count).
Status verify_receipt(const Receipt& r, const PublicKey& broker_sign_pk);
// Appends the wire form to *out.
void encode_receipt(const Receipt& r, Bytes* out);
Bytes encode_receipt(const Receipt& r);
// Bounded decode (version 3 only); Invalid "receipt: malformed receipt".
Result<Receipt> decode_receipt(ByteView bytes);

}  // namespace relais
