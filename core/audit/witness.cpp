#include "audit/witness.h"

#include <filesystem>

#include "audit/event_view.h"
#include "audit/verify.h"
#include "log/log_reader.h"
#include "log/merkle.h"
#include "log/record.h"
#include "util/bytes.h"

namespace relais {

namespace {

// Checks an epoch change from last to latest through the restored event; the
// note says what the witness keeps and loses.
Result<std::string> check_restore(const WitnessHead& last, const Checkpoint& latest, const std::vector<Hash256>& proof,
                                  const RestoreEvidence* ev, const std::string& what) {
  const uint64_t epoch = latest.epoch;
  const std::string known = "the last checkpoint you witnessed (size " + std::to_string(last.checkpoint.size) +
                            ", epoch " + std::to_string(last.checkpoint.epoch) + ")";
  if (epoch < last.checkpoint.epoch)
    return Status::Invalid(what + " is of log epoch " + std::to_string(epoch) + ", older than " + known +
                           ": the broker's log was replaced by an older one; keep your state file as evidence");
  const std::string fork = what + " is of log epoch " + std::to_string(epoch) + ", " + known;
  if (ev == nullptr)
    return Status::Invalid(fork + ", and no restored record starts that epoch: the log was forked, not restored; keep "
                                  "your state file as evidence and run relais-audit verify --trusted-head");
  auto r = decode_restored_event(ev->body);
  if (!r.ok()) return Status::Invalid(fork + ", and the record that starts it is not a restored record: " +
                                      r.status().message());
  if (r->epoch != epoch || r->previous_epoch != last.checkpoint.epoch)
    return Status::Invalid(fork + ", but its restored record starts epoch " + std::to_string(r->epoch) + " after epoch " +
                           std::to_string(r->previous_epoch) +
                           ": another restore came between; check with the broker's operator");
  if (ev->seq != r->last_seq + 1 || ev->seq > latest.size ||
      !MerkleTree::verify_inclusion(ev->seq - 1, latest.size, event_leaf_hash(ev->seq, ev->ts_ms, ev->body),
                                    ev->inclusion, latest.root))
    return Status::Invalid(fork + ", and its restored record is not at seq " + std::to_string(r->last_seq + 1) +
                           " of that checkpoint's tree (the inclusion proof fails)");
  if (!MerkleTree::verify_consistency(r->last_seq, latest.size, r->root, latest.root, ev->from_backup))
    return Status::Invalid(fork + ", and it does not extend the backup its restored record names (size " +
                           std::to_string(r->last_seq) + "): the consistency proof fails");
  const uint64_t w = last.checkpoint.size;
  if (w <= r->last_seq) {
    if (!MerkleTree::verify_consistency(w, latest.size, last.checkpoint.root, latest.root, proof))
      return Status::Invalid(fork + ", restored from a backup of " + std::to_string(r->last_seq) +
                             " records, but it does not extend " + known +
                             " (the consistency proof fails): keep your state file as evidence");
    return "the log was restored into epoch " + std::to_string(epoch) + " from a backup ending at seq " +
           std::to_string(r->last_seq) + ": it still holds everything you witnessed (up to seq " + std::to_string(w) +
           ")";
  }
  return "the log was restored into epoch " + std::to_string(epoch) + " from a backup ending at seq " +
         std::to_string(r->last_seq) + ": records " + std::to_string(r->last_seq + 1) + ".." + std::to_string(w) +
         " that you witnessed are lost (keep your state file: it shows them)";
}

}  // namespace

Result<WitnessStep> witness_step(const std::optional<WitnessHead>& last, const Checkpoint& latest,
                                 const std::vector<Hash256>& proof, const PublicKey& broker_sign_pk,
                                 const std::string& witness_name, const SecretBytes& witness_sign_sk, int64_t now_ms,
                                 const RestoreEvidence* restore) {
  const std::string what = "the broker's checkpoint of size " + std::to_string(latest.size);
  if (!latest.verify(broker_sign_pk))
    return Status::Invalid(what + " is not signed by the broker key of your bundle: it was not made by this broker");
  WitnessStep step;
  step.head.checkpoint = latest;
  if (last && latest.epoch != last->checkpoint.epoch) {
    auto note = check_restore(*last, latest, proof, restore, what);
    if (!note.ok()) return note.status();
    step.restore_note = std::move(*note);
  } else if (last) {
    const std::string known = "the last checkpoint you witnessed (size " + std::to_string(last->checkpoint.size) + ")";
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

Result<RestoreEvidence> restore_evidence_in(const std::string& data_dir, uint64_t epoch, uint64_t size) {
  auto reader = LogReader::open(data_dir);
  if (!reader.ok()) return reader.status();
  MerkleTree tree;
  LogEntry e;
  std::optional<RestoreEvidence> found;
  uint64_t backup_size = 0;
  while (tree.size() < size) {
    auto more = (*reader)->next(&e);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (!is_leaf_kind(e.record.kind)) continue;
    tree.append(e.leaf_hash);
    if (e.record.kind != RecordKind::kEvent || found) continue;
    auto facts = decode_event_facts(e.record.body);
    if (!facts.ok() || facts->name != "restored") continue;
    auto r = decode_restored_event(e.record.body);
    if (!r.ok() || r->epoch != epoch) continue;
    RestoreEvidence ev;
    ev.seq = e.record.seq;
    ev.ts_ms = e.record.ts_ms;
    ev.body.assign(e.record.body.begin(), e.record.body.end());
    found = std::move(ev);
    backup_size = r->last_seq;
  }
  if (tree.size() < size)
    return Status::NotFound("the log in " + data_dir + " holds " + std::to_string(tree.size()) + " records, not " +
                            std::to_string(size));
  if (!found) return Status::NotFound("the log in " + data_dir + " holds no restored record for epoch " +
                                      std::to_string(epoch));
  found->inclusion = tree.inclusion_proof(found->seq - 1, size);
  if (backup_size > 0) found->from_backup = tree.consistency_proof(backup_size, size);
  return *found;
}

}  // namespace relais
