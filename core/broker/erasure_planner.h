// What the broker erases next (docs/data-protection.md): the message records
// whose ground holds under the policy in force (policy/erasure_ground.h),
// found by reading forward from cursors kept in DATA/shredder.state.
//
//   retention  one cursor per distinct period P of [retention]: every message
//              below it whose type's period is P was planned. The records
//              examined are those the log's time index puts at least P in
//              the past (ts + P <= now), so each record is read once per
//              period, and only once it is old enough.
//   orders     one cursor per erasure order number: every message below it
//              was checked against the order (its case_ref, or its id). A
//              new order starts at seq 1; later messages of the case are
//              found as the cursor follows the log.
// Cursors of periods and orders the policy no longer has are dropped.
//
// plan_erasures only reads (Log::read, any thread); the caller logs one
// erasure event per batch, erases (Log::erase_messages), and only then keeps
// the new cursors, so a crash or a failure in between plans the same records
// again. Pure apart from the log reads; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "broker/event.h"
#include "log/log_writer.h"
#include "policy/erasure_ground.h"
#include "policy/policy.h"
#include "util/bytes.h"
#include "util/status.h"

namespace relais {

// One erasure event's worth: a ground and the seqs it erases (ascending, at
// most kMaxSeqsPerEvent). due_ms: the earliest time the event may be logged
// (retention: the largest record ts + period; orders: 0).
struct ErasureBatch {
  static constexpr size_t kMaxSeqsPerEvent = 4096;
  ErasureGround ground;
  std::vector<uint64_t> seqs;
  int64_t due_ms = 0;
};

// The next seq to examine, per retention period (ms) and per order number.
struct ShredCursors {
  std::map<int64_t, uint64_t> retention;
  std::map<uint64_t, uint64_t> orders;
  bool operator==(const ShredCursors&) const = default;
};

struct ErasurePlan {
  std::vector<ErasureBatch> batches;
  ShredCursors next;          // the cursors once every batch is erased
  uint64_t examined = 0;      // records read
  bool more = false;          // stopped at max_records: plan again soon
};

// Plans from `from` under `policy` at now_ms, over seqs <= horizon (durable),
// reading at most max_records records.
ErasurePlan plan_erasures(const Log& log, const Policy& policy, const ShredCursors& from, int64_t now_ms,
                          uint64_t horizon, uint64_t max_records);

// The body of the erasure event for a batch (broker/event.h):
//   erasure {ground: "retention" | "order", serial, order (order only), seqs: [seq ...]}
Bytes erasure_event_body(const ErasureBatch& b, uint64_t bundle_serial);
// The same fields into a builder (the engine's EventRecorder): begin the
// event with erasure_event_fields(b) fields first.
uint32_t erasure_event_fields(const ErasureBatch& b);
void pack_erasure_event(EventBuilder& ev, const ErasureBatch& b, uint64_t bundle_serial);

// DATA/shredder.state (JSON): the cursors. A missing file is empty cursors;
// an unreadable or malformed one is Status::Corruption naming the file (the
// caller may start over from empty cursors: that only re-reads the log).
std::string shred_state_path(const std::string& data_dir);
Result<ShredCursors> load_shred_state(const std::string& data_dir);
Status save_shred_state(const std::string& data_dir, const ShredCursors& c);

// DATA/shredding.paused: while this file exists nothing is erased (no new
// erasure is planned, and erasures already on record wait). A backup of the
// data folder creates it first and removes it when done.
std::string shred_pause_path(const std::string& data_dir);
bool shredding_paused(const std::string& data_dir);

}  // namespace relais
