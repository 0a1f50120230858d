#include "broker/offline_shred.h"

#include "broker/broker_trust.h"
#include "broker/dedup_key.h"
#include "broker/erasure_planner.h"
#include "broker/event.h"
#include "broker/offline_event.h"
#include "log/log_writer.h"
#include "policy/serial_state.h"
#include "broker/log_options.h"
#include "util/files.h"

namespace relais {

Result<OfflineShredReport> shred_offline(const BrokerConfig& config, int64_t now_ms) {
  if (shredding_paused(config.data_dir))
    return Status::Refused("shred: " + shred_pause_path(config.data_dir) +
                           " exists (a backup of the data folder is running?); remove it when the backup is done");
  auto trust = load_broker_trust(config);
  if (!trust.ok()) return trust.status();
  const TrustBundle& bundle = *trust->bundle;
  RELAIS_RETURN_IF_ERROR(make_dirs(config.data_dir, 0700));
  RELAIS_RETURN_IF_ERROR(
      check_and_record_serial(bundle_serial_file(config), bundle.serial, config.bundle).with_prefix("shred"));
  LogOptions lo = broker_log_options(config);
  auto log = Log::open(lo, trust->identity.sign_sk);
  if (!log.ok()) return log.status();

  OfflineShredReport rep;
  rep.bundle_serial = bundle.serial;
  uint64_t token = 1;
  EventBuilder loaded;
  loaded.begin("bundle_loaded", 3).u64("serial", bundle.serial).bin("hash", bundle.hash).bin("bundle", bundle.file);
  auto at = log_event_durably(**log, token++, now_ms, loaded.bytes());
  if (!at.ok()) return at.status();

  auto state = load_shred_state(config.data_dir);
  ShredCursors cursors = state.ok() ? *state : ShredCursors{};
  for (;;) {
    ErasurePlan plan = plan_erasures(**log, bundle.policy, cursors, now_ms, (*log)->last_durable_seq(), 1000000);
    bool all_done = true;
    for (const ErasureBatch& b : plan.batches) {
      if (b.due_ms > now_ms) {
        rep.not_yet_due += b.seqs.size();
        all_done = false;
        continue;
      }
      auto by = log_event_durably(**log, token++, now_ms, erasure_event_body(b, bundle.serial));
      if (!by.ok()) return by.status();
      ++rep.events;
      auto n = (*log)->erase_messages(b.seqs, *by);
      if (!n.ok()) return n.status();
      rep.erased += *n;
      if (b.ground.kind == ErasureGround::Kind::kRetention)
        rep.under_retention += *n;
      else
        rep.by_order[b.ground.order] += *n;
    }
    if (!all_done) break;
    cursors = plan.next;
    RELAIS_RETURN_IF_ERROR(save_shred_state(config.data_dir, cursors));
    if (!plan.more) break;
  }
  return rep;
}

}  // namespace relais
