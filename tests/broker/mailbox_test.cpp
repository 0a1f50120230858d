// Mailboxes in the broker engine, in-process (see engine_fixture.h): the
// reserved durable subscription "@mailbox" of every participant, holding the
// topics the policy addresses to it, and expiry at delivery.
#include "engine_fixture.h"

namespace relais::engine_test {
namespace {

const std::string kMailbox(kMailboxDurable);

// The rules the sample deployment gives referral.<name> and response.<name>
// (a second copy of the same rule changes nothing if the sample has it).
const std::string kAddressed = R"(
[[mailboxes]]
topic = ["referral.>", "response.>"]
owner = "{1..}"
)";

EngineFixture with_mailboxes(const std::function<void(BrokerConfig&)>& tweak = {}) {
  return EngineFixture(tweak, kAddressed);
}

// A referral from police.golfe to `to` (referral.<to>), sealed to its readers.
Bytes referral(EngineFixture& f, const std::string& to, const std::function<void(SealParams&)>& tweak = {}) {
  return f.alert(f.police, [&](SealParams& p) {
    p.topic = "referral." + to;
    p.type = "referral/1";
    if (tweak) tweak(p);
  });
}

void attach_mailbox(EngineFixture& f, const std::string& rid, const std::string& who, uint32_t sub_id,
                    uint32_t flags = 0) {
  f.subscribe(rid, who, sub_id, "", "", kMailbox, flags);
}

// Publishes and waits for the PUBACK; returns its seq.
uint64_t published(EngineFixture& f, uint64_t req_id, const Bytes& env) {
  const size_t before = f.pubacks(kPolice).size();
  f.publish(kPolice, "police.golfe", req_id, env);
  REQUIRE(f.run_until([&] { return f.pubacks(kPolice).size() == before + 1 || !f.errors(kPolice).empty(); }));
  REQUIRE(f.errors(kPolice).empty());
  return f.pubacks(kPolice).back().seq;
}

}  // namespace

TEST_CASE("a referral to a participant that never connected waits in its mailbox", "[engine][mailbox]") {
  auto f = with_mailboxes();
  // Every participant of the first bundle has a mailbox from the first record.
  REQUIRE(f.run_until([&] { return f.engine->cursors().exists("social.golfe", kMailbox); }));
  CHECK(f.engine->cursors().load("social.golfe", kMailbox) == 1);
  CHECK_FALSE(f.engine->cursors().exists("broker", kMailbox));

  f.hello(kPolice, "police.golfe");
  const uint64_t other = published(f, 1, referral(f, "committee.golfe"));
  const uint64_t mine = published(f, 2, referral(f, "social.golfe"));
  REQUIRE(other < mine);

  // social.golfe connects for the first time: its referral is there, the
  // other participant's is not.
  f.hello(kSocial, "social.golfe");
  attach_mailbox(f, kSocial, "social.golfe", 1);
  REQUIRE(f.replies<SubOkArgs>(kSocial, Command::kSubOk).size() == 1);
  REQUIRE(f.run_until([&] { return f.msgs(kSocial).size() == 1; }));
  f.engine->tick();
  REQUIRE(f.msgs(kSocial).size() == 1);
  CHECK(f.msgs(kSocial)[0].seq == mine);
  CHECK(f.msgs(kSocial)[0].sub_id == 1);

  // Acknowledged, it stays settled across a restart (the cursor is kept);
  // a later referral comes.
  f.ack(kSocial, "social.golfe", 1, mine);
  f.engine->tick();
  f.restart();
  REQUIRE(f.engine->cursors().load("social.golfe", kMailbox) > mine);
  f.hello(kPolice, "police.golfe");
  f.hello(kSocial, "social.golfe");
  attach_mailbox(f, kSocial, "social.golfe", 1);
  const uint64_t later = published(f, 3, referral(f, "social.golfe"));
  REQUIRE(f.run_until([&] { return f.msgs(kSocial).size() == 1; }));
  CHECK(f.msgs(kSocial)[0].seq == later);
}

TEST_CASE("a participant a reload adds gets a mailbox from that bundle on", "[engine][mailbox]") {
  auto f = with_mailboxes();
  REQUIRE(f.run_until([&] { return f.engine->cursors().exists("social.golfe", kMailbox); }));
  CHECK_FALSE(f.engine->cursors().exists("ngo.unknown", kMailbox));
  auto out = f.engine->reload(f.signed_bundle(8, {}, {f.broker.card, f.police.card, f.commission.card, f.committee.card,
                                                      f.kozah.card, f.social.card, f.stranger.card}),
                              "trust.bundle");
  REQUIRE(out.accepted);
  REQUIRE(f.run_until([&] { return f.engine->cursors().exists("ngo.unknown", kMailbox); }));
  const auto loaded = f.events_of("bundle_loaded");
  REQUIRE(loaded.size() == 2);
  CHECK(f.engine->cursors().load("ngo.unknown", kMailbox) == loaded[1].seq);
  CHECK(f.engine->cursors().load("social.golfe", kMailbox) == 1);  // untouched
}

TEST_CASE("a mailbox held by a live session is refused to another unless taken over", "[engine][mailbox]") {
  auto f = with_mailboxes();
  f.hello("old", "social.golfe");
  attach_mailbox(f, "old", "social.golfe", 1);
  REQUIRE(f.replies<SubOkArgs>("old", Command::kSubOk).size() == 1);
  f.hello("new", "social.golfe");
  attach_mailbox(f, "new", "social.golfe", 1);
  REQUIRE(f.errors("new").size() == 1);
  CHECK(f.errors("new")[0].code == ErrorCode::kDurableInUse);
  CHECK(f.errors("new")[0].reason.find("another process holds this mailbox") != std::string::npos);
  REQUIRE(f.run_until([&] { return f.events_of("refusal").size() == 1; }));

  attach_mailbox(f, "new", "social.golfe", 1, kSubTakeOver);
  REQUIRE(f.replies<SubOkArgs>("new", Command::kSubOk).size() == 1);
  f.hello(kPolice, "police.golfe");
  published(f, 1, referral(f, "social.golfe"));
  REQUIRE(f.run_until([&] { return f.msgs("new").size() == 1; }));
  CHECK(f.msgs("old").empty());
}

