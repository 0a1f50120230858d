// eventually(timeout_ms, poll_ms, fn): a bounded wait on a condition, shared
// by every test folder. True as soon as fn() holds; false once timeout_ms of
// monotonic time has passed without it. Tests wait this way, never with a
// fixed sleep.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>

namespace relais::test {

inline bool eventually(int timeout_ms, int poll_ms, const std::function<bool()>& fn) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    if (fn()) return true;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(std::max(poll_ms, 1), left)));
  }
}

}  // namespace relais::test
