#include "service/restore_resend.h"

#include "receipt/receipt.h"

namespace relais {

Result<RequeueResult> requeue_lost_entries(Store& store, uint64_t epoch, uint64_t last_seq) {
  auto entries = store.logged_after(last_seq);
  if (!entries.ok()) return entries.status();
  RequeueResult r;
  for (const OutboxEntry& e : *entries) {
    auto receipt = decode_receipt(e.receipt);
    if (!receipt.ok()) {
      ++r.undecodable;
      continue;
    }
    if (receipt->epoch >= epoch || receipt->seq <= last_seq) continue;
    RELAIS_RETURN_IF_ERROR(store.requeue(e.id));
    ++r.requeued;
  }
  return r;
}

}  // namespace relais
