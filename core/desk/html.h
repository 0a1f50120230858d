// HTML text escaping for the desk's server-rendered pages. Every value that
// reaches a page (message fields, names, catalog texts) goes through
// escape(): nothing from a message body is ever interpreted as HTML.
// Pure functions.
#pragma once

#include <string>
#include <string_view>

namespace relais::desk {

// &, <, >, " and ' as entities; control characters other than \n and \t
// dropped; invalid UTF-8 bytes replaced by U+FFFD.
std::string escape(std::string_view text);
// For a URL path segment or query value: percent-encoding of everything but
// unreserved characters.
std::string url_encode(std::string_view text);

}  // namespace relais::desk
