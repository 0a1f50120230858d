// json_text: JSON for printing (stdout reports, --json output, received
// messages). A string holding invalid UTF-8 (a damaged or tampered log, a
// hostile sender's field) is printed with U+FFFD in place of the bad bytes,
// where nlohmann-json's plain dump() would throw and turn a report into an
// "unexpected error". Works for nlohmann::json and nlohmann::ordered_json.
// indent < 0: one line. Never throws for bad text; thread-safe.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace relais {

template <class Json>
std::string json_text(const Json& j, int indent = -1) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace relais
