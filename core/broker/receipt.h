// Receipt: the broker's signed statement that a message was logged.
//
// A publish acknowledgement carries one. It binds the envelope id, its log
// sequence number, its Merkle leaf hash and the broker's time under the
// broker's Ed25519 `sign` key (the key whose public half is in the bundle):
//   sig = Ed25519("relais/receipt/v1\0" || id(16) || seq u64 LE || leaf(32) || ts i64 LE)
// Wire form: msgpack array [1, id(bin16), seq, leaf(bin32), ts_ms, sig(bin64)].
// An agency keeps it and can later demand an inclusion proof consistent with
// it (relais-audit check-proof --receipt). Plain value type.
#pragma once

#include <array>
#include <cstdint>

#include "crypto/keys.h"
#include "crypto/secret.h"
#include "crypto/uuid.h"
#include "util/bytes.h"
#include "util/status.h"

namespace relais {

struct Receipt {
  Uuid id{};
  uint64_t seq = 0;
  std::array<uint8_t, 32> leaf_hash{};
  int64_t ts_ms = 0;
  std::array<uint8_t, 64> sig{};
};

Receipt sign_receipt(const Uuid& id, uint64_t seq, const std::array<uint8_t, 32>& leaf_hash, int64_t ts_ms,
                     const SecretBytes& broker_sign_sk);
Status verify_receipt(const Receipt& r, const PublicKey& broker_sign_pk);
Bytes encode_receipt(const Receipt& r);
Result<Receipt> decode_receipt(ByteView bytes);

}  // namespace relais
