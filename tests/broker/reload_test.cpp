// The engine's reload (broker/engine.h): a good bundle is a barrier run in
// its documented order, a bad one changes nothing, and FETCH serves every
// bundle loaded. In-process, as engine_test.cpp (engine_fixture.h).
#include "engine_fixture.h"

#include <thread>

#include "util/bytes.h"

namespace relais::engine_test {
namespace {


// Records each allowlist the engine hands over, and how much the transport
// had sent when it did (to check that the allowlist goes first).
class RecordingGatekeeper final : public Gatekeeper {
 public:
  explicit RecordingGatekeeper(const RecordingTransport& t) : transport_(t) {}
  void allow(std::map<PublicKey, std::string> allowlist) override {
    lists.push_back(std::move(allowlist));
    sent_before.push_back(transport_.sent.size());
  }
  std::vector<std::map<PublicKey, std::string>> lists;
  std::vector<size_t> sent_before;

 private:
  const RecordingTransport& transport_;
};

// Index in the transport's record of the first send matching, or npos.
size_t first_sent(const EngineFixture& f, const std::string& rid, Command cmd, size_t from = 0) {
  for (size_t i = from; i < f.transport.sent.size(); ++i)
    if (f.transport.sent[i].rid == rid && f.transport.sent[i].cmd == cmd) return i;
  return std::string::npos;
}

bool has_key(const std::map<PublicKey, std::string>& list, const PublicKey& k) { return list.count(k) != 0; }

const std::string kDenyCommissionAlerts = R"(
[[rule]]
comment = "test: the commission no longer reads alerts"
effect = "deny"
action = "subscribe"
topic = "alert.*.*.*"
role = "commission"
)";

}  // namespace

TEST_CASE("a reload revoking a connected participant runs the barrier in order", "[engine][reload]") {
  EngineFixture f;
  RecordingGatekeeper gate(f.transport);
  f.engine->set_gatekeeper(&gate);
  f.hello(kPolice, "police.golfe");
  f.hello(kCommission, "commission");
  f.subscribe(kCommission, "commission", 1, "alert.>");
  // A publish of police.golfe waits for its signature check during the reload.
  f.verifier.hold = true;
  f.publish(kPolice, "police.golfe", 9, f.alert(f.police));
  REQUIRE(f.verifier.held() == 1);
  f.transport.sent.clear();

  const Bytes next = f.signed_bundle(8, {"police.golfe"});
  auto out = f.engine->reload(next, "trust.bundle");
  INFO(out.why);
  REQUIRE(out.accepted);
  CHECK(out.serial == 8);
  CHECK(f.engine->bundle().serial == 8);

  // 1. The allowlist went first, without police.golfe's key.
  REQUIRE(gate.lists.size() == 1);
  CHECK(gate.sent_before[0] == 0);
  CHECK_FALSE(has_key(gate.lists[0], f.police.card.link_pk));
  CHECK(has_key(gate.lists[0], f.commission.card.link_pk));
  // 2. The session was told and forgotten; 3. its pending publish refused;
  // 6. then every remaining session got the notice.
  const size_t told = first_sent(f, kPolice, Command::kError);
  REQUIRE(told != std::string::npos);
  auto errors = f.errors(kPolice);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].code == ErrorCode::kRevoked);
  CHECK(errors[0].req_id == 0);
  CHECK(errors[1].code == ErrorCode::kRevoked);
  CHECK(errors[1].req_id == 9);
  const size_t notice = first_sent(f, kCommission, Command::kNotice);
  REQUIRE(notice != std::string::npos);
  CHECK(told < notice);
  CHECK(first_sent(f, kPolice, Command::kError, told + 1) < notice);
  CHECK(f.count(kPolice, Command::kNotice) == 0);
  auto notices = f.replies<NoticeArgs>(kCommission, Command::kNotice);
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].kind == "bundle_serial");
  CHECK(notices[0].values == std::vector<uint64_t>{8});
  CHECK(f.engine->session_count() == 1);

  // The publish the verifier held is never logged nor acknowledged.
  f.verifier.hold = false;
  f.verifier.release();
  REQUIRE(f.run_until([&] { return !f.engine->has_pending_publishes(); }));
  CHECK(f.pubacks(kPolice).empty());

  // Later frames on the ended session, HELLO included, get `revoked`.
  f.transport.sent.clear();
  f.publish(kPolice, "police.golfe", 10, f.alert(f.police));
  f.hello(kPolice, "police.golfe");
  errors = f.errors(kPolice);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].code == ErrorCode::kRevoked);
  CHECK(errors[1].code == ErrorCode::kRevoked);
  // A new connection of the revoked key (had ZAP let it through) is refused too.
  f.hello("rid-police-2", "police.golfe");
  REQUIRE(f.errors("rid-police-2").size() == 1);
  CHECK(f.errors("rid-police-2")[0].code == ErrorCode::kRevoked);

  // On record in that order: the session's end, the refusal, then bundle_loaded 8 with the whole file.
  REQUIRE(f.run_until([&] { return f.events_of("bundle_loaded").size() == 2; }));
  const auto loaded = f.events_of("bundle_loaded");
  CHECK(loaded[1].body["serial"] == 8);
  CHECK(loaded[1].body["bundle"] == to_base64(next));
  uint64_t disconnect_seq = 0, refusal_seq = 0;
  for (const auto& e : f.events_of("disconnect"))
    if (e.body["why"] == "revoked") disconnect_seq = e.seq;
  for (const auto& e : f.events_of("refusal"))
    if (e.body["code"] == "revoked" && refusal_seq == 0) refusal_seq = e.seq;
  CHECK(disconnect_seq > 0);
  CHECK(disconnect_seq < refusal_seq);
  CHECK(refusal_seq < loaded[1].seq);
  f.engine->set_gatekeeper(nullptr);
}

