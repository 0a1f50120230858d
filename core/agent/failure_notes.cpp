#include "agent/failure_notes.h"

namespace relais {

std::optional<std::string> FailureNotes::note(const std::string& key, std::string line) {
  if (!last_key_.empty() && key == last_key_) {
    ++repeats_;
    return std::nullopt;
  }
  if (repeats_ > 0) line += " (the previous failure happened " + std::to_string(repeats_) + " more times)";
  last_key_ = key;
  repeats_ = 0;
  return line;
}

}  // namespace relais
