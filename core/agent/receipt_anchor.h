// Receipt anchors: the checkpoint that covers a publisher's receipt, with the
// inclusion proof, kept outside the broker (docs/audit.md §Receipts).
//
// anchor_receipt, given a connected BrokerClient and the receipt bytes the
// broker returned (receipt/receipt.h), fetches the first signed checkpoint
// that covers the receipt's seq (FETCH checkpoint covering:<seq>) and the
// inclusion proof of its seq in that checkpoint (FETCH inclusion), and checks
// them all against the broker's sign key from the bundle: the receipt's
// signature, the checkpoint's, the proof's leaf equal to the receipt's, and
// the path leading to the checkpoint's root. It returns the bytes to store
// (OutboxEntry::anchor, or FILE.anchor beside a --receipt FILE): one
// relais-witness/1 line with the receipt part (receipt/witness_head.h), which
// `relais-agent receipts --export` gathers into a trusted head file for
// `relais-audit verify --trusted-head`.
//
// Errors: Status::NotFound when no checkpoint covers the receipt yet (the
// broker signs one within checkpoint_seconds: try again later); Invalid
// when the receipt, the checkpoint or the proof does not check (the broker
// answered something it did not sign, or for another message); the broker
// client's errors otherwise.
// read_anchor parses stored bytes and checks them again against the receipt
// and the broker key (Invalid otherwise). Single-threaded, like BrokerClient.
#pragma once

#include <cstdint>

#include "agent/broker_client.h"
#include "crypto/keys.h"
#include "receipt/witness_head.h"
#include "util/bytes.h"
#include "util/status.h"

namespace relais {

Result<Bytes> anchor_receipt(BrokerClient& client, const PublicKey& broker_sign_pk, ByteView receipt,
                             int64_t deadline_ms);

Result<WitnessHead> read_anchor(ByteView anchor, ByteView receipt, const PublicKey& broker_sign_pk);

}  // namespace relais
