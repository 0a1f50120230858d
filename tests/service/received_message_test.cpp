// What the service keeps of a delivery and what a hook reads
// (service/received_message.h): the body only when asked.
#include <catch2/catch.hpp>

#include "service/received_message.h"

using namespace relais;

namespace {

OpenedDelivery opened_referral() {
  OpenedDelivery d;
  d.id = "01a22d3b-ed6c-71aa-af1b-3fab7a32af69";
  d.ts_ms = 1700000000000;
  d.expires_ms = 1700000000000 + 86400000;
  d.message = nlohmann::ordered_json::parse(R"({"seq":7,"id":"01a22d3b-ed6c-71aa-af1b-3fab7a32af69",
    "topic":"referral.social.golfe","type":"referral","from":"ngo.refuge","ts":"2023-11-14T22:13:20.000Z",
    "urgency":"immediate","case_ref":"c-1","handling":"H2","in_reply_to":null,"handling_meaning":"...",
    "body":{"person":{"name":"MARKER-person"}}})");
  return d;
}

}  // namespace

TEST_CASE("a hook reads the routing fields, and the body only when configured", "[service][hook]") {
  const OpenedDelivery d = opened_referral();
  const auto without = hook_input(d.message, false);
  CHECK_FALSE(without.contains("body"));
  CHECK(without.dump().find("MARKER") == std::string::npos);
  CHECK(without["id"] == d.id);
  CHECK(without["from"] == "ngo.refuge");
  CHECK(without["topic"] == "referral.social.golfe");
  CHECK(without.size() == d.message.size() - 1);
  const auto with = hook_input(d.message, true);
  CHECK(with == d.message);
}

TEST_CASE("the stored clear columns are the routing fields", "[service][receive]") {
  OpenedDelivery d = opened_referral();
  StoredMessage m = stored_message_of(d, "@mailbox", 1700000001000);
  CHECK(m.id == d.id);
  CHECK(m.seq == 7);
  CHECK(m.subscription == "@mailbox");
  CHECK(m.sender == "ngo.refuge");
  CHECK(m.type == "referral");
  CHECK(m.case_ref == "c-1");
  CHECK(m.in_reply_to.empty());
  CHECK(m.urgency == "immediate");
  CHECK(m.ts_ms == d.ts_ms);
  CHECK(m.expires_ms == d.expires_ms);
  CHECK(m.received_ms == 1700000001000);
  CHECK(m.status == "new");
  d.expired = true;
  CHECK(stored_message_of(d, "alerts", 0).status == "expired");
}

TEST_CASE("a hook hears that files came, their types and sizes, never their names or bytes", "[service][hook]") {
  OpenedDelivery d = opened_referral();
  d.message["body"]["attachments"] = nlohmann::ordered_json::parse(
      R"([{"name":"MARKER-photo of Afi.jpg","media_type":"image/jpeg","size":48213,"blake2b":"00"},
          {"name":"MARKER-scan.pdf","media_type":"application/pdf","size":9000,"blake2b":"11"}])");
  const auto without = hook_input(d.message, false);
  CHECK(without.dump().find("MARKER") == std::string::npos);
  REQUIRE(without["attachments"].size() == 2);
  CHECK(without["attachments"][0] == nlohmann::ordered_json({{"media_type", "image/jpeg"}, {"size", 48213}}));
  CHECK(without["attachments"][1]["size"] == 9000);
  // With the body, the document's own list (and still no file).
  const auto with = hook_input(d.message, true);
  CHECK(with == d.message);
  // A message without files says nothing about them.
  CHECK_FALSE(hook_input(opened_referral().message, false).contains("attachments"));
}
