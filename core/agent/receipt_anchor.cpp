#include "agent/receipt_anchor.h"

#include "log/merkle.h"
#include "receipt/receipt.h"

namespace relais {
namespace {

// The receipt's statement, checked under the broker key.
Result<Receipt> checked_receipt(ByteView bytes, const PublicKey& broker_sign_pk) {
  auto r = decode_receipt(bytes);
  if (!r.ok()) return r.status();
  RELAIS_RETURN_IF_ERROR(verify_receipt(*r, broker_sign_pk));
  return r;
}

// Checks that head anchors receipt r: the same message, the broker's
// checkpoint, a path to its root.
Status check_head(const WitnessHead& head, const Receipt& r, const PublicKey& broker_sign_pk) {
  if (!head.checkpoint.verify(broker_sign_pk))
    return Status::Invalid("anchor: the checkpoint of size " + std::to_string(head.checkpoint.size) +
                           " is not signed by the broker key of the bundle");
  if (!head.receipt || head.receipt->seq != r.seq || head.receipt->id != r.id || head.receipt->leaf != r.leaf_hash)
    return Status::Invalid("anchor: it is not about the message of the receipt (seq " + std::to_string(r.seq) + ")");
  if (!head.receipt_included())
    return Status::Invalid("anchor: the inclusion proof does not lead from the receipt's leaf to the checkpoint's root");
  return Status::Ok();
}

}  // namespace

Result<Bytes> anchor_receipt(BrokerClient& client, const PublicKey& broker_sign_pk, ByteView receipt,
                             int64_t deadline_ms) {
  auto r = checked_receipt(receipt, broker_sign_pk);
  if (!r.ok()) return r.status();
  auto cp_bytes = client.fetch(kFetchCheckpoint, "covering:" + std::to_string(r->seq), deadline_ms);
  if (!cp_bytes.ok()) {
    if (client.last_error_code() == ErrorCode::kLimit)
      return Status::NotFound("no signed checkpoint covers seq " + std::to_string(r->seq) +
                              " yet: the broker signs one within its checkpoint_seconds; try again later");
    return cp_bytes.status();
  }
  CheckpointData cp;
  RELAIS_RETURN_IF_ERROR(decode_fetch_data(*cp_bytes, &cp));
  if (cp.size < r->seq)
    return Status::Invalid("anchor: the broker answered a checkpoint of size " + std::to_string(cp.size) +
                           " for seq " + std::to_string(r->seq));
  auto inc_bytes =
      client.fetch(kFetchInclusion, std::to_string(r->seq) + ":" + std::to_string(cp.size), deadline_ms);
  if (!inc_bytes.ok()) return inc_bytes.status();
  InclusionData inc;
  RELAIS_RETURN_IF_ERROR(decode_fetch_data(*inc_bytes, &inc));
  if (inc.seq != r->seq || inc.size != cp.size)
    return Status::Invalid("anchor: the broker answered an inclusion proof for another seq or size");
  WitnessHead head;
  head.checkpoint = Checkpoint{cp.epoch, cp.size, cp.root, cp.ts_ms, cp.sig};
  head.receipt = HeadReceipt{r->id, r->seq, inc.leaf, std::vector<Hash256>(inc.proof.begin(), inc.proof.end())};
  RELAIS_RETURN_IF_ERROR(check_head(head, *r, broker_sign_pk));
  const std::string line = head.to_json().dump();
  return Bytes(line.begin(), line.end());
}

Result<WitnessHead> read_anchor(ByteView anchor, ByteView receipt, const PublicKey& broker_sign_pk) {
  auto r = checked_receipt(receipt, broker_sign_pk);
  if (!r.ok()) return r.status();
  auto j = nlohmann::json::parse(anchor.begin(), anchor.end(), nullptr, false);
  if (j.is_discarded()) return Status::Invalid("anchor: not a relais-witness/1 line");
  auto head = WitnessHead::from_json(j);
  if (!head.ok()) return Status::Invalid("anchor: " + head.status().message());
  RELAIS_RETURN_IF_ERROR(check_head(*head, *r, broker_sign_pk));
  return head;
}

}  // namespace relais
