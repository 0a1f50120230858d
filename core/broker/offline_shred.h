// relais-admin shred: the shredder's work on a stopped broker's data folder
// (docs/data-protection.md). It does what a broker start and the shredder
// would: loads the broker's identity and bundle (broker.toml), records the
// bundle's serial (anti-downgrade), opens the log (refused while a broker
// holds DATA/LOCK), logs bundle_loaded so that the bundle is the one in
// force, then plans from DATA/shredder.state, logs one erasure event per
// batch, erases, saves the cursors, and closes the log (with its final
// checkpoint). DATA/shredding.paused refuses it (a backup is running).
#pragma once

#include <cstdint>
#include <map>

#include "config/broker_config.h"
#include "util/status.h"

namespace relais {

struct OfflineShredReport {
  uint64_t bundle_serial = 0;
  uint64_t events = 0;               // erasure events logged
  uint64_t erased = 0;               // records erased
  uint64_t under_retention = 0;
  std::map<uint64_t, uint64_t> by_order;  // order number -> records
  uint64_t not_yet_due = 0;          // planned but not yet due (a clock behind the records); left for later
};

// Status::Refused while a broker runs on the folder or it is paused;
// Config/IOError/Corruption as opening a broker would give them.
Result<OfflineShredReport> shred_offline(const BrokerConfig& config, int64_t now_ms);

}  // namespace relais
