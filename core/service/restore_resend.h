// After the broker's log was restored from a backup (NOTICE restored
// [epoch, last_seq], docs/protocol.md): every record after last_seq of the
// previous epoch is lost, including messages this agency sent and holds a
// receipt for. requeue_lost_entries() puts each such outbox entry back in
// the queue, with the same id and document, so the service sends it again
// (the broker, knowing nothing of the id any more, logs it anew; an entry it
// still holds is answered as a duplicate with its original receipt).
// An entry counts as lost when its receipt (version 3) is of an earlier epoch
// than the restored one and its seq is above last_seq. Receipts of the new
// epoch are never touched, so the call is idempotent: the broker repeats the
// NOTICE after every WELCOME while its epoch began with a restore.
// Returns how many entries were queued again; a receipt that does not decode
// is left alone and counted in `undecodable`.
#pragma once

#include <cstddef>
#include <cstdint>

#include "store/store.h"
#include "util/status.h"

namespace relais {

struct RequeueResult {
  size_t requeued = 0;
  size_t undecodable = 0;
};

Result<RequeueResult> requeue_lost_entries(Store& store, uint64_t epoch, uint64_t last_seq);

}  // namespace relais
