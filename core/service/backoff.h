// Backoff: the waits between retries of the agent service (reconnecting to
// the broker, re-attaching a durable subscription another process holds,
// resending a queued document).
//
// delay(n) for the n-th consecutive failure (n >= 1) is min_ms * 2^(n-1),
// capped at max_ms. Backoff::next() gives that delay with jitter: a value
// drawn uniformly in [delay/2, delay] (never below min_ms/2, never above
// max_ms), so that agencies cut off together do not come back in step.
// reset() after a success starts again from min_ms. Plain value; one thread.
#pragma once

#include <cstdint>

namespace relais {

// min_ms * 2^(failures-1) capped at max_ms (failures < 1 counts as 1).
int64_t backoff_delay(int64_t failures, int64_t min_ms, int64_t max_ms);
// A delay with jitter, in [delay/2, delay], given a uniform draw in [0, 1).
int64_t jittered(int64_t delay_ms, double draw);

class Backoff {
 public:
  Backoff(int64_t min_ms, int64_t max_ms) : min_ms_(min_ms), max_ms_(max_ms) {}
  // The wait after one more failure, jittered.
  int64_t next();
  void reset() { failures_ = 0; }
  int64_t failures() const { return failures_; }

 private:
  int64_t min_ms_;
  int64_t max_ms_;
  int64_t failures_ = 0;
};

}  // namespace relais
