// The referral workflow's rules (service/escalation.h): when a sent referral
// escalates, and what the escalation and the automatic response say (valid
// documents, nothing about the person).
#include <catch2/catch.hpp>

#include "schema/registry.h"
#include "service/escalation.h"
#include "util/json_msgpack.h"

using namespace relais;

namespace {

OutboxEntry logged_referral(const std::string& urgency, int64_t logged_ms) {
  OutboxEntry e;
  e.id = "01a22d3b-ed6c-71aa-af1b-3fab7a32af69";
  e.topic = "referral.social.golfe";
  e.type = "referral";
  e.urgency = urgency;
  e.case_ref = "c-11d7d0fa9006a146";
  e.status = "logged";
  e.created_ms = logged_ms - 1000;
  e.logged_ms = logged_ms;
  return e;
}

void require_valid(DocType type, const nlohmann::json& doc) {
  static const auto registry = SchemaRegistry::load_builtin();
  REQUIRE(registry.ok());
  auto body = json_to_msgpack(doc.dump());
  REQUIRE(body.ok());
  auto errors = registry->validate(type, *body);
  std::string all;
  for (const auto& e : errors) all += e.to_string() + "\n";
  INFO(all);
  CHECK(errors.empty());
}

}  // namespace

TEST_CASE("only immediate and urgent referrals have an escalation deadline", "[service][escalation]") {
  ServiceConfig c;
  c.escalate_immediate_ms = 4000;
  c.escalate_urgent_ms = 9000;
  CHECK(escalation_deadline_ms("referral", "immediate", c) == 4000);
  CHECK(escalation_deadline_ms("referral", "urgent", c) == 9000);
  CHECK_FALSE(escalation_deadline_ms("referral", "routine", c).has_value());
  CHECK_FALSE(escalation_deadline_ms("alert", "immediate", c).has_value());
  CHECK(escalate_at_ms(logged_referral("immediate", 100000), c) == 104000);
  CHECK(escalate_at_ms(logged_referral("routine", 100000), c) == 0);
  OutboxEntry queued = logged_referral("urgent", 0);
  queued.status = "queued";
  CHECK(escalate_at_ms(queued, c) == 0);  // not sent yet: no clock running
}

TEST_CASE("a referral is due once its time passed, unless answered or already escalated", "[service][escalation]") {
  OutboxEntry e = logged_referral("immediate", 100000);
  e.escalate_at_ms = 104000;
  CHECK_FALSE(escalation_due(e, 103999));
  CHECK(escalation_due(e, 104000));
  CHECK(escalation_due(e, 999999999));  // a service that was off at the deadline escalates later
  e.answer_status = "received";
  CHECK(escalation_due(e, 104000));  // "received" does not settle it
  for (const char* settled : {"accepted", "rejected", "done", "revoked"}) {
    e.answer_status = settled;
    CHECK_FALSE(escalation_due(e, 104000));
  }
  e.answer_status.clear();
  e.escalation_id = "01a22d3c-30f1-752d-b0d2-309de15ee1fd";
  CHECK_FALSE(escalation_due(e, 104000));
  e.escalation_id.clear();
  e.escalate_at_ms = 0;
  CHECK_FALSE(escalation_due(e, 104000));
}

TEST_CASE("a later answer never lowers the one recorded", "[service][escalation]") {
  CHECK(answer_rank("received") < answer_rank("accepted"));
  CHECK(answer_rank("accepted") == answer_rank("rejected"));
  CHECK(answer_rank("accepted") < answer_rank("done"));
  CHECK(answer_rank("whatever") == 0);
  CHECK(settles_referral("rejected"));
  CHECK_FALSE(settles_referral("received"));
  CHECK_FALSE(settles_referral(""));
}

TEST_CASE("the escalation names the referral, its recipient and the real elapsed time, and is valid",
          "[service][escalation]") {
  const OutboxEntry e = logged_referral("immediate", 1700000000000);
  const int64_t now = 1700000000000 + 5 * 3600000 + 59000;  // 5 h and 59 s later
  nlohmann::json doc = escalation_document(e, now, 4 * 3600000);
  require_valid(DocType::kEscalation, doc);
  CHECK(doc["about_id"] == e.id);
  CHECK(doc["reason"] == "not_acknowledged");
  CHECK(doc["case_ref"] == e.case_ref);
  const std::string note = doc["note"];
  CHECK_THAT(note, Catch::Contains("social.golfe") && Catch::Contains("300 minutes") &&
                       Catch::Contains("deadline 240 minutes"));
  CHECK(doc.size() == 5);  // about_id, reason, raised_at, case_ref, note: nothing else
  OutboxEntry acknowledged = e;
  acknowledged.answer_status = "received";
  CHECK(escalation_document(acknowledged, now, 1)["reason"] == "not_answered");
  OutboxEntry odd_ref = e;
  odd_ref.case_ref = "has spaces";  // not an escalation case_ref: left out of the document
  CHECK_FALSE(escalation_document(odd_ref, now, 1).contains("case_ref"));
  CHECK(referral_recipient("referral.ngo.refuge") == "ngo.refuge");
  CHECK(referral_recipient("alert.x.y.z").empty());
}

TEST_CASE("the automatic response is a valid referral-response of status received", "[service][escalation]") {
  nlohmann::json doc = received_response_document("GOLFE-2025-0042", 1700000000000);
  require_valid(DocType::kReferralResponse, doc);
  CHECK(doc["status"] == "received");
  CHECK(doc["referral_id"] == "GOLFE-2025-0042");
}
