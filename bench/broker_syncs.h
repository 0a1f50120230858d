// BrokerSyncs: the broker's own log syncs over one phase of a benchmark, read
// from its /metrics (the relais_log_sync_seconds histogram, cumulative
// buckets) before and after the phase. It says whether the tail of a latency
// point came from the disk: a message acknowledged after a sync of 8 ms cannot
// have taken less.
//
// Contract: take() fetches GET /metrics from 127.0.0.1:port (port 0: the
// broker serves no metrics, and take() and emit() do nothing); emit(prefix)
// writes the difference since the last take() as keys <prefix>.broker_syncs,
// .broker_syncs_over_2_5ms, _5ms, _10ms, _25ms and _100ms, .broker_sync_seconds (their
// total time) and .broker_sync_p99_le_ms (the upper bound of the bucket that
// holds the 99th percentile), then counts from there. A failed fetch emits
// nothing: the bench does not stop for it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace relais::bench {

class BrokerSyncs {
 public:
  explicit BrokerSyncs(int port) : port_(port) {}
  void take();
  void emit(const std::string& prefix);

 private:
  struct Snapshot {
    std::vector<std::pair<double, uint64_t>> buckets;  // (le in seconds, cumulative count), +Inf last
    double sum_seconds = 0;
  };
  std::optional<Snapshot> fetch() const;

  int port_;
  std::optional<Snapshot> before_;
};

}  // namespace relais::bench
