// WitnessHead: one trusted head of a broker's log, kept outside the broker,
// in the relais-witness/1 format (docs/formats.md §Witness states and trusted
// heads). Two kinds of anchor use it:
//   - a witness state: `relais-audit witness` appends one line per checkpoint
//     it witnessed, countersigned by the participant that ran it;
//   - a receipt anchor: the first checkpoint that covers a publisher's
//     receipt, with the receipt's seq, leaf and inclusion path (the agent
//     fetches and checks it: agent/receipt_anchor.h).
// `relais-audit verify --trusted-head FILE` takes either: a log that does not
// hold the head's root at its size (or the receipt's leaf at its seq) is
// DAMAGED.
//
// Signatures:
//   broker_sig  Ed25519 by the broker's sign key over the checkpoint message
//               "relais/checkpoint/v2\0" ‖ epoch u64 ‖ size u64 ‖ root ‖ ts i64 (log/checkpoint.h)
//   witness_sig Ed25519 by the witness participant's sign key over
//               "relais/witness/v1\0" ‖ epoch u64 ‖ size u64 ‖ root(32) ‖ ts i64
// (little-endian integers). epoch is the log epoch: 0 for a log never
// restored; a restore starts a new epoch.
//
// A file is one JSON object per line; blank lines are skipped. Plain values
// and pure functions, apart from reading and appending files.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "crypto/keys.h"
#include "crypto/secret.h"
#include "crypto/uuid.h"
#include "log/checkpoint.h"
#include "util/status.h"

namespace relais {

inline constexpr std::string_view kWitnessFormat = "relais-witness/1";

// The message a receipt anchor ties to the head: the receipt's leaf at seq,
// and its RFC 6962 inclusion path in the tree of the head's size.
struct HeadReceipt {
  Uuid id{};
  uint64_t seq = 0;
  Hash256 leaf{};
  std::vector<Hash256> path;
};

struct WitnessHead {
  Checkpoint checkpoint;           // epoch, size, root, ts and the broker's signature
  std::string witness;             // the participant that countersigned; empty: none
  std::array<uint8_t, 64> witness_sig{};
  int64_t witnessed_ms = 0;        // when the witness countersigned
  std::optional<HeadReceipt> receipt;

  // The bytes witness_sig covers.
  Bytes witness_message() const;
  void countersign(const std::string& name, const SecretBytes& sign_sk, int64_t now_ms);
  bool countersigned_by(const PublicKey& sign_pk) const;
  // The receipt's inclusion path leads to the head's root.
  bool receipt_included() const;

  nlohmann::ordered_json to_json() const;
  // Invalid "... : ..." naming the field that is missing or malformed.
  static Result<WitnessHead> from_json(const nlohmann::json& j);
};

// Reads a relais-witness/1 file (IOError when unreadable; Invalid "FILE line
// N: ..." on a bad line; an empty file holds no head).
Result<std::vector<WitnessHead>> read_witness_file(const std::string& path);
// Appends one line and fsyncs it; creates the file (0600) when missing.
Status append_witness_file(const std::string& path, const WitnessHead& head);

}  // namespace relais
