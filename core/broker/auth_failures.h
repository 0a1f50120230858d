// AuthFailureLog: refused handshakes, counted rather than written one by one.
//
// Anyone holding the bundle can knock on the broker with a wrong key; libzmq
// completes the CURVE handshake before ZAP refuses it, so this bounds the
// log, not the CPU (docs/operations.md has a firewall rate rule for that).
// Failures are counted per (source address, reason). Every `interval_ms`,
// flush() writes one `auth_failure` event per (source, reason) seen, with its
// count, the last key tried and the interval: at most kMaxEventsPerMinute
// records a minute whatever the attacker does. The (source, reason) pairs
// beyond what an interval may write are summed into one event whose addr is
// "other"; so are sources beyond kMaxSources, which are not tracked one by
// one. One warning line per flush says how many were refused.
// Not thread-safe (the engine's thread).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "broker/event_recorder.h"
#include "broker/ports.h"

namespace relais {

class AuthFailureLog {
 public:
  static constexpr size_t kMaxSources = 1024;
  static constexpr int64_t kMaxEventsPerMinute = 120;

  AuthFailureLog(EventRecorder& events, const Clock& clock, int64_t interval_ms);

  void record(std::string_view key, std::string_view addr, std::string_view why);
  // Writes the interval's events when it has ended, or now with force.
  void flush(bool force);
  // Events one flush may write (>= 2: at least one pair and "other").
  size_t events_per_interval() const { return events_per_interval_; }
  size_t tracked() const { return counts_.size(); }

 private:
  struct Count {
    uint64_t n = 0;
    std::string last_key;
  };
  EventRecorder& events_;
  const Clock& clock_;
  int64_t interval_ms_;
  size_t events_per_interval_;
  int64_t interval_start_ms_ = 0;  // monotonic; 0: nothing counted
  std::map<std::pair<std::string, std::string>, Count> counts_;  // (addr, why)
  std::set<std::string> sources_;  // addresses tracked one by one (bounded)
  uint64_t other_ = 0;
  uint64_t total_ = 0;
};

}  // namespace relais
