#include "broker/routes.h"

#include "policy/topic.h"

namespace relais {

std::shared_ptr<const TopicRoute> RouteCache::route_for(const TrustBundle& bundle, const std::string& topic) {
  auto it = routes_.find(topic);
  if (it != routes_.end()) return it->second;
  if (routes_.size() >= kMaxRoutes) routes_.clear();
  auto route = std::make_shared<TopicRoute>();
  route->topic = topic;
  route->readers = bundle.policy.readers(topic, bundle.participants);
  routes_.emplace(topic, route);
  return route;
}

std::string mailbox_owner_of(const Policy& policy, std::string_view topic) {
  for (const MailboxRule& rule : policy.mailboxes()) {
    bool covered = false;
    for (const std::string& p : rule.topics) covered = covered || pattern_matches(p, topic);
    if (!covered) continue;
    const SelectorValue& v = rule.owner;
    const std::vector<std::string_view> tokens = split_tokens(topic);
    if (v.ref < 0 || static_cast<size_t>(v.ref) >= tokens.size()) continue;
    std::string owner = v.prefix;
    if (v.ref_rest) {
      for (size_t i = static_cast<size_t>(v.ref); i < tokens.size(); ++i) {
        if (i > static_cast<size_t>(v.ref)) owner += '.';
        owner += tokens[i];
      }
    } else {
      owner += tokens[static_cast<size_t>(v.ref)];
    }
    owner += v.suffix;
    return owner;
  }
  return {};
}

const std::string& RouteCache::mailbox_owner(const TrustBundle& bundle, const std::string& topic) {
  auto it = owners_.find(topic);
  if (it != owners_.end()) return it->second;
  if (owners_.size() >= kMaxRoutes) owners_.clear();
  return owners_.emplace(topic, mailbox_owner_of(bundle.policy, topic)).first->second;
}

}  // namespace relais
