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

const std::string& RouteCache::mailbox_owner(const TrustBundle& bundle, const std::string& topic) {
  auto it = owners_.find(topic);
  if (it != owners_.end()) return it->second;
  if (owners_.size() >= kMaxRoutes) owners_.clear();
  return owners_.emplace(topic, bundle.policy.mailbox_owner(topic)).first->second;
}

}  // namespace relais
