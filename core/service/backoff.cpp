#include "service/backoff.h"

#include <algorithm>
#include <sodium.h>

namespace relais {

int64_t backoff_delay(int64_t failures, int64_t min_ms, int64_t max_ms) {
  min_ms = std::max<int64_t>(min_ms, 1);
  max_ms = std::max(max_ms, min_ms);
  int64_t d = min_ms;
  for (int64_t i = 1; i < failures && d < max_ms; ++i) d = std::min(max_ms, d * 2);
  return std::min(d, max_ms);
}

int64_t jittered(int64_t delay_ms, double draw) {
  draw = std::clamp(draw, 0.0, 1.0);
  const int64_t half = delay_ms / 2;
  return half + static_cast<int64_t>(static_cast<double>(delay_ms - half) * draw);
}

int64_t Backoff::next() {
  ++failures_;
  const double draw = static_cast<double>(randombytes_uniform(1u << 30)) / static_cast<double>(1u << 30);
  return jittered(backoff_delay(failures_, min_ms_, max_ms_), draw);
}

}  // namespace relais
