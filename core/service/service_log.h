// ServiceLog: where the agent service writes its lines for people (the
// program sends them to stderr, hence the journal under systemd). A line
// names ids, topics, participants and counts; never a body or a value read
// from a document.
#pragma once

#include <functional>
#include <string>

namespace relais {

using ServiceLog = std::function<void(const std::string&)>;

}  // namespace relais
