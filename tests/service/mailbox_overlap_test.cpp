// The [[subscription]] check against the mailbox (service/mailbox_overlap.h),
// on the sample policy (config/policy.toml: referral.> and response.>
// addressed to {1..}).
#include <catch2/catch.hpp>

#include "policy/policy.h"
#include "service/mailbox_overlap.h"
#include "util/files.h"

using namespace relais;

namespace {

Policy sample_policy() {
  auto text = read_text_file(std::string(RELAIS_SOURCE_DIR) + "/config/policy.toml");
  REQUIRE(text.ok());
  auto p = Policy::parse(*text, "config/policy.toml");
  INFO(p.status().message());
  REQUIRE(p.ok());
  return std::move(p).value();
}

}  // namespace

TEST_CASE("a pattern covering topics addressed to this participant overlaps its mailbox", "[service][overlap]") {
  const Policy p = sample_policy();
  for (const char* pattern : {">", "referral.>", "response.>", "referral.social.golfe", "referral.*.golfe",
                              "*.social.golfe", "response.social.*", "*.*.*", "referral.social.>"}) {
    INFO(pattern);
    auto t = mailbox_topic_in(p, "social.golfe", pattern);
    REQUIRE(t.has_value());
    CHECK(p.mailbox_owner(*t) == "social.golfe");
  }
}

TEST_CASE("a pattern on other topics, or on another participant's mailbox, does not overlap", "[service][overlap]") {
  const Policy p = sample_policy();
  for (const char* pattern : {"alert.>", "alert.*.maritime.*", "referral.police.golfe", "referral.*", "escalation.>",
                              "stats.*", "referral.social.golfe.x", "response.ngo.refuge"}) {
    INFO(pattern);
    CHECK_FALSE(mailbox_topic_in(p, "social.golfe", pattern).has_value());
  }
  CHECK_FALSE(mailbox_topic_in(p, "social.golfe", "not a pattern").has_value());
}

TEST_CASE("an overlapping [[subscription]] is a configuration error naming it", "[service][overlap]") {
  const Policy p = sample_policy();
  std::vector<ConfiguredSubscription> subs = {{"alert.*.maritime.*", "alerts", "new"}};
  CHECK(check_subscriptions_against_mailbox(p, "social.golfe", subs).ok());
  subs.push_back({"referral.>", "everything-referral", "first"});
  Status s = check_subscriptions_against_mailbox(p, "social.golfe", subs);
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Code::kConfig);
  CHECK(s.exit_code() == 2);
  CHECK_THAT(s.message(), Catch::Contains("everything-referral") && Catch::Contains("referral.social.golfe") &&
                              Catch::Contains("mailbox"));
  CHECK(check_subscriptions_against_mailbox(Policy(), "social.golfe", subs).ok());  // no mailboxes at all
}
