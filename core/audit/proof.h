// Inclusion proofs for one message (relais-audit prove / check-proof).
//
// A proof is one JSON document, format "relais-proof/1":
//   {"format":"relais-proof/1",
//    "message":   {"id","from","topic","seq","logged","core"(base64 of the exact core bytes)},
//    "leaf":      {"kind":"message","seq","ts"(ms),"core_hash","ct_hash","leaf_hash"} (hex),
//    "inclusion": {"index"(= seq - 1),"tree_size","path":[hex ...]}   (RFC 9162 §2.1.3),
//    "checkpoint":{"epoch","size","root"(hex),"ts"(ms),"sig"(base64)}  (epoch: 0 when absent),
//    "broker":    {"name","sign_pk"(base64),"key_id"(first 8 bytes of BLAKE2b-256(sign_pk), hex)}}
// The leaf commits to BLAKE2b(core), and core holds the id, sender, topic and
// readers, so the checker ties the id it is shown to the signed root. The
// ciphertext is not needed (proofs survive crypto-shredding).
//
// make_proof proves against the latest signed checkpoint that covers the
// message (from the log or DATA/checkpoints), after checking that
// checkpoint's signature and root against the log. check_proof needs only
// the proof, the bundle (for the broker's key) and optionally the receipt.
// Pure functions apart from reading DATA; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "crypto/uuid.h"
#include "policy/bundle.h"
#include "util/bytes.h"
#include "util/status.h"

namespace relais {

// NotFound when no message has that id or no signed checkpoint covers it
// yet; Corruption when the log is damaged or the checkpoint does not match it.
Result<nlohmann::json> make_proof(const std::string& data_dir, const TrustBundle& bundle, const Uuid& id);

// What a valid proof establishes. seq, tree_size, checkpoint_ts_ms and the
// leaf's time are always authenticated (leaf hash, inclusion path, signed
// checkpoint). id, from and topic are authenticated when core_checked (the
// proof carries the core whose hash the leaf commits to); without the core,
// from and topic are only what the proof shows and id is authenticated only
// when receipt_checked (the broker's signed receipt names it).
struct ProofCheck {
  std::string id, from, topic;
  uint64_t seq = 0;
  uint64_t tree_size = 0;
  int64_t leaf_ts_ms = 0;  // when the broker logged it (the leaf's time)
  int64_t checkpoint_ts_ms = 0;
  uint64_t epoch = 0;  // the log epoch the checkpoint was signed in
  bool core_checked = false;
  bool receipt_checked = false;
  bool id_authenticated() const { return core_checked || receipt_checked; }
};

// Status::Invalid "proof: ..." (or "receipt: ...") naming the first check
// that fails; receipt: the bytes saved by `relais-agent publish --receipt`.
// Every field of the document is checked against what the signatures cover
// or refused: message.from, .topic and .logged must be the signed core's and
// leaf's, broker.name and .key_id the bundle's broker's, and a field that
// relais-proof/1 does not define is refused.
Result<ProofCheck> check_proof(const nlohmann::json& proof, const TrustBundle& bundle,
                               const std::optional<Bytes>& receipt);

}  // namespace relais
