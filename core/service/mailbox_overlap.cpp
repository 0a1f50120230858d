#include "service/mailbox_overlap.h"

#include "policy/topic.h"

namespace relais {
namespace {

bool wildcard(std::string_view t) { return t == "*" || t == ">"; }

// Token i of a pattern as a concrete token: its literal, else the other
// pattern's literal at i, else a placeholder.
std::string token_at(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b, size_t i) {
  if (i < a.size() && !wildcard(a[i])) return std::string(a[i]);
  if (i < b.size() && !wildcard(b[i])) return std::string(b[i]);
  return "x";
}

std::string join(const std::vector<std::string>& tokens) {
  std::string out;
  for (const auto& t : tokens) out += (out.empty() ? "" : ".") + t;
  return out;
}

}  // namespace

std::optional<std::string> mailbox_topic_in(const Policy& policy, const std::string& me, const std::string& pattern) {
  if (!validate_pattern(pattern).ok()) return std::nullopt;
  const auto sub = split_tokens(pattern);
  for (const MailboxRule& rule : policy.mailboxes()) {
    const SelectorValue& owner = rule.owner;
    if (owner.ref < 0) continue;
    // The owner text, without the literal text around the reference.
    if (me.size() < owner.prefix.size() + owner.suffix.size() || me.compare(0, owner.prefix.size(), owner.prefix) != 0 ||
        me.compare(me.size() - owner.suffix.size(), owner.suffix.size(), owner.suffix) != 0)
      continue;
    const std::string named = me.substr(owner.prefix.size(), me.size() - owner.prefix.size() - owner.suffix.size());
    std::vector<std::string> own_tokens;
    for (auto t : split_tokens(named)) own_tokens.emplace_back(t);
    if (!owner.ref_rest && own_tokens.size() != 1) continue;
    const size_t k = static_cast<size_t>(owner.ref);
    for (const std::string& mbox : rule.topics) {
      const auto m = split_tokens(mbox);
      std::vector<std::string> tokens;
      for (size_t i = 0; i < k; ++i) tokens.push_back(token_at(m, sub, i));
      for (const auto& t : own_tokens) tokens.push_back(t);
      if (!owner.ref_rest)  // the tokens after the owner's, as long as the longer pattern asks
        for (size_t i = k + 1; i < std::max(m.size(), sub.size()); ++i) tokens.push_back(token_at(m, sub, i));
      const std::string topic = join(tokens);
      if (!validate_topic(topic).ok()) continue;
      if (pattern_matches(pattern, topic) && pattern_matches(mbox, topic) && policy.mailbox_owner(topic) == me)
        return topic;
    }
  }
  return std::nullopt;
}

Status check_subscriptions_against_mailbox(const Policy& policy, const std::string& me,
                                           const std::vector<ConfiguredSubscription>& subscriptions) {
  for (const auto& s : subscriptions) {
    if (auto topic = mailbox_topic_in(policy, me, s.topic))
      return Status::Config("[[subscription]] \"" + s.durable + "\" (topic " + s.topic +
                            ") overlaps the topics addressed to " + me + "'s mailbox, e.g. " + *topic +
                            ": those wait in the mailbox, which the service reads already; narrow the topic or "
                            "remove this [[subscription]]");
  }
  return Status::Ok();
}

}  // namespace relais
