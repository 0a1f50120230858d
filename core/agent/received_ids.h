// ReceivedIds: the ids of the messages this agent has already handed over,
// so that a message delivered twice (a broker redelivery after a lost ACK, a
// copy replayed under another subscription) is dropped with an ACK.
//
// Kept in one file (the agent uses state_dir/received/<durable name>.ids, one
// per durable subscription or mailbox: a plain subscription replaying with
// --from is a deliberate look back and keeps its ids in memory), one
// canonical UUID a line, appended and fdatasynced as each is added; loaded
// once by open(). Bounded: only the newest `keep` ids are remembered; once
// the file holds twice that many it is rewritten durably with the newest
// `keep`. An empty path keeps the ids in memory only (for this process). A file that cannot be read or written
// is Status::IOError naming it; a line that is not a UUID is skipped.
// Single-threaded use.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <unordered_set>

#include "util/status.h"

namespace relais {

class ReceivedIds {
 public:
  static constexpr size_t kDefaultKeep = 10000;

  // `path`: the file (its folder must exist), or empty for memory only.
  explicit ReceivedIds(std::string path, size_t keep = kDefaultKeep);
  Status open();
  bool contains(const std::string& id) const { return set_.count(id) != 0; }
  // Remembers id (no-op when already known).
  Status add(const std::string& id);
  size_t size() const { return order_.size(); }

 private:
  Status rewrite();

  std::string path_;  // empty: memory only
  size_t keep_;
  size_t lines_in_file_ = 0;
  std::deque<std::string> order_;
  std::unordered_set<std::string> set_;
};

}  // namespace relais
