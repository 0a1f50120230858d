// LoginThrottle: the desk's lockout rule for wrong passwords, per (account,
// client address), as a pure function of the failures recorded so far.
//
// The first kFreeFailures failures cost nothing; from then on each failure
// makes the pair wait before the next attempt is even checked: 2 s after the
// fifth, doubling with each further failure, at most 15 minutes. It is never
// permanent: the wait runs out, a right password resets the count, and
// `relais-agent user unlock` clears it. The state (failures, locked_until)
// lives where the caller keeps it (the desk keeps it in the store, so that
// the unlock command, another process, can clear it).
// Pure functions; thread-safe.
#pragma once

#include <cstdint>

namespace relais::desk {

inline constexpr int64_t kFreeFailures = 4;             // failures 1..4: no wait
inline constexpr int64_t kFirstLockMs = 2000;           // after the 5th failure
inline constexpr int64_t kMaxLockMs = 15LL * 60 * 1000;  // never longer

struct ThrottleState {
  int64_t failures = 0;       // consecutive wrong passwords
  int64_t locked_until_ms = 0;  // 0: not locked
};

// The state after one more wrong password at now_ms.
ThrottleState after_failure(ThrottleState state, int64_t now_ms);

// How long the pair must still wait at now_ms (0: it may try).
int64_t wait_ms(const ThrottleState& state, int64_t now_ms);

// The wait imposed after the n-th consecutive failure (0 for n < 5).
int64_t lock_for_failures(int64_t failures);

}  // namespace relais::desk
