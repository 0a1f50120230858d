#include "broker/log_options.h"

#include "broker/dedup_key.h"

namespace relais {

LogOptions broker_log_options(const BrokerConfig& config) {
  LogOptions lo;
  lo.dir = config.data_dir;
  lo.sync = config.sync == "always" ? SyncPolicy::kAlways : config.sync == "none" ? SyncPolicy::kNone : SyncPolicy::kBatch;
  lo.segment_bytes = static_cast<uint64_t>(config.segment_bytes);
  lo.checkpoint_every = static_cast<uint64_t>(config.checkpoint_every);
  lo.checkpoint_interval_ms = config.checkpoint_seconds * 1000;
  // For records no segment summary covers (the last segment): the same keys
  // the broker handed the log when it appended them.
  lo.message_key = envelope_dedup_key;
  lo.erased_key = core_dedup_key;
  return lo;
}

}  // namespace relais
