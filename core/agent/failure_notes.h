// FailureNotes: lines about failures a program survives, told once each
// while they repeat. note(key, line) returns the line to tell, or nullopt
// when `key` is the same as the last failure told (it is counted instead);
// the next different failure's line then ends with how many times the
// previous one happened again. Used by the broker client for the ZeroMQ
// errors it goes on after, so that a broker away (every HELLO and PING
// fails) makes one line, not one per attempt. Plain value; not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace relais {

class FailureNotes {
 public:
  std::optional<std::string> note(const std::string& key, std::string line);
  // Times the last failure told happened again since it was told.
  uint64_t repeats() const { return repeats_; }

 private:
  std::string last_key_;
  uint64_t repeats_ = 0;
};

}  // namespace relais
