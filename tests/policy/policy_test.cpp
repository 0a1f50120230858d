#include <catch2/catch.hpp>

#include "participant_card.h"

#include <string>
#include <vector>

#include "policy/policy.h"
#include "policy/sample_policy.h"
#include "util/files.h"

using namespace relais;

namespace {

std::vector<PublicCard> sample_participants() {
  return {
      test::participant_card("commission", Role::kCommission),
      test::participant_card("committee.golfe", Role::kCommittee, "maritime", "golfe"),
      test::participant_card("committee.kozah", Role::kCommittee, "kara", "kozah"),
      test::participant_card("police.golfe", Role::kPolice, "maritime", "golfe"),
      test::participant_card("police.kozah", Role::kPolice, "kara", "kozah"),
      test::participant_card("social.golfe", Role::kSocial, "maritime", "golfe"),
      test::participant_card("ngo.refuge", Role::kNgo, "maritime", "golfe"),
      test::participant_card("auditor", Role::kAuditor),
      test::participant_card("broker", Role::kBroker),
      test::participant_card("authority", Role::kAuthority),
  };
}

const PublicCard& find(const std::vector<PublicCard>& cs, const std::string& name) {
  for (const auto& c : cs)
    if (c.name == name) return c;
  FAIL("no card " << name);
  return cs.front();
}

Policy sample_policy() {
  auto p = Policy::parse(sample_policy_toml(), "sample");
  if (!p.ok()) FAIL(p.status().message());
  return *p;
}

}  // namespace

TEST_CASE("The sample policy is the same text as config/policy.toml", "[policy]") {
  auto text = read_text_file(std::string(RELAIS_SOURCE_DIR) + "/config/policy.toml");
  REQUIRE(text.ok());
  CHECK(*text == sample_policy_toml());
}

TEST_CASE("Alert readers are the commission, the prefecture's committee and the region's police", "[policy]") {
  const auto ps = sample_participants();
  const Policy p = sample_policy();
  CHECK(p.readers("alert.suspected_trafficking.maritime.golfe", ps) ==
        std::vector<std::string>{"commission", "committee.golfe", "police.golfe"});
  CHECK(p.readers("alert.suspected_trafficking.kara.kozah", ps) ==
        std::vector<std::string>{"commission", "committee.kozah", "police.kozah"});
}

TEST_CASE("Every operational role may publish an alert but not the auditor or the broker", "[policy]") {
  const auto ps = sample_participants();
  const Policy p = sample_policy();
  const std::string t = "alert.child_labour.kara.kozah";
  for (const char* n : {"commission", "committee.golfe", "police.golfe", "social.golfe", "ngo.refuge"}) {
    INFO(n);
    CHECK(p.may_publish(find(ps, n), t));
  }
  CHECK_FALSE(p.may_publish(find(ps, "auditor"), t));
  CHECK_FALSE(p.may_publish(find(ps, "broker"), t));
  CHECK_FALSE(p.may_publish(find(ps, "authority"), t));
  CHECK_FALSE(p.may_publish(find(ps, "police.golfe"), "alert.x.kara"));  // wrong shape
}

TEST_CASE("A referral inbox is read only by its owner", "[policy]") {
  const auto ps = sample_participants();
  const Policy p = sample_policy();
  CHECK(p.readers("referral.social.golfe", ps) == std::vector<std::string>{"social.golfe"});
  CHECK(p.readers("response.police.kozah", ps) == std::vector<std::string>{"police.kozah"});
  CHECK(p.readers("referral.commission", ps) == std::vector<std::string>{"commission"});
  CHECK(p.readers("referral.nobody", ps).empty());
  CHECK(p.may_publish(find(ps, "police.golfe"), "referral.social.golfe"));
  CHECK_FALSE(p.may_publish(find(ps, "auditor"), "referral.social.golfe"));
  CHECK_FALSE(p.may_subscribe(find(ps, "police.golfe"), "referral.social.golfe"));
}

TEST_CASE("Statistics go from a prefecture's committee to the commission only", "[policy]") {
  const auto ps = sample_participants();
  const Policy p = sample_policy();
  CHECK(p.may_publish(find(ps, "committee.golfe"), "stats.golfe"));
  CHECK_FALSE(p.may_publish(find(ps, "committee.golfe"), "stats.kozah"));
  CHECK_FALSE(p.may_publish(find(ps, "police.golfe"), "stats.golfe"));
  CHECK(p.readers("stats.golfe", ps) == std::vector<std::string>{"commission"});
}

TEST_CASE("A revoked participant matches no rule", "[policy]") {
  auto ps = sample_participants();
  const Policy p = sample_policy();
  for (auto& c : ps)
    if (c.name == "police.golfe") c.revoked = true;
  CHECK(p.readers("alert.x.maritime.golfe", ps) == std::vector<std::string>{"commission", "committee.golfe"});
  CHECK_FALSE(p.may_publish(find(ps, "police.golfe"), "alert.x.maritime.golfe"));
  CHECK_FALSE(p.may_subscribe_pattern(find(ps, "police.golfe"), "alert.>"));
}

