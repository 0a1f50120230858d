// Routes: what the broker derives from one topic under one trust bundle, and
// the small memos that spare the policy a lookup per message.
//
// RouteCache interns a TopicRoute per topic a sender may publish on, so that
// every message on a topic shares one route and ingest copies no strings per
// message. A route belongs to the bundle it was computed under: when the
// bundle changes, reset() drops them all, and the memos (which hold a route)
// see a different route and ask the policy again. Bounded: past kMaxRoutes
// topics the cache starts over (a topic flood costs CPU, not memory).
// Not thread-safe: the engine's thread owns it.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "policy/bundle.h"

namespace relais {

struct TopicRoute {
  std::string topic;
  std::vector<std::string> readers;  // the policy's readers, sorted
};

// The last policy answer a session or subscription got for one topic: most
// traffic repeats a topic. Holding the route keeps the comparison exact.
struct PolicyMemo {
  std::shared_ptr<const TopicRoute> route;
  uint64_t serial = 0;  // the bundle the answer came from
  bool allowed = false;
};

// A session's publish answers: the ACL for the last topic, and the type rule
// for the last type on that topic.
struct PublishMemo {
  PolicyMemo topic;
  std::string type;
  bool type_allowed = false;
};

class RouteCache {
 public:
  static constexpr size_t kMaxRoutes = 100000;

  // The shared route of `topic` under `bundle` (computed once).
  std::shared_ptr<const TopicRoute> route_for(const TrustBundle& bundle, const std::string& topic);
  // Forgets every route (the bundle changed).
  void reset() { routes_.clear(); }
  size_t size() const { return routes_.size(); }

 private:
  std::unordered_map<std::string, std::shared_ptr<const TopicRoute>> routes_;
};

}  // namespace relais
