// Topic names and subscription patterns (docs/design.md §Topics), NATS
// semantics.
//
// A topic is 1..16 dot-separated tokens of [a-z0-9_-]+, at most 255 bytes.
// A pattern is a topic whose tokens may also be `*` (exactly one token) or,
// as the last token only, `>` (one or more remaining tokens).
// All functions are pure and thread-safe; string_views returned by
// split_tokens point into the argument, which must outlive them.
#pragma once

#include <string_view>
#include <vector>

#include "util/status.h"

namespace relais {

inline constexpr size_t kMaxTopicBytes = 255;
inline constexpr size_t kMaxTopicTokens = 16;

// Status::Invalid("topic: ...") naming the problem, or Ok.
Status validate_topic(std::string_view topic);
Status validate_pattern(std::string_view pattern);

// True if the concrete topic matches the pattern. Both must be valid
// (checked with the functions above); invalid input returns false.
bool pattern_matches(std::string_view pattern, std::string_view topic);

// Splits on '.', keeping empty tokens ("a..b" gives "a", "", "b").
std::vector<std::string_view> split_tokens(std::string_view text);

// True if the token is a plain topic token [a-z0-9_-]+.
bool is_topic_token(std::string_view token);

}  // namespace relais
