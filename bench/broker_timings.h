// BrokerTimings: the broker's own timings over one phase of a benchmark, read
// from its /metrics before and after the phase: the log's group-commit syncs
// (relais_log_sync_seconds) and where acknowledged publishes spent their time
// inside the broker (relais_publish_verify_seconds, relais_publish_log_seconds,
// relais_publish_seconds; core/broker/publish_stages.h). They say where the
// tail of a latency point came from: the disk (a message acknowledged after a
// sync of 8 ms cannot have taken less), the broker's own queues, or outside
// the broker (ZeroMQ's threads, the clients, the scheduler).
//
// Contract: take() fetches GET /metrics from 127.0.0.1:port (port 0: the
// broker serves no metrics, and take() and emit() do nothing); emit(prefix)
// writes the difference since the last take(), then counts from there:
//   <prefix>.broker_syncs, .broker_syncs_over_2_5ms, _5ms, _10ms, _25ms and
//   _100ms, .broker_sync_seconds (their total time), .broker_sync_p99_le_ms;
//   for each stage S in verify, log, total: .broker_S_mean_ms,
//   .broker_S_p99_le_ms, .broker_S_over_2_5ms.
// A *_p99_le_ms is the upper bound of the histogram bucket that holds the
// 99th percentile (buckets: 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25 ms, ...). A
// failed fetch, or a broker restarted between the two reads (its counters
// start again from zero), emits nothing: the bench does not stop for it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace relais::bench {

class BrokerTimings {
 public:
  explicit BrokerTimings(int port) : port_(port) {}
  void take();
  void emit(const std::string& prefix);

 private:
  struct Histogram {
    std::vector<std::pair<double, uint64_t>> buckets;  // (le in seconds, cumulative count), +Inf last
    double sum_seconds = 0;
  };
  using Snapshot = std::map<std::string, Histogram>;  // by family name
  std::optional<Snapshot> fetch() const;

  int port_;
  std::optional<Snapshot> before_;
};

}  // namespace relais::bench
