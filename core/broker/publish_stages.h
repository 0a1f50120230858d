// PublishStages: where an accepted PUB spends its time inside the broker, as
// three histograms the engine's thread writes and the metrics thread reads
// (LatencyHistogram: relaxed atomics, no lock, no allocation):
//   verify: from the main thread's decoding of the PUB to its signature
//           checked and back on the main thread (the verify pool's queue,
//           the check, the hand-back);
//   log:    from then to the log's word that its record is durable (the
//           writer's queue, the group commit's write and sync, the
//           hand-back), read once per drain of the log's completions;
//   total:  from the decoding to the PUBACK handed to the transport.
// The time in ZeroMQ's threads and on the wire is outside all three, so a
// client's publish->PUBACK time minus `total` is what the transport took.
// Only publishes that are acknowledged are counted (not refusals or
// duplicates answered again). docs/operations.md (Monitoring) names the
// metrics, docs/performance.md uses them.
#pragma once

#include "log/latency_histogram.h"

namespace relais {

struct PublishStages {
  LatencyHistogram verify;
  LatencyHistogram log;
  LatencyHistogram total;
};

}  // namespace relais