TEST_CASE("a mailbox or durable name whose session went silent is free", "[engine][mailbox]") {
  auto f = with_mailboxes();
  f.hello("killed", "social.golfe");
  attach_mailbox(f, "killed", "social.golfe", 1);
  f.subscribe("killed", "social.golfe", 2, "referral.social.golfe", "first", "desk");
  REQUIRE(f.replies<SubOkArgs>("killed", Command::kSubOk).size() == 2);
  // Its process was killed: nothing more from it. Just past the heartbeat
  // timeout (no tick: the sweep has not ended the session yet), both names
  // go to the restarted process without take_over.
  f.clock.advance(f.config.heartbeat_timeout_ms + 1);
  f.hello("restarted", "social.golfe");
  attach_mailbox(f, "restarted", "social.golfe", 1);
  f.subscribe("restarted", "social.golfe", 2, "referral.social.golfe", "", "desk");
  CHECK(f.errors("restarted").empty());
  CHECK(f.replies<SubOkArgs>("restarted", Command::kSubOk).size() == 2);
  f.hello(kPolice, "police.golfe");
  published(f, 1, referral(f, "social.golfe"));
  REQUIRE(f.run_until([&] { return f.msgs("restarted").size() == 2; }));
  CHECK(f.msgs("killed").empty());
}

TEST_CASE("the mailbox does not count against the durable cap and cannot be removed", "[engine][mailbox]") {
  auto f = with_mailboxes([](BrokerConfig& c) { c.max_durable_per_participant = 1; });
  f.hello(kSocial, "social.golfe");
  attach_mailbox(f, kSocial, "social.golfe", 1);
  f.subscribe(kSocial, "social.golfe", 2, "referral.social.golfe", "first", "desk");
  REQUIRE(f.errors(kSocial).empty());
  f.subscribe(kSocial, "social.golfe", 3, "referral.social.golfe", "first", "desk2");
  REQUIRE(f.errors(kSocial).size() == 1);
  CHECK(f.errors(kSocial)[0].code == ErrorCode::kLimit);

  f.command(kSocial, "social.golfe", Command::kUnsub, UnsubArgs{0, kMailbox, 77});
  REQUIRE(f.errors(kSocial).size() == 2);
  CHECK(f.errors(kSocial)[1].req_id == 77);
  CHECK(f.errors(kSocial)[1].code == ErrorCode::kForbidden);
  CHECK(f.errors(kSocial)[1].reason.find("cannot be removed") != std::string::npos);
  CHECK(f.engine->cursors().exists("social.golfe", kMailbox));
  // Still attached and delivering.
  f.hello(kPolice, "police.golfe");
  const uint64_t seq = published(f, 1, referral(f, "social.golfe"));
  REQUIRE(f.run_until([&] {
    for (const auto& m : f.msgs(kSocial))
      if (m.sub_id == 1 && m.seq == seq) return true;
    return false;
  }));
}

TEST_CASE("an expired message is not delivered: settled, and recorded as expired", "[engine][mailbox]") {
  auto f = with_mailboxes([](BrokerConfig& c) {
    c.ack_timeout_ms = 1000;
    c.heartbeat_timeout_ms = 3600000;  // the sessions outlive the clock's jumps
  });
  f.hello(kPolice, "police.golfe");
  // Sent while its reader is away, it expires before the reader comes back.
  const uint64_t gone = published(f, 1, referral(f, "social.golfe", [&](SealParams& p) {
                                    p.expires_ms = p.ts_ms + 60000;
                                  }));
  const uint64_t kept = published(f, 2, referral(f, "social.golfe"));
  f.clock.advance(120000);
  f.hello(kSocial, "social.golfe");
  attach_mailbox(f, kSocial, "social.golfe", 1);
  REQUIRE(f.run_until([&] { return f.msgs(kSocial).size() == 1 && !f.events_of("expired").empty(); }));
  CHECK(f.msgs(kSocial)[0].seq == kept);
  auto expired = f.events_of("expired");
  REQUIRE(expired.size() == 1);
  CHECK(expired[0].body["who"] == "social.golfe");
  CHECK(expired[0].body["seq"] == gone);

  // Delivered, not acknowledged, and expired before its redelivery: not
  // sent again, settled, recorded.
  const uint64_t late = published(f, 3, referral(f, "social.golfe", [&](SealParams& p) {
                                    p.expires_ms = p.ts_ms + 5000;
                                  }));
  REQUIRE(f.run_until([&] { return f.msgs(kSocial).size() == 2; }));
  CHECK(f.msgs(kSocial)[1].seq == late);
  f.ack(kSocial, "social.golfe", 1, kept);
  f.clock.advance(10000);
  REQUIRE(f.run_until([&] { return f.events_of("expired").size() == 2; }));
  f.engine->tick();
  CHECK(f.msgs(kSocial).size() == 2);
  CHECK(f.events_of("expired")[1].body["seq"] == late);
  // Everything is settled: the cursor has passed them all.
  f.restart();
  CHECK(f.engine->cursors().load("social.golfe", kMailbox) > late);
}

}  // namespace relais::engine_test