TEST_CASE("Document types are allowed only on their topics", "[policy]") {
  const Policy p = sample_policy();
  CHECK(p.type_allowed("alert.x.maritime.golfe", "alert/1"));
  CHECK(p.type_allowed("alert.x.maritime.golfe", "alert/2"));
  CHECK_FALSE(p.type_allowed("alert.x.maritime.golfe", "alert/3"));
  CHECK(p.type_allowed("referral.social.golfe", "referral/2"));
  CHECK(p.type_allowed("response.police.golfe", "case-update/2"));
  CHECK_FALSE(p.type_allowed("alert.x.maritime.golfe", "referral/1"));
  CHECK(p.type_allowed("referral.social.golfe", "referral/1"));
  CHECK(p.type_allowed("referral.social.golfe", "case-update/1"));
  CHECK(p.type_allowed("response.police.golfe", "referral-response/1"));
  CHECK_FALSE(p.type_allowed("response.police.golfe", "referral/1"));
  CHECK(p.type_allowed("stats.golfe", "statistics-report/1"));
  CHECK_FALSE(p.type_allowed("unknown.topic", "alert/1"));
}

TEST_CASE("Subscribing to a pattern needs at least one permitted topic", "[policy]") {
  const auto ps = sample_participants();
  const Policy p = sample_policy();
  const auto& kozah = find(ps, "committee.kozah");
  CHECK(p.may_subscribe_pattern(kozah, "alert.>"));
  CHECK(p.may_subscribe_pattern(kozah, "alert.*.*.kozah"));
  CHECK(p.may_subscribe_pattern(kozah, ">"));
  CHECK_FALSE(p.may_subscribe_pattern(kozah, "alert.*.*.golfe"));
  CHECK_FALSE(p.may_subscribe(kozah, "alert.suspected_trafficking.maritime.golfe"));
  CHECK_FALSE(p.may_subscribe_pattern(kozah, "stats.>"));
  CHECK(p.may_subscribe_pattern(find(ps, "commission"), "stats.>"));
  CHECK(p.may_subscribe_pattern(find(ps, "social.golfe"), "referral.>"));
  CHECK(p.may_subscribe_pattern(find(ps, "social.golfe"), "referral.social.*"));
  CHECK(p.may_subscribe_pattern(find(ps, "social.golfe"), "referral.social.golfe"));
  CHECK_FALSE(p.may_subscribe_pattern(find(ps, "social.golfe"), "referral.police.*"));
  CHECK_FALSE(p.may_subscribe_pattern(find(ps, "social.golfe"), "referral.*"));
  CHECK(p.may_subscribe_pattern(find(ps, "police.kozah"), "alert.*.kara.>"));
  CHECK_FALSE(p.may_subscribe_pattern(find(ps, "police.kozah"), "alert.*.maritime.>"));
  CHECK_FALSE(p.may_subscribe_pattern(find(ps, "auditor"), "alert.>"));
  CHECK(p.may_subscribe_pattern(find(ps, "auditor"), ">"));  // its own referral inbox
  CHECK_FALSE(p.may_subscribe_pattern(find(ps, "authority"), ">"));
}

TEST_CASE("A deny rule wins over every allow", "[policy]") {
  const std::string text = R"(format = "relais-policy/2"
[[rule]]
action = ["publish", "subscribe"]
topic = "alert.>"

[[rule]]
effect = "deny"
action = "subscribe"
topic = "alert.*.kara.>"
role = "ngo"

[[rule]]
effect = "deny"
action = "publish"
topic = ">"
name = "police.kozah"
)";
  auto p = Policy::parse(text, "deny.toml");
  REQUIRE(p.ok());
  const auto ps = sample_participants();
  CHECK(p->may_subscribe(find(ps, "ngo.refuge"), "alert.x.maritime.golfe"));
  CHECK_FALSE(p->may_subscribe(find(ps, "ngo.refuge"), "alert.x.kara.kozah"));
  CHECK(p->may_subscribe(find(ps, "police.golfe"), "alert.x.kara.kozah"));
  CHECK_FALSE(p->may_publish(find(ps, "police.kozah"), "alert.x.kara.kozah"));
  CHECK(p->may_subscribe(find(ps, "police.kozah"), "alert.x.kara.kozah"));
  CHECK_FALSE(p->may_subscribe_pattern(find(ps, "ngo.refuge"), "alert.*.kara.>"));
  CHECK(p->may_subscribe_pattern(find(ps, "ngo.refuge"), "alert.>"));
  // Deny by default: nothing grants stats.
  CHECK_FALSE(p->may_publish(find(ps, "commission"), "stats.golfe"));
}

