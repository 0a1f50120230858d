#include "audit/witness.h"

#include <filesystem>

#include "log/log_reader.h"
#include "log/merkle.h"
#include "util/bytes.h"

namespace relais {

Result<WitnessStep> witness_step(const std::optional<WitnessHead>& last, uint64_t epoch, const Checkpoint& latest,
                                 const std::vector<Hash256>& proof, const PublicKey& broker_sign_pk,
                                 const std::string& witness_name, const SecretBytes& witness_sign_sk, int64_t now_ms) {
  const std::string what = "the broker's checkpoint of size " + std::to_string(latest.size);
  if (!latest.verify(broker_sign_pk))
    return Status::Invalid(what + " is not signed by the broker key of your bundle: it was not made by this broker");
  WitnessStep step;
  step.head.epoch = epoch;
  step.head.checkpoint = latest;
  if (last) {
    const std::string known = "the last checkpoint you witnessed (size " + std::to_string(last->checkpoint.size) + ")";
    if (epoch != last->epoch)
      return Status::Invalid(what + " is of log epoch " + std::to_string(epoch) + ", " + known + " of epoch " +
                             std::to_string(last->epoch) +
                             ": the broker's log was restored; check with its operator before witnessing again");
    if (latest.size < last->checkpoint.size)
      return Status::Invalid(what + " is smaller than " + known +
                             ": the broker's log was cut back; keep your state file as evidence and run relais-audit "
                             "verify --trusted-head on a copy of the broker's data");
    if (latest.size == last->checkpoint.size) {
      if (!equal_ct(latest.root, last->checkpoint.root))
        return Status::Invalid(what + " has another root than " + known +
                               ": the broker's log was rewritten; keep your state file as evidence and run "
                               "relais-audit verify --trusted-head on a copy of the broker's data");
      step.head = *last;
      return step;  // nothing new
    }
    if (!MerkleTree::verify_consistency(last->checkpoint.size, latest.size, last->checkpoint.root, latest.root, proof))
      return Status::Invalid(what + " does not extend " + known +
                             " (the consistency proof fails): the broker's log was rewritten; keep your state file as "
                             "evidence and run relais-audit verify --trusted-head on a copy of the broker's data");
  }
  step.head.countersign(witness_name, witness_sign_sk, now_ms);
  step.fresh = true;
  return step;
}

Result<std::optional<WitnessHead>> last_witnessed(const std::string& state_path) {
  std::error_code ec;
  if (!std::filesystem::exists(state_path, ec)) return std::optional<WitnessHead>();
  auto heads = read_witness_file(state_path);
  if (!heads.ok()) return heads.status();
  if (heads->empty()) return std::optional<WitnessHead>();
  return std::optional<WitnessHead>(heads->back());
}

Result<Checkpoint> latest_checkpoint_in(const std::string& data_dir) {
  auto cps = read_checkpoint_file(data_dir + "/checkpoints");
  if (!cps.ok()) return cps.status();
  if (cps->empty()) return Status::NotFound(data_dir + "/checkpoints holds no signed checkpoint yet");
  return cps->back();
}

Result<std::vector<Hash256>> consistency_proof_in(const std::string& data_dir, uint64_t old_size, uint64_t new_size) {
  if (old_size == 0 || old_size > new_size) return Status::Invalid("a consistency proof needs 1 <= old size <= new size");
  auto reader = LogReader::open(data_dir);
  if (!reader.ok()) return reader.status();
  MerkleTree tree;
  LogEntry e;
  while (tree.size() < new_size) {
    auto more = (*reader)->next(&e);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (is_leaf_kind(e.record.kind)) tree.append(e.leaf_hash);
  }
  if (tree.size() < new_size)
    return Status::NotFound("the log in " + data_dir + " holds " + std::to_string(tree.size()) + " records, not " +
                            std::to_string(new_size));
  return tree.consistency_proof(old_size, new_size);
}

}  // namespace relais