TEST_CASE("a reload that rotates a participant's keys ends the session of the old keys", "[engine][reload]") {
  EngineFixture f;
  f.hello(kPolice, "police.golfe");
  Identity rotated = EngineFixture::make("police.golfe", Role::kPolice, "maritime", "golfe");
  auto out = f.engine->reload(f.signed_bundle(8, {}, {f.broker.card, rotated.card, f.commission.card,
                                                      f.committee.card, f.kozah.card, f.social.card}),
                              "trust.bundle");
  REQUIRE(out.accepted);
  REQUIRE(f.errors(kPolice).size() == 1);
  CHECK(f.errors(kPolice)[0].code == ErrorCode::kRevoked);
  CHECK(f.engine->session_count() == 0);
}

TEST_CASE("after a reload an envelope of an older serial is accepted when its readers match the policy in force",
          "[engine][reload]") {
  EngineFixture f;
  f.hello(kCommission, "commission");
  const Bytes sealed_under_7 = f.alert(f.commission);
  REQUIRE(f.engine->reload(f.signed_bundle(8, {}), "trust.bundle").accepted);
  f.command(kCommission, "commission", Command::kPub, PubArgs{1}, &sealed_under_7);
  REQUIRE(f.run_until([&] { return f.pubacks(kCommission).size() == 1; }));
  // Newer than the broker's: refused.
  const Bytes from_the_future = f.alert(f.commission, [](SealParams& p) { p.bundle_serial = 9; });
  f.command(kCommission, "commission", Command::kPub, PubArgs{2}, &from_the_future);
  REQUIRE(f.errors(kCommission).size() == 1);
  CHECK(f.errors(kCommission)[0].code == ErrorCode::kStaleBundle);
  // Serial 9 revokes police.golfe, a reader of the topic: an envelope sealed
  // under 7 (to police.golfe too) no longer matches the readers.
  const Bytes also_under_7 = f.alert(f.commission);
  REQUIRE(f.engine->reload(f.signed_bundle(9, {"police.golfe"}), "trust.bundle").accepted);
  f.command(kCommission, "commission", Command::kPub, PubArgs{3}, &also_under_7);
  REQUIRE(f.errors(kCommission).size() == 2);
  CHECK(f.errors(kCommission)[1].code == ErrorCode::kReadersMismatch);
}

