// Mailboxes end to end: the real broker and agents over CurveZMQ on
// 127.0.0.1. A referral to an agency that has never connected waits in its
// mailbox ("@mailbox", docs/protocol.md §Mailboxes) and is delivered when the
// agency first attaches it; a second reader of that mailbox is refused.
#include <catch2/catch.hpp>

#include "agent/agent.h"
#include "agent/broker_client.h"
#include "crypto/envelope.h"
#include "crypto/uuid.h"
#include "deployment.h"
#include "util/clock.h"

using namespace relais;
using namespace relais::test;

namespace {

SubArgs mailbox_args(uint32_t flags = 0) {
  SubArgs a;
  a.req_id = 1;
  a.sub_id = 1;
  a.pattern = "";
  a.durable = std::string(kMailboxDurable);
  a.flags = flags;
  return a;
}

}  // namespace

TEST_CASE("a referral to an agency that has never connected is received when it first attaches its mailbox",
          "[integration][mailbox]") {
  Deployment d;
  d.start_broker();
  auto social = context_for(d, "social.golfe");
  // The sample deployment addresses referral.<name> to <name>.
  REQUIRE(!social->bundle.policy.mailboxes().empty());

  // social.golfe has never connected: no subscription of its own exists yet.
  ProcResult ref = d.agent("ngo.refuge", {"publish", "--topic", "referral.social.golfe", "--type", "referral",
                                          "--file", source_path("demo/documents/referral-ngo-to-social.json")});
  INFO(ref.err);
  REQUIRE(ref.exit_code == 0);
  const auto ack = nlohmann::json::parse(ref.out);
  const uint64_t seq = ack["seq"].get<uint64_t>();

  // It connects for the first time and attaches its mailbox: the referral is there.
  auto reader = client_for(*social);
  Status st = reader->subscribe(mailbox_args(), monotonic_ms() + 5000);
  INFO(st.message());
  REQUIRE(st.ok());
  auto got = reader->next(monotonic_ms() + 10000);
  REQUIRE(got.ok());
  REQUIRE(got->has_value());
  const Delivery& m = **got;
  CHECK(m.args.sub_id == 1);
  CHECK(m.args.seq == seq);
  auto env = decode_envelope(m.envelope);
  REQUIRE(env.ok());
  CHECK(env->header.topic == "referral.social.golfe");
  CHECK(env->header.from == "ngo.refuge");
  CHECK(uuid_to_string(env->header.id) == ack["id"].get<std::string>());

  // A second reader of the same mailbox is refused while the first holds it.
  auto second = client_for(*social);
  st = second->subscribe(mailbox_args(), monotonic_ms() + 5000);
  REQUIRE_FALSE(st.ok());
  CHECK(second->last_error_code() == ErrorCode::kDurableInUse);
  CHECK_THAT(st.message(), Catch::Contains("another process holds this mailbox"));

  // Acknowledged, it is not delivered again to the next reader (which takes over).
  reader->ack(1, seq);
  CHECK_FALSE(reader->next(monotonic_ms() + 300).value().has_value());  // sends the ACK
  st = second->subscribe(mailbox_args(kSubTakeOver), monotonic_ms() + 5000);
  INFO(st.message());
  REQUIRE(st.ok());
  auto again = second->next(monotonic_ms() + 1500);
  REQUIRE(again.ok());
  CHECK_FALSE(again->has_value());
  second->close();
  reader->close();
}
