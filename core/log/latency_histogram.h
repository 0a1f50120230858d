// LatencyHistogram: a fixed-bucket histogram of durations, written by one
// thread (the log writer, once per group-commit sync; the broker's main thread
// for the publish stages, broker/publish_stages.h) and read by any other (the
// broker's metrics), with relaxed atomics: no lock, no allocation. A
// reader may see a count and a bucket from two different observations; each
// value is exact once the writer is idle. Bucket bounds are cumulative upper
// bounds in microseconds, as Prometheus histograms want.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace relais {

class LatencyHistogram {
 public:
  static constexpr std::array<uint64_t, 12> kBoundsUs = {100,   250,    500,    1000,   2500,    5000,
                                                          10000, 25000, 50000, 100000, 250000, 1000000};

  void observe(uint64_t us) {
    size_t i = 0;
    while (i < kBoundsUs.size() && us > kBoundsUs[i]) ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);  // i == size: above every bound (+Inf only)
    sum_us_.fetch_add(us, std::memory_order_relaxed);
  }
  // Observations in bucket i alone (not cumulative); i == kBoundsUs.size():
  // above the last bound.
  uint64_t bucket(size_t i) const { return buckets_[i].load(std::memory_order_relaxed); }
  uint64_t sum_us() const { return sum_us_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<uint64_t>, kBoundsUs.size() + 1> buckets_{};
  std::atomic<uint64_t> sum_us_{0};
};

}  // namespace relais
