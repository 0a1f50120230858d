// relais-policy/2: the sections named for later work ([[mailboxes]],
// [expiry], [retention], [[erasure_orders]]) and the audit action parse into
// Policy, and bad shapes give file:line errors.
#include <catch2/catch.hpp>

#include "participant_card.h"

#include <algorithm>
#include <string>

#include "policy/policy.h"
#include "policy/sample_policy.h"
#include "policy/version_gaps.h"

using namespace relais;

namespace {

const std::string kHead = "format = \"relais-policy/2\"\n";

}  // namespace

TEST_CASE("Every relais-policy/2 section parses into the policy", "[policy]") {
  const std::string text = kHead + R"(
[[rule]]
action = "subscribe"
topic = "referral.>"
name = "{1..}"

[[rule]]
audit = true
role = "auditor"

[[rule]]
effect = "deny"
audit = true
name = "auditor.suspended"

[[mailboxes]]
topic = ["referral.>", "response.>"]
comment = "the owner is named by the tokens after the first"

[[mailboxes]]
topic = "desk.*.*"
owner = "{2}"

[expiry]
"alert/1" = "72h"
"referral/1" = "30d"

[retention]
default = "365d"
"statistics-report/1" = "90m"

[[erasure_orders]]
case_ref = "c-0123456789abcdef"
order = "court order 2026/17"

[[erasure_orders]]
case_ref = "c-fedcba9876543210"

[[erasure_orders]]
number = 7
id = "0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B"
)";
  auto p = Policy::parse(text, "v2.toml");
  INFO(p.status().message());
  REQUIRE(p.ok());
  REQUIRE(p->mailboxes().size() == 2);
  CHECK(p->mailboxes()[0].topics == std::vector<std::string>{"referral.>", "response.>"});
  CHECK(p->mailboxes()[0].owner.ref == 1);
  CHECK(p->mailboxes()[0].owner.ref_rest);
  CHECK(p->mailboxes()[1].owner.ref == 2);
  CHECK_FALSE(p->mailboxes()[1].owner.ref_rest);
  // A concrete topic's owner, resolved from its tokens; none when no rule covers it.
  CHECK(p->mailbox_owner("referral.social.golfe") == "social.golfe");
  CHECK(p->mailbox_owner("response.ngo.refuge") == "ngo.refuge");
  CHECK(p->mailbox_owner("alert.trafficking.kara.kozah").empty());
  CHECK(p->expiry_ms().at("alert/1") == 72LL * 3600 * 1000);
  CHECK(p->expiry_ms().at("referral/1") == 30LL * 86400 * 1000);
  CHECK(p->retention_ms().at("default") == 365LL * 86400 * 1000);
  CHECK(p->retention_ms().at("statistics-report/1") == 90LL * 60 * 1000);
  REQUIRE(p->erasure_orders().size() == 3);
  CHECK(p->erasure_orders()[0].case_ref == "c-0123456789abcdef");
  CHECK(p->erasure_orders()[0].order == "court order 2026/17");
  CHECK(p->erasure_orders()[1].order.empty());
  // Numbers: the position unless given; an id is kept in lower case.
  CHECK(p->erasure_orders()[0].number == 1);
  CHECK(p->erasure_orders()[1].number == 2);
  CHECK(p->erasure_orders()[2].number == 7);
  CHECK(p->erasure_orders()[2].id == "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
  CHECK(p->erasure_orders()[2].case_ref.empty());
  REQUIRE(p->erasure_order(7) != nullptr);
  CHECK(p->erasure_order(3) == nullptr);
  // A type's retention: its own, else the default.
  CHECK(p->retention_for("statistics-report/1") == 90LL * 60 * 1000);
  CHECK(p->retention_for("alert/1") == 365LL * 86400 * 1000);

  // audit = true grants auditing only to those it selects; a deny wins; an
  // audit-only rule grants no topic.
  CHECK(p->may_audit(test::participant_card("auditor", Role::kAuditor)));
  CHECK(p->may_audit(test::participant_card("auditor.north", Role::kAuditor)));
  CHECK_FALSE(p->may_audit(test::participant_card("auditor.suspended", Role::kAuditor)));
  CHECK_FALSE(p->may_audit(test::participant_card("commission", Role::kCommission)));
  PublicCard revoked = test::participant_card("auditor", Role::kAuditor);
  revoked.revoked = true;
  CHECK_FALSE(p->may_audit(revoked));
  CHECK_FALSE(p->may_publish(test::participant_card("auditor", Role::kAuditor), "alert.x.y.z"));
  CHECK(p->may_subscribe(test::participant_card("auditor", Role::kAuditor), "referral.auditor"));

  const auto lines = p->describe();
  CHECK(std::find(lines.begin(), lines.end(), "allow audit to role=auditor") != lines.end());
  CHECK(std::find(lines.begin(), lines.end(), "expiry alert/1 3d") != lines.end());
  CHECK(std::find(lines.begin(), lines.end(), "retention statistics-report/1 90m") != lines.end());
  CHECK(std::find(lines.begin(), lines.end(), "erasure order 1 for case c-0123456789abcdef (court order 2026/17)") !=
        lines.end());
  CHECK(std::find(lines.begin(), lines.end(), "erasure order 7 for message 0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b") !=
        lines.end());
}

