// URI reference resolution (RFC 3986 §5.2) and JSON pointer fragments
// (RFC 6901) for $id and $ref. Pure functions, no allocation beyond results.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace relais {

// Resolves ref against base ("" base means "no base": ref stays relative).
std::string uri_resolve(std::string_view base, std::string_view ref);

// Splits "a#b" into ("a", "b"); without '#', the fragment is empty.
std::pair<std::string, std::string> uri_split_fragment(std::string_view uri);

// Decodes a fragment that is a JSON pointer ("/definitions/a%25b/~1x") into
// its reference tokens: percent-decoding first, then ~1 -> '/', ~0 -> '~'.
// Returns nullopt on a malformed escape.
std::optional<std::vector<std::string>> json_pointer_tokens(std::string_view fragment);

// Escapes one token for a JSON pointer ('~' -> ~0, '/' -> ~1).
std::string json_pointer_escape(std::string_view token);

}  // namespace relais
