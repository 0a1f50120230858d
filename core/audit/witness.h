// Witnessing a broker's checkpoints (relais-audit witness; docs/audit.md
// §Witnesses): a participant holding the policy's audit action fetches the
// broker's latest signed checkpoint, checks that it extends the last one it
// witnessed (RFC 6962 consistency proof), countersigns it with its own key
// and appends it to its state file (relais-witness/1, receipt/witness_head.h).
//
// witness_step is the decision, without I/O: it refuses (Status::Invalid,
// saying what it means) a checkpoint that the broker key in the bundle did not
// sign, one smaller than the last witnessed (the log was cut back), one of the
// same size with another root, and one the proof does not show to extend the
// last. A checkpoint equal to the last is nothing new (Step::fresh false:
// nothing to append).
//
// Epochs: a checkpoint of a later log epoch than the last witnessed is
// accepted only through the `restored` event that began it (RestoreEvidence,
// docs/log-format.md §Epochs): the event must name the witnessed epoch as the
// previous one and the checkpoint's as its own, sit at the seq after the
// backup's last, be included in the checkpoint's tree (inclusion proof of its
// leaf), and the checkpoint's tree must extend the backup's root (consistency
// proof). When the last witnessed size is within the backup, `proof` must
// still show that the checkpoint extends it; when it is beyond, the records
// after the backup that the witness countersigned are lost, and the step says
// so (Step::restore_note). Without evidence, or with evidence that fails, an
// epoch change is refused as a fork.
//
// The offline helpers read a data folder (a copy is fine; nothing is
// written): its latest checkpoint (DATA/checkpoints) and a consistency proof
// computed from its records. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/keys.h"
#include "crypto/secret.h"
#include "log/checkpoint.h"
#include "receipt/witness_head.h"
#include "util/status.h"

namespace relais {

struct WitnessStep {
  WitnessHead head;    // the checkpoint, countersigned (when fresh)
  bool fresh = false;  // false: the same checkpoint as the last witnessed
  std::string restore_note;  // set when the step crossed a restore: what it kept and lost
};

// The restored event that began the latest checkpoint's epoch, with its
// proofs against that checkpoint.
struct RestoreEvidence {
  uint64_t seq = 0;
  int64_t ts_ms = 0;
  Bytes body;
  std::vector<Hash256> inclusion;    // PATH(seq - 1, latest.size)
  std::vector<Hash256> from_backup;  // PROOF(backup size, latest.size)
};

Result<WitnessStep> witness_step(const std::optional<WitnessHead>& last, const Checkpoint& latest,
                                 const std::vector<Hash256>& proof, const PublicKey& broker_sign_pk,
                                 const std::string& witness_name, const SecretBytes& witness_sign_sk, int64_t now_ms,
                                 const RestoreEvidence* restore = nullptr);

// The last line of a state file; none when the file is missing or empty.
Result<std::optional<WitnessHead>> last_witnessed(const std::string& state_path);

// The latest entry of DATA/checkpoints (NotFound when there is none).
Result<Checkpoint> latest_checkpoint_in(const std::string& data_dir);
// PROOF(old_size, D[0:new_size]) from the records of a data folder (reads
// every record: offline use only). NotFound when the log is shorter.
Result<std::vector<Hash256>> consistency_proof_in(const std::string& data_dir, uint64_t old_size, uint64_t new_size);
// The restored event that began `epoch` in a data folder, with its proofs
// against the tree of `size` leaves (reads every record). NotFound when the
// log holds none.
Result<RestoreEvidence> restore_evidence_in(const std::string& data_dir, uint64_t epoch, uint64_t size);

}  // namespace relais