TEST_CASE("Without a default, a type with no retention rule is kept", "[policy][retention]") {
  auto p = Policy::parse(std::string("format = \"relais-policy/2\"\n[retention]\n\"alert/1\" = \"2d\"\n"), "r.toml");
  REQUIRE(p.ok());
  CHECK(p->retention_for("alert/1") == 2LL * 86400 * 1000);
  CHECK_FALSE(p->retention_for("referral/1").has_value());
}

TEST_CASE("The sample policy lets the auditor and the commission witness checkpoints", "[policy]") {
  auto p = Policy::parse(sample_policy_toml(), "sample");
  REQUIRE(p.ok());
  CHECK(p->may_audit(test::participant_card("auditor", Role::kAuditor)));
  CHECK(p->may_audit(test::participant_card("commission", Role::kCommission)));
  CHECK_FALSE(p->may_audit(test::participant_card("police.golfe", Role::kPolice)));
  CHECK_FALSE(p->may_audit(test::participant_card("authority", Role::kAuthority)));
}

TEST_CASE("Durations are a whole number and one unit", "[policy]") {
  CHECK(parse_policy_duration("45s") == 45000);
  CHECK(parse_policy_duration("2m") == 120000);
  CHECK(parse_policy_duration("1h") == 3600000);
  CHECK(parse_policy_duration("7d") == 7LL * 86400000);
  for (const char* bad : {"", "h", "0h", "-1h", "1.5h", "72", "72H", "1w", "99999999999d", " 1h"}) {
    INFO(bad);
    CHECK_FALSE(parse_policy_duration(bad));
  }
}

