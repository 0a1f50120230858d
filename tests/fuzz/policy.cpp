// Policy TOML (core/policy/policy.h): parse, then ask the parsed policy the
// questions the broker asks.
#include "fuzz/harnesses.h"
#include "policy/policy.h"
#include "policy/topic.h"

#include <algorithm>

namespace relais::fuzz {

int fuzz_policy(const uint8_t* data, size_t size) {
  auto policy = Policy::parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.toml");
  if (!policy.ok()) return 0;
  const std::vector<PublicCard> cards = {fixed_identity(0).card, fixed_identity(1).card, fixed_identity(3).card};
  static const char* kTopics[] = {"alert.trafficking.maritime.golfe", "referral.police.golfe", "response.commission",
                                  "stats.golfe", "x"};
  for (const char* topic : kTopics) {
    const auto readers = policy->readers(topic, cards);
    FUZZ_CHECK(std::is_sorted(readers.begin(), readers.end()));
    for (const auto& c : cards) {
      const bool sub = policy->may_subscribe(c, topic);
      (void)policy->may_publish(c, topic);
      // The readers are exactly the participants that may subscribe.
      FUZZ_CHECK(sub == std::binary_search(readers.begin(), readers.end(), c.name));
      // A concrete topic as a pattern matches only itself: never a false true.
      if (validate_topic(topic).ok() && policy->may_subscribe_pattern(c, topic)) FUZZ_CHECK(sub);
    }
    (void)policy->type_allowed(topic, "alert/1");
  }
  for (const auto& c : cards) (void)policy->may_audit(c);
  for (const auto& [type, ms] : policy->expiry_ms()) FUZZ_CHECK(ms > 0);
  for (const auto& [type, ms] : policy->retention_ms()) FUZZ_CHECK(ms > 0);
  for (const auto& m : policy->mailboxes()) FUZZ_CHECK(m.owner.ref >= 0 && !m.topics.empty());
  for (const auto& c : cards) (void)policy->may_subscribe_pattern(c, "alert.*.>");
  (void)policy->describe();
  return 0;
}

}  // namespace relais::fuzz
