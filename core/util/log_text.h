// log_text: text that came from a client, made safe for a line of the text
// log. Control characters (newlines above all, which could forge a log line)
// and backslashes are escaped as \n, \r, \t, \\ or \xHH, and the result is cut
// at max_bytes (whole characters kept), with "..." appended when cut. Plain
// function over values; allocates the result.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace relais {

std::string log_text(std::string_view text, size_t max_bytes = 256);

}  // namespace relais