TEST_CASE("Bad relais-policy/2 sections are refused with their line", "[policy]") {
  struct Case { std::string text; std::string expected; };
  const Case cases[] = {
      {kHead + "[expiry]\n\"alert/1\" = \"3 days\"\n", "bad.toml:3: policy: [expiry] alert/1 must be a duration"},
      {kHead + "[expiry]\nalert = \"3d\"\n", "bad.toml:3: policy: bad key 'alert' in [expiry]"},
      {kHead + "[expiry]\ndefault = \"3d\"\n", "bad.toml:3: policy: bad key 'default' in [expiry]"},
      {kHead + "expiry = 3\n", "bad.toml:2: policy: 'expiry' must be a table"},
      {kHead + "[retention]\ndefault = 30\n", "bad.toml:3: policy: [retention] default must be a duration"},
      {kHead + "[[mailboxes]]\nowner = \"{1..}\"\n", "bad.toml:2: policy: [[mailboxes]] needs a 'topic'"},
      {kHead + "[[mailboxes]]\ntopic = \"inbox.*\"\nowner = \"alice\"\n",
       "bad.toml:4: policy: 'owner' must refer to topic tokens"},
      {kHead + "[[mailboxes]]\ntopic = \"inbox.*\"\nowner = \"{4}\"\n",
       "bad.toml:4: policy: bad reference {4}: topic pattern 'inbox.*' has no token 4"},
      {kHead + "[[mailboxes]]\ntopic = \"inbox.>\"\nreaders = \"x\"\n", "bad.toml:4: policy: unknown key 'readers' in [[mailboxes]]"},
      {kHead + "[mailboxes]\ntopic = \"inbox.>\"\n", "bad.toml:2: policy: 'mailboxes' must be an array of tables"},
      {kHead + "[[erasure_orders]]\norder = \"x\"\n", "bad.toml:2: policy: [[erasure_orders]] needs a 'case_ref' or an 'id'"},
      {kHead + "[[erasure_orders]]\ncase_ref = \"c\"\nid = \"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b\"\n",
       "bad.toml:2: policy: [[erasure_orders]] needs a 'case_ref' or an 'id' (one of them, not both)"},
      {kHead + "[[erasure_orders]]\nid = \"42\"\n", "bad.toml:3: policy: 'id' must be a message id"},
      {kHead + "[[erasure_orders]]\ncase_ref = \"c\"\nnumber = 0\n", "bad.toml:4: policy: 'number' must be a whole number from 1"},
      {kHead + "[[erasure_orders]]\ncase_ref = \"c\"\n[[erasure_orders]]\ncase_ref = \"d\"\nnumber = 1\n",
       "bad.toml:4: policy: [[erasure_orders]] number 1 is already used at line 2"},
      {kHead + "[[erasure_orders]]\ncase_ref = \"\"\n", "bad.toml:3: policy: 'case_ref' must be a non-empty string"},
      {kHead + "[[erasure_orders]]\ncase_ref = \"c\"\nwhen = 1\n", "bad.toml:4: policy: unknown key 'when' in [[erasure_orders]]"},
      {kHead + "[[rule]]\naudit = \"yes\"\nrole = \"auditor\"\n", "bad.toml:3: policy: audit must be true or false"},
      {kHead + "[[rule]]\naudit = true\ntopic = \"x\"\n", "bad.toml:4: policy: 'topic' has no use in a rule that only grants audit"},
      {kHead + "[[rule]]\naudit = true\nregion = \"{2}\"\n", "bad.toml:4: policy: a token reference needs a topic"},
      {kHead + "[[rule]]\naudit = false\nrole = \"auditor\"\n", "bad.toml:2: policy: [[rule]] needs an 'action'"},
      {kHead + "[[rule]]\nrole = \"auditor\"\n", "or audit = true"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto p = Policy::parse(c.text, "bad.toml");
    REQUIRE_FALSE(p.ok());
    CHECK(p.status().code() == Code::kConfig);
    CHECK_THAT(p.status().message(), Catch::Contains(c.expected));
  }
}

TEST_CASE("versions of a type with different periods are pointed out, the same ones are not", "[policy][v2]") {
  const std::string head = "format = \"relais-policy/2\"\n[[types]]\ntopic = \"alert.>\"\nallow = [\"alert/1\", \"alert/2\"]\n"
                           "[[types]]\ntopic = \"stats.>\"\nallow = [\"statistics-report/1\"]\n";
  auto gaps_of = [&](const std::string& extra) {
    auto p = Policy::parse(head + extra, "p.toml");
    INFO((p.ok() ? "" : p.status().message()));
    REQUIRE(p.ok());
    return version_gaps(*p);
  };
  auto gaps = gaps_of("[retention]\n\"alert/1\" = \"730d\"\n");
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0] == "retention differs between the versions of alert (alert/1 730d, alert/2 no period (kept until "
                   "erased)): periods name a version; give each allowed version its own [retention] entry");
  CHECK(gaps_of("[retention]\n\"alert/1\" = \"730d\"\n\"alert/2\" = \"730d\"\n").empty());
  CHECK(gaps_of("[retention]\ndefault = \"365d\"\n").empty());
  CHECK(gaps_of("").empty());
  auto expiry = gaps_of("[expiry]\n\"alert/2\" = \"72h\"\n");
  REQUIRE(expiry.size() == 1);
  CHECK(expiry[0].find("alert/1 30d, alert/2 3d") != std::string::npos);
  CHECK(gaps_of("[expiry]\n\"alert/2\" = \"30d\"\n").empty());  // the same as the default
}