TEST_CASE("Token references may carry literal text around them", "[policy]") {
  const std::string text = R"(format = "relais-policy/2"
[[rule]]
action = "subscribe"
topic = "desk.*"
name = "committee.{1}"
)";
  auto p = Policy::parse(text, "ref.toml");
  REQUIRE(p.ok());
  const auto ps = sample_participants();
  CHECK(p->readers("desk.golfe", ps) == std::vector<std::string>{"committee.golfe"});
}

TEST_CASE("Bad policies are refused with every error and its line", "[policy]") {
  struct Case { std::string text; std::vector<std::string> expected; };
  const std::string head = "format = \"relais-policy/2\"\n";
  const Case cases[] = {
      {"[[rule]]\naction = \"publish\"\ntopic = \"x\"\n", {"bad.toml:1: policy: missing format"}},
      {"format = \"relais-policy/3\"\n", {"bad.toml:1: policy: unsupported format"}},
      {"\nformat = \"relais-policy/1\"\n", {"bad.toml:2: policy: this is a version-1 policy; change this line to "
                                               "format = \"relais-policy/2\""}},
      {head + "[[rule]]\naction = \"publish\"\ntopic = \"alert.>.x\"\n", {"bad.toml:4: policy: topic: '>' must be the last"}},
      {head + "[[rule]]\naction = \"publish\"\ntopic = \"Alert\"\n", {"bad.toml:4: policy: topic: bad token"}},
      {head + "[[rule]]\naction = \"publish\"\ntopic = \"x\"\nwho = \"me\"\n", {"bad.toml:5: policy: unknown key 'who'"}},
      {head + "[[rule]]\naction = \"publish\"\ntopic = \"x\"\nrole = [\"police\", \"pirate\"]\n",
       {"bad.toml:5: policy: unknown role 'pirate'"}},
      {head + "[[rule]]\naction = \"publish\"\ntopic = \"x\"\nrole = \"authority\"\n",
       {"bad.toml:5: policy: role 'authority' is never a participant"}},
      {head + "[[rule]]\naction = \"read\"\ntopic = \"x\"\n", {"bad.toml:3: policy: unknown action 'read'"}},
      {head + "[[rule]]\naction = \"publish\"\ntopic = \"stats.*\"\nprefecture = \"{2}\"\n",
       {"bad.toml:5: policy: bad reference {2}: topic pattern 'stats.*' has no token 2"}},
      {head + "[[rule]]\naction = \"publish\"\ntopic = \"x.*\"\nname = \"{x}\"\n", {"bad.toml:5: policy: bad token reference"}},
      {head + "[[rule]]\naction = \"publish\"\n", {"bad.toml:2: policy: [[rule]] needs a 'topic'"}},
      {head + "[[rule]]\ntopic = \"x\"\n", {"bad.toml:2: policy: [[rule]] needs an 'action'"}},
      {head + "[[rule]]\neffect = \"maybe\"\naction = \"publish\"\ntopic = \"x\"\n", {"bad.toml:3: policy: effect must be"}},
      {head + "[[types]]\ntopic = \"alert.>\"\nallow = [\"Alert\"]\n", {"bad.toml:4: policy: bad document type 'Alert'"}},
      {head + "rules = 3\n", {"bad.toml:2: policy: unknown key 'rules'"}},
      {head + "[[rule]]\naction = \"publish\"\ntopic = \"x\"\nrole = []\n", {"bad.toml:5: policy: 'role' is an empty list"}},
      {head + "x = [\n", {"bad.toml:2: policy: "}},
      // Several errors at once, each with its own line.
      {head + "[[rule]]\naction = \"publish\"\ntopic = \"a..b\"\nrole = \"pirate\"\n\n[[rule]]\naction = \"publish\"\n"
              "topic = \"c.*\"\nregion = \"{5}\"\n",
       {"bad.toml:4: policy: topic: empty token", "bad.toml:5: policy: unknown role 'pirate'",
        "bad.toml:10: policy: bad reference {5}"}},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto p = Policy::parse(c.text, "bad.toml");
    REQUIRE_FALSE(p.ok());
    CHECK(p.status().code() == Code::kConfig);
    for (const auto& e : c.expected) CHECK_THAT(p.status().message(), Catch::Contains(e));
    if (c.expected.size() > 1) {
      const auto& m = p.status().message();
      CHECK(static_cast<size_t>(std::count(m.begin(), m.end(), '\n')) + 1 >= c.expected.size());
    }
  }
}

TEST_CASE("describe prints one line per rule", "[policy]") {
  const Policy p = sample_policy();
  const auto lines = p.describe();
  CHECK(lines.size() == p.rules().size() + p.type_rules().size() + p.mailboxes().size());
  CHECK_THAT(lines.at(2), Catch::Contains("role=committee prefecture={3}"));
}