TEST_CASE("a subscription the new policy no longer allows ends with a refusal", "[engine][reload]") {
  EngineFixture f;
  f.hello(kPolice, "police.golfe");
  f.hello(kCommission, "commission");
  f.hello(kCommittee, "committee.golfe");
  f.subscribe(kCommission, "commission", 1, "alert.>");
  f.subscribe(kCommittee, "committee.golfe", 1, "alert.>");
  REQUIRE(f.engine->reload(f.signed_bundle(8, {}, {}, kDenyCommissionAlerts), "trust.bundle").accepted);
  auto errors = f.errors(kCommission);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].code == ErrorCode::kForbidden);
  CHECK(errors[0].req_id == 0);
  CHECK(errors[0].reason.find("alert.>") != std::string::npos);
  CHECK(f.errors(kCommittee).empty());
  // The session stays (its key is current); only the subscription ended.
  CHECK(f.engine->session_count() == 3);
  CHECK(f.replies<NoticeArgs>(kCommission, Command::kNotice).size() == 1);
  // Sealed to the readers under 8 (the commission is no longer one).
  f.bundle = std::make_shared<const TrustBundle>(f.engine->bundle());
  f.publish(kPolice, "police.golfe", 1, f.alert(f.police));
  REQUIRE(f.run_until([&] { return f.msgs(kCommittee).size() == 1; }));
  CHECK(f.msgs(kCommission).empty());
  REQUIRE(f.run_until([&] {
    for (const auto& e : f.events_of("refusal"))
      if (e.body["who"] == "commission" && e.body["topic"] == "alert.>") return true;
    return false;
  }));
}

TEST_CASE("a bad reload keeps the bundle in force and records reload_refused", "[engine][reload]") {
  EngineFixture f;
  f.hello(kCommission, "commission");
  f.transport.sent.clear();
  Bytes tampered = f.signed_bundle(8, {"police.golfe"});
  tampered[tampered.size() / 2] ^= 1;
  Identity other_broker = EngineFixture::make("broker", Role::kBroker, "", "");
  const std::vector<std::pair<std::string, Result<Bytes>>> bad = {
      {"bad signature", tampered},
      {"same serial", f.signed_bundle(7, {"police.golfe"})},
      {"older serial", f.signed_bundle(6, {})},
      {"unreadable", Status::IOError("cannot read trust.bundle: No such file or directory")},
      {"another broker", f.signed_bundle(8, {}, {other_broker.card, f.police.card, f.commission.card,
                                                 f.committee.card, f.kozah.card, f.social.card})},
  };
  for (const auto& [what, file] : bad) {
    INFO(what);
    auto out = f.engine->reload(file, "trust.bundle");
    CHECK_FALSE(out.accepted);
    CHECK_FALSE(out.why.empty());
    CHECK(f.engine->bundle().serial == 7);
  }
  CHECK(f.transport.sent.empty());  // no notice, nobody ended
  CHECK(f.engine->session_count() == 1);
  REQUIRE(f.run_until([&] { return f.events_of("reload_refused").size() == 5; }));
  const auto refused = f.events_of("reload_refused");
  CHECK_FALSE(refused[0].body.contains("serial"));  // did not verify: no serial to trust
  CHECK(refused[1].body["serial"] == 7);
  CHECK(refused[2].body["serial"] == 6);
  CHECK(refused[4].body["serial"] == 8);
  CHECK(refused[4].body["why"].get<std::string>().find("restart") != std::string::npos);
  CHECK(f.events_of("bundle_loaded").size() == 1);
  // Still serving under serial 7.
  f.message(kCommission, "commission", Command::kPing, Bytes{0x90});
  CHECK(f.count(kCommission, Command::kPong) == 1);
}

TEST_CASE("a reload checked on another thread is put in force later, and checked again if the bundle changed",
          "[engine][reload]") {
  EngineFixture f;
  f.hello(kCommission, "commission");
  const auto base = f.engine->bundle_in_force();
  REQUIRE(base->serial == 7);

  // The check runs beside the engine's thread, which keeps serving.
  // (Catch2's assertions are made on this thread only: the bundle is built here.)
  const Bytes eight = f.signed_bundle(8, {});
  BrokerEngine::PreparedReload prepared;
  std::thread checker([&] { prepared = f.engine->prepare_reload(eight, "trust.bundle", base); });
  f.message(kCommission, "commission", Command::kPing, Bytes{0x90});
  checker.join();
  CHECK(f.count(kCommission, Command::kPong) == 1);
  REQUIRE(prepared.next != nullptr);
  CHECK(prepared.serial == 8);
  CHECK(f.engine->bundle().serial == 7);  // checked, not yet in force

  // Meanwhile another reload put serial 9 in force: the prepared serial 8
  // is checked again against it and refused, and 9 stays.
  auto nine = f.engine->reload(f.signed_bundle(9, {}), "trust.bundle");
  REQUIRE(nine.accepted);
  auto late = f.engine->apply_reload(std::move(prepared));
  CHECK_FALSE(late.accepted);
  CHECK(late.serial == 8);
  CHECK(late.why.find("trust.bundle") != std::string::npos);
  CHECK(late.why.find("not newer") != std::string::npos);
  CHECK(f.engine->bundle().serial == 9);

  // A bundle checked against the one in force is put in force as it is.
  auto ten = f.engine->prepare_reload(f.signed_bundle(10, {}), "trust.bundle", f.engine->bundle_in_force());
  auto out = f.engine->apply_reload(std::move(ten));
  CHECK(out.accepted);
  CHECK(f.engine->bundle().serial == 10);
  // A refused check is reported as it was found, without touching the bundle.
  auto old = f.engine->prepare_reload(f.signed_bundle(6, {}), "trust.bundle", f.engine->bundle_in_force());
  CHECK(old.next == nullptr);
  auto refused = f.engine->apply_reload(std::move(old));
  CHECK_FALSE(refused.accepted);
  CHECK(refused.serial == 6);
  CHECK(f.engine->bundle().serial == 10);
}

