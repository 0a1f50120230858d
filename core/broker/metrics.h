// The broker's metrics: what the engine thread counts, the snapshot it
// publishes, and the Prometheus text page the HTTP thread makes of it.
//
// Threads: BrokerCounters are plain integers the broker's thread increments
// where events already happen (the transport's sends, the inbound commands,
// ZAP failures): no lock, no allocation. That thread copies them, with the
// engine's gauges, into a MetricsSnapshot and hands it to the MetricsBoard
// (under its mutex) at most every publish interval, or at once when a scrape
// asked for a fresh one (an atomic flag). The HTTP thread reads only the
// latest snapshot, the log's lock-free sync histogram and the data folder's
// files and free space: never engine state.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "broker/publish_stages.h"
#include "broker/subscriptions.h"
#include "log/latency_histogram.h"
#include "net/protocol.h"
#include "util/bytes.h"

namespace relais {

inline constexpr size_t kMetricsMaxErrorCode = 32;  // ErrorCode values are below this

struct BrokerCounters {
  uint64_t publishes_accepted = 0;                      // PUBACKs sent (duplicates answered again included)
  std::array<uint64_t, kMetricsMaxErrorCode> refusals{};  // ERRORs sent, by code
  uint64_t deliveries = 0;                              // MSGs sent
  uint64_t redeliveries = 0;                            // of which a delivery count above 1
  uint64_t acks = 0;                                    // ACK commands received
  uint64_t nacks = 0;                                   // NACK commands received
  uint64_t auth_failures = 0;                           // handshakes the ZAP handler refused

  // Counts one command the broker sends: PUBACK, MSG (a delivery count above
  // 1 is a redelivery), ERROR by code. Plain increments; only an ERROR's
  // arguments are decoded.
  void count_sent(Command cmd, ByteView args);
};

struct MetricsSnapshot {
  BrokerCounters counters;
  int64_t taken_ms = 0;  // wall clock
  uint64_t sessions = 0;
  uint64_t cache_bytes = 0;
  uint64_t pending_bytes = 0;
  uint64_t in_flight_bytes = 0;
  uint64_t bundle_serial = 0;
  uint64_t last_durable_seq = 0;
  int64_t checkpoint_ts_ms = 0;  // 0: no checkpoint yet
  int64_t started_ms = 0;        // wall clock
  uint64_t dead_letters = 0;
  std::vector<DurableStatus> durables;  // every durable subscription and mailbox
};

// What the HTTP thread reads of the data folder at scrape time.
struct DataDirUsage {
  uint64_t log_bytes = 0;
  uint64_t log_segments = 0;
  uint64_t free_bytes = 0;
  bool ok = false;  // false: the folder could not be read
};
DataDirUsage data_dir_usage(const std::string& data_dir);

// The page, in the Prometheus text exposition format (version 0.0.4):
// relais_ prefixes, HELP and TYPE lines, seconds and bytes, _total counters.
std::string format_metrics(const MetricsSnapshot& s, const DataDirUsage& disk, const LatencyHistogram& sync,
                           const PublishStages& stages, int64_t now_ms);

// The latest snapshot, handed from the broker's thread to the HTTP thread.
class MetricsBoard {
 public:
  void publish(const MetricsSnapshot& s) {
    std::lock_guard<std::mutex> g(mu_);
    latest_ = s;
    has_ = true;
  }
  // False until the first publish.
  bool latest(MetricsSnapshot* out) const {
    std::lock_guard<std::mutex> g(mu_);
    if (has_) *out = latest_;
    return has_;
  }
  // A scrape asks for a fresh snapshot; the broker's thread takes the request.
  void request() { wanted_.store(true, std::memory_order_relaxed); }
  bool take_request() { return wanted_.exchange(false, std::memory_order_relaxed); }

 private:
  mutable std::mutex mu_;
  MetricsSnapshot latest_;
  bool has_ = false;
  std::atomic<bool> wanted_{false};
};

}  // namespace relais
