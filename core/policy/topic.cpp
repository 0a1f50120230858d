// Topic and pattern syntax, and the matcher. Hand-written: no regex.
//
// Valid topics:            Invalid topics:
//   alert.sexual.maritime.golfe     ""              (empty)
//   referral.social.golfe           "alert."        (trailing dot: empty token)
//   stats.agoe-nyive                ".alert"        (leading dot: empty token)
//   a_b.c-d.0                       "alert..x"      (empty token)
//                                   "Alert.x"       (uppercase)
//                                   "alert.x y"     (space, any other char)
//                                   "alert.*"       (wildcards only in patterns)
//                                   17 tokens, or more than 255 bytes
//
// Valid patterns:          Invalid patterns:
//   alert.>                         ">.alert"       ('>' not last)
//   alert.*.maritime.*              "alert.*x"      ('*' must be a whole token)
//   *.golfe                         "alert.x>"      ('>' must be a whole token)
//   >                               "alert.>.>"     ('>' not last)
//   referral.social.golfe           "alert.*."      (empty token)
//
// Matching (pattern, topic):
//   alert.>      alert.sexual.maritime.golfe   yes   ('>' takes the rest)
//   alert.>      alert                         no    ('>' needs at least one token)
//   alert.*      alert.sexual.maritime         no    ('*' is exactly one token)
//   *.golfe      stats.golfe                   yes
#include "policy/topic.h"

#include <string>

namespace relais {
namespace {

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

Status validate(std::string_view text, bool pattern) {
  const char* what = pattern ? "pattern" : "topic";
  if (text.empty()) return Status::Invalid(std::string("topic: empty ") + what);
  if (text.size() > kMaxTopicBytes)
    return Status::Invalid(std::string("topic: ") + what + " is longer than " + std::to_string(kMaxTopicBytes) +
                           " bytes");
  const auto tokens = split_tokens(text);
  if (tokens.size() > kMaxTopicTokens)
    return Status::Invalid(std::string("topic: ") + what + " '" + std::string(text) + "' has more than " +
                           std::to_string(kMaxTopicTokens) + " tokens");
  for (size_t i = 0; i < tokens.size(); ++i) {
    const auto t = tokens[i];
    if (t.empty()) return Status::Invalid(std::string("topic: empty token in ") + what + " '" + std::string(text) + "'");
    if (pattern && t == "*") continue;
    if (pattern && t == ">") {
      if (i + 1 != tokens.size())
        return Status::Invalid("topic: '>' must be the last token in pattern '" + std::string(text) + "'");
      continue;
    }
    if (!is_topic_token(t)) {
      std::string msg = std::string("topic: bad token '") + std::string(t) + "' in " + what + " '" +
                        std::string(text) + "': use lowercase letters, digits, '_' and '-'";
      if (pattern) msg += ", or a whole-token '*' or final '>'";
      return Status::Invalid(msg);
    }
  }
  return Status::Ok();
}

}  // namespace

std::vector<std::string_view> split_tokens(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t dot = text.find('.', start);
    if (dot == std::string_view::npos) {
      out.push_back(text.substr(start));
      return out;
    }
    out.push_back(text.substr(start, dot - start));
    start = dot + 1;
  }
}

bool is_topic_token(std::string_view token) {
  if (token.empty()) return false;
  for (char c : token)
    if (!is_token_char(c)) return false;
  return true;
}

Status validate_topic(std::string_view topic) { return validate(topic, false); }
Status validate_pattern(std::string_view pattern) { return validate(pattern, true); }

bool pattern_matches(std::string_view pattern, std::string_view topic) {
  // Walk both strings token by token without allocating.
  size_t p = 0, t = 0;
  while (true) {
    const size_t pe = std::min(pattern.find('.', p), pattern.size());
    const std::string_view ptok = pattern.substr(p, pe - p);
    if (ptok == ">") return t < topic.size();  // at least one more token
    if (t >= topic.size()) return false;       // pattern has more tokens than the topic
    const size_t te = std::min(topic.find('.', t), topic.size());
    const std::string_view ttok = topic.substr(t, te - t);
    if (ptok != "*" && ptok != ttok) return false;
    const bool p_done = pe >= pattern.size();
    const bool t_done = te >= topic.size();
    if (p_done || t_done) return p_done && t_done;
    p = pe + 1;
    t = te + 1;
  }
}

}  // namespace relais
