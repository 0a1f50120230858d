// Topic and pattern parsing and matching (core/policy/topic.h). The input is
// "pattern\ntopic"; with no newline it is used as both.
#include "fuzz/harnesses.h"
#include "policy/topic.h"

namespace relais::fuzz {

int fuzz_topic(const uint8_t* data, size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const size_t nl = all.find('\n');
  const std::string_view pattern = all.substr(0, nl);
  const std::string_view topic = nl == std::string_view::npos ? all : all.substr(nl + 1);
  const bool topic_ok = validate_topic(topic).ok();
  const bool pattern_ok = validate_pattern(pattern).ok();
  const bool matches = pattern_matches(pattern, topic);
  const auto tokens = split_tokens(topic);
  if (topic_ok) {
    // A concrete topic is a pattern that matches itself, made of valid tokens.
    FUZZ_CHECK(validate_pattern(topic).ok());
    FUZZ_CHECK(pattern_matches(topic, topic));
    FUZZ_CHECK(pattern_matches(">", topic));
    for (auto t : tokens) FUZZ_CHECK(is_topic_token(t));
  }
  (void)pattern_ok;
  (void)matches;
  return 0;
}

}  // namespace relais::fuzz
