// What an erased-message record still says (docs/log-format.md §Erasure):
// the envelope's header, decoded from the core it keeps, with the sender's
// signature and the original hashes, so that the signature over
// H(core) ‖ H(ct) is still checked (verify_envelope, check_sender) although
// the ciphertext is gone. Pure and thread-safe.
#pragma once

#include "crypto/envelope.h"
#include "log/record.h"
#include "util/status.h"

namespace relais {

// The envelope of an erased-message record: header, core, sig, core_hash and
// ct_hash filled, ct empty. Status::Invalid when the core does not decode as
// an envelope's core or does not hash to the record's core_hash.
Result<Envelope> erased_envelope(const RecordView& r);

}  // namespace relais
