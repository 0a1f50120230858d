#include "desk/login_throttle.h"

#include <algorithm>

namespace relais::desk {

int64_t lock_for_failures(int64_t failures) {
  if (failures <= kFreeFailures) return 0;
  int64_t lock = kFirstLockMs;
  for (int64_t n = kFreeFailures + 1; n < failures && lock < kMaxLockMs; ++n) lock *= 2;
  return std::min(lock, kMaxLockMs);
}

ThrottleState after_failure(ThrottleState state, int64_t now_ms) {
  state.failures += 1;
  int64_t lock = lock_for_failures(state.failures);
  state.locked_until_ms = lock > 0 ? now_ms + lock : 0;
  return state;
}

int64_t wait_ms(const ThrottleState& state, int64_t now_ms) {
  return state.locked_until_ms > now_ms ? state.locked_until_ms - now_ms : 0;
}

}  // namespace relais::desk