TEST_CASE("FETCH serves every bundle loaded, across restarts, and refuses unknown kinds and serials",
          "[engine][reload]") {
  EngineFixture f;
  const Bytes first = f.bundle->file;
  f.hello(kCommission, "commission");
  const Bytes next = f.signed_bundle(8, {});
  REQUIRE(f.engine->reload(next, "trust.bundle").accepted);
  auto fetch = [&](const std::string& kind, const std::string& arg, uint64_t req) {
    f.command(kCommission, "commission", Command::kFetch, FetchArgs{req, kind, arg});
  };
  fetch("bundle", "latest", 1);
  fetch("bundle", "7", 2);
  fetch("bundle", "99", 3);
  fetch("bundle", "seven", 4);
  fetch("secrets", "all", 8);
  std::vector<Bytes> payloads;
  for (const auto& s : f.transport.sent)
    if (s.rid == kCommission && s.cmd == Command::kData) payloads.push_back(s.extra);
  auto data = f.replies<DataArgs>(kCommission, Command::kData);
  REQUIRE(data.size() == 2);
  CHECK(data[0].req_id == 1);
  CHECK(payloads[0] == next);
  CHECK(data[1].req_id == 2);
  CHECK(payloads[1] == first);
  auto errors = f.errors(kCommission);
  REQUIRE(errors.size() == 3);
  for (const auto& e : errors) CHECK(e.code == ErrorCode::kMalformed);
  CHECK(errors[0].reason.find("no bundle serial 99") != std::string::npos);
  CHECK(errors[2].reason.find("unknown kind") != std::string::npos);
  CHECK(fs::exists(f.config.data_dir + "/bundles/7.bundle"));
  CHECK(fs::exists(f.config.data_dir + "/bundles/8.bundle"));

  // After a restart (with the newer bundle configured) serial 7 is still served.
  f.bundle = std::make_shared<const TrustBundle>(f.parsed(next));
  f.restart();
  f.hello(kCommission, "commission");
  fetch("bundle", "7", 9);
  payloads.clear();
  for (const auto& s : f.transport.sent)
    if (s.rid == kCommission && s.cmd == Command::kData) payloads.push_back(s.extra);
  REQUIRE(payloads.size() == 1);
  CHECK(payloads[0] == first);
}

TEST_CASE("HELLO of protocol version 1 is refused, naming the upgrade", "[engine][reload]") {
  EngineFixture f;
  f.command(kPolice, "police.golfe", Command::kHello, HelloArgs{1, 7});
  auto e = f.errors(kPolice);
  REQUIRE(e.size() == 1);
  CHECK(e[0].reason.find("upgrade relais-agent") != std::string::npos);
  CHECK(f.engine->session_count() == 0);
}

TEST_CASE("the mailbox durable name is reserved: attached with an empty pattern and no start", "[engine][reload]") {
  EngineFixture f;
  f.hello(kCommittee, "committee.golfe");
  f.subscribe(kCommittee, "committee.golfe", 1, "committee.golfe", "", "@mailbox");
  f.subscribe(kCommittee, "committee.golfe", 2, "", "first", "@mailbox");
  auto e = f.errors(kCommittee);
  REQUIRE(e.size() == 2);
  CHECK(e[0].code == ErrorCode::kMalformed);
  CHECK(e[0].reason.find("empty pattern") != std::string::npos);
  CHECK(e[1].code == ErrorCode::kMalformed);
  CHECK(e[1].reason.find("without --from") != std::string::npos);
  f.subscribe(kCommittee, "committee.golfe", 3, "", "", "@mailbox");
  CHECK(f.replies<SubOkArgs>(kCommittee, Command::kSubOk).size() == 1);
}

}  // namespace relais::engine_test
