// UTF-8 validity: the one check the schema validator, attachment names and
// anything else that must refuse malformed text share.
// Pure; thread-safe.
#pragma once

#include <string_view>

namespace relais {

// True when s is well-formed UTF-8: no overlong forms, no surrogates, no
// code point above U+10FFFF, no truncated sequence.
bool utf8_valid(std::string_view s);

}  // namespace relais
