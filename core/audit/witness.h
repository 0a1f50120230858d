// Witnessing a broker's checkpoints (relais-audit witness; docs/audit.md
// §Witnesses): a participant holding the policy's audit action fetches the
// broker's latest signed checkpoint, checks that it extends the last one it
// witnessed (RFC 6962 consistency proof), countersigns it with its own key
// and appends it to its state file (relais-witness/1, receipt/witness_head.h).
//
// witness_step is the decision, without I/O: it refuses (Status::Invalid,
// saying what it means) a checkpoint that the broker key in the bundle did not
// sign, one of another log epoch, one smaller than the last witnessed (the log
// was cut back), one of the same size with another root, and one the proof
// does not show to extend the last. A checkpoint equal to the last is
// nothing new (Step::fresh false: nothing to append).
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
};

Result<WitnessStep> witness_step(const std::optional<WitnessHead>& last, uint64_t epoch, const Checkpoint& latest,
                                 const std::vector<Hash256>& proof, const PublicKey& broker_sign_pk,
                                 const std::string& witness_name, const SecretBytes& witness_sign_sk, int64_t now_ms);

// The last line of a state file; none when the file is missing or empty.
Result<std::optional<WitnessHead>> last_witnessed(const std::string& state_path);

// The latest entry of DATA/checkpoints (NotFound when there is none).
Result<Checkpoint> latest_checkpoint_in(const std::string& data_dir);
// PROOF(old_size, D[0:new_size]) from the records of a data folder (reads
// every record: offline use only). NotFound when the log is shorter.
Result<std::vector<Hash256>> consistency_proof_in(const std::string& data_dir, uint64_t old_size, uint64_t new_size);

}  // namespace relais
