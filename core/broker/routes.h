// Routes: what the broker derives from one topic under one trust bundle, and
// the small memos that spare the policy a lookup per message.
//
// RouteCache interns a TopicRoute per topic a sender may publish on, so that
// every message on a topic shares one route and ingest copies no strings per
// message. A route belongs to the bundle it was computed under: when the
// bundle changes, reset() drops them all, and the memos (which hold a route)
// see a different route and ask the policy again. Bounded: past kMaxRoutes
// topics the cache starts over (a topic flood costs CPU, not memory).
//
// It also answers, once per topic and bundle, whose mailbox a topic is
// addressed to (the policy's [[mailboxes]] rules: the first rule with a
// pattern matching the topic names the owner from the topic's tokens), so
// that delivery to mailboxes is one lookup per topic, not a match of every
// subscription.
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

// A session's publish answers: the ACL for the last topic, what is wrong with
// the places that topic names (empty: nothing), and the type rule for the
// last type on that topic.
struct PublishMemo {
  PolicyMemo topic;
  std::string place_problem;
  std::string type;
  bool type_allowed = false;
};

class RouteCache {
 public:
  static constexpr size_t kMaxRoutes = 100000;

  // The shared route of `topic` under `bundle` (computed once).
  std::shared_ptr<const TopicRoute> route_for(const TrustBundle& bundle, const std::string& topic);
  // The participant whose mailbox `topic` is addressed to under `bundle`, or
  // "" when no [[mailboxes]] rule covers it (computed once per topic).
  const std::string& mailbox_owner(const TrustBundle& bundle, const std::string& topic);
  // Forgets every route and owner (the bundle changed).
  void reset() {
    routes_.clear();
    owners_.clear();
  }
  size_t size() const { return routes_.size(); }

 private:
  std::unordered_map<std::string, std::shared_ptr<const TopicRoute>> routes_;
  std::unordered_map<std::string, std::string> owners_;  // topic -> mailbox owner ("" none)
};

// The owner [[mailboxes]] rules give a concrete topic, or "" (pure).
std::string mailbox_owner_of(const Policy& policy, std::string_view topic);

}  // namespace relais
