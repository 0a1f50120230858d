// The service's configuration check: a [[subscription]] must not overlap the
// topics addressed to this participant's mailbox. Those wait in the mailbox
// ("@mailbox"), which the service reads already; a durable subscription on
// them too would store every referral twice and answer it twice.
//
// mailbox_topic_in(policy, me, pattern) looks for a concrete topic that the
// pattern matches and that the policy's [[mailboxes]] address to `me`
// (Policy::mailbox_owner). Candidates are built from each mailbox pattern,
// the subscription pattern and this participant's name, and each is checked
// with pattern_matches and mailbox_owner, so an answer is never wrong; an
// owner reference with literal text around it may be missed (none in the
// sample policy). Pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/agent_config.h"
#include "policy/policy.h"
#include "util/status.h"

namespace relais {

// A topic addressed to `me` that `pattern` matches (an example for the
// message), or nullopt when there is none.
std::optional<std::string> mailbox_topic_in(const Policy& policy, const std::string& me, const std::string& pattern);

// Status::Config naming the first [[subscription]] that overlaps, with an
// example topic and what to do; Ok otherwise.
Status check_subscriptions_against_mailbox(const Policy& policy, const std::string& me,
                                           const std::vector<ConfiguredSubscription>& subscriptions);

}  // namespace relais
