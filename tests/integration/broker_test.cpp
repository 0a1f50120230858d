// The broker end to end: the real broker and agents over CurveZMQ on
// 127.0.0.1, with a deployment and keys generated at run time.
#include <catch2/catch.hpp>
#include <filesystem>

#include "agent/agent.h"
#include "agent/broker_client.h"
#include "crypto/envelope.h"
#include "deployment.h"
#include "util/clock.h"
#include "util/json_msgpack.h"

using namespace relais;
using namespace relais::test;

namespace {


// Seals an alert as `ctx` would, then lets the test tamper with the params.
Bytes seal_alert(const AgentContext& ctx, const std::function<void(SealParams&)>& tweak) {
  PublishRequest req;
  req.topic = kAlertTopic;
  req.type = "alert";
  req.json_text = alert_with();
  auto honest = prepare_envelope(ctx, req);
  REQUIRE(honest.ok());
  SealParams p;
  p.from = ctx.identity.card.name;
  p.topic = kAlertTopic;
  p.type = "alert/1";
  p.bundle_serial = ctx.bundle.serial;
  p.ts_ms = now_ms();
  p.expires_ms = p.ts_ms + 60000;
  for (const auto& n : ctx.bundle.policy.readers(kAlertTopic, ctx.bundle.participants))
    p.readers.emplace_back(n, ctx.bundle.find(n)->seal_pk);
  tweak(p);
  auto body = json_to_msgpack(alert_with());
  REQUIRE(body.ok());
  auto sealed = seal_envelope(p, *body, ctx.identity.sign_sk);
  REQUIRE(sealed.ok());
  return std::move(sealed).value();
}

Result<PubAckArgs> send_raw(const AgentContext& ctx, ByteView envelope) {
  BrokerClient c(ctx.config.broker, ctx.identity, ctx.bundle.broker()->link_pk, ctx.bundle.serial, 500);
  Status s = c.connect(monotonic_ms() + 10000);
  if (!s.ok()) return s;
  return c.publish(envelope, monotonic_ms() + 10000);
}

}  // namespace

TEST_CASE("the demo story plays end to end on real processes", "[integration][broker]") {
  Deployment d;
  d.start_broker();
  ChildProcess commission, committee, social, ngo;
  const std::string out = d.dir() + "/out-";
  d.start_subscriber(commission, "commission", {"--topic", "alert.>", "--count", "1", "--timeout", "20"}, out + "commission");
  d.start_subscriber(committee, "committee.golfe", {"--topic", "alert.*.maritime.golfe", "--count", "1", "--timeout", "20"},
                     out + "committee");
  // start_subscriber returned once each subscription was accepted ("new" starts after the current end).

  // 1. police.golfe raises an alert in Golfe; the commission and committee.golfe receive it.
  ProcResult pub = d.agent("police.golfe", {"publish", "--topic", kAlertTopic, "--type", "alert", "--file",
                                            source_path("demo/documents/alert-golfe.json")});
  INFO(pub.err);
  REQUIRE(pub.exit_code == 0);
  auto ack = nlohmann::json::parse(pub.out);
  REQUIRE(ack.contains("id"));
  REQUIRE(ack["seq"].get<uint64_t>() > 0);
  REQUIRE(commission.wait(20000) == 0);
  REQUIRE(committee.wait(20000) == 0);
  for (const std::string who : {"commission", "committee"}) {
    auto lines = json_lines(read_all(out + who));
    REQUIRE(lines.size() == 1);
    const nlohmann::json& m = lines[0];
    CHECK(m["id"] == ack["id"]);
    CHECK(m["seq"] == ack["seq"]);
    CHECK(m["from"] == "police.golfe");
    CHECK(m["type"] == "alert");
    CHECK(m["topic"] == kAlertTopic);
    CHECK(m["case_ref"].is_null());
    CHECK(m["body"]["location"]["prefecture"] == "golfe");
    CHECK(m["ts"].get<std::string>().size() == 24);
  }

  // 2. committee.kozah tries to subscribe to it and is refused.
  ProcResult kozah = d.agent("committee.kozah", {"subscribe", "--topic", "alert.*.maritime.golfe", "--count", "1", "--timeout", "5"});
  CHECK(kozah.exit_code == 1);
  CHECK_THAT(kozah.err, Catch::Contains("committee.kozah may not subscribe"));

  // 3. ngo.refuge refers a victim to social.golfe.
  d.start_subscriber(social, "social.golfe", {"--topic", "referral.social.golfe", "--count", "1", "--timeout", "20"}, out + "social");
  ProcResult ref = d.agent("ngo.refuge", {"publish", "--topic", "referral.social.golfe", "--type", "referral",
                                          "--case-ref", "c-test01", "--file",
                                          source_path("demo/documents/referral-ngo-to-social.json")});
  INFO(ref.err);
  REQUIRE(ref.exit_code == 0);
  REQUIRE(social.wait(20000) == 0);
  auto ref_line = json_lines(read_all(out + "social")).at(0);
  CHECK(ref_line["type"] == "referral");
  CHECK(ref_line["case_ref"] == "c-test01");
  CHECK(ref_line["body"]["to_org"] == "social.golfe");

  // 4. social.golfe accepts with a referral-response that ngo.refuge receives.
  d.start_subscriber(ngo, "ngo.refuge", {"--topic", "response.ngo.refuge", "--count", "1", "--timeout", "20"}, out + "ngo");
  ProcResult resp = d.agent("social.golfe", {"publish", "--topic", "response.ngo.refuge", "--type", "referral-response",
                                             "--in-reply-to", ref_line["id"], "--file",
                                             source_path("demo/documents/response-accepted.json")});
  INFO(resp.err);
  REQUIRE(resp.exit_code == 0);
  REQUIRE(ngo.wait(20000) == 0);
  auto resp_line = json_lines(read_all(out + "ngo")).at(0);
  CHECK(resp_line["type"] == "referral-response");
  CHECK(resp_line["in_reply_to"] == ref_line["id"]);
  CHECK(resp_line["body"]["status"] == "accepted");

  // 5. A referral without consent is refused before sending.
  ProcResult noconsent = d.agent("ngo.refuge", {"publish", "--topic", "referral.social.golfe", "--type", "referral",
                                                "--file", source_path("demo/documents/referral-no-consent.json")});
  CHECK(noconsent.exit_code == 1);
  CHECK_THAT(noconsent.err, Catch::Contains("/consent/given"));

  // 6. Everything stops cleanly.
  CHECK(d.stop_broker() == 0);
  CHECK_THAT(d.broker_log(), Catch::Contains("stopped cleanly"));
}

TEST_CASE("a key that is not in the bundle cannot connect and its client says so in time", "[integration][broker]") {
  Deployment d;
  d.start_broker();
  auto ctx = context_for(d, "police.golfe");
  auto rogue = generate_identity("police.rogue", Role::kPolice, "maritime", "golfe");
  REQUIRE(rogue.ok());
  BrokerClient c(ctx->config.broker, *rogue, ctx->bundle.broker()->link_pk, ctx->bundle.serial, 500);
  const int64_t start = monotonic_ms();
  Status s = c.connect(monotonic_ms() + 5000);
  CHECK(monotonic_ms() - start < 5500);
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Code::kRefused);
  CHECK_THAT(s.message(), Catch::Contains("refused police.rogue's key"));
  d.stop_broker();
  // The refusal is on record for the auditors.
  CHECK_THAT(d.broker_log(), Catch::Contains("authentication refused"));
}

TEST_CASE("the broker refuses to run when its ZAP handler cannot start", "[integration][broker]") {
  Deployment d;
  ChildProcess b;
  REQUIRE(b.start({bin("relais-broker"), "--config", d.dir() + "/broker.toml"}, d.dir() + "/broker.log",
                  {{"RELAIS_TEST_FAIL_ZAP", "1"}}));
  CHECK(b.wait(10000) == 2);
  CHECK_THAT(b.log(), Catch::Contains("ZAP handler could not start"));
  CHECK_THAT(b.log(), !Catch::Contains("ready on"));
  // Nothing listens: an agent cannot reach it.
  ProcResult pub = d.agent("police.golfe", {"publish", "--topic", kAlertTopic, "--type", "alert", "--timeout", "1",
                                            "--file", source_path("demo/documents/alert-golfe.json")});
  CHECK(pub.exit_code == 1);
}

TEST_CASE("a revoked participant is refused and an old bundle must be refreshed", "[integration][broker]") {
  Deployment d;
  // Serial 2 revokes police.kozah. The broker loads it; agents keep serial 1.
  ProcResult b2 = d.admin({"bundle", "--authority", d.dir() + "/keys/authority.key", "--cards", d.dir() + "/keys",
                           "--policy", d.dir() + "/policy.toml", "--serial", "2", "--revoke", "police.kozah", "--out",
                           d.dir() + "/trust2.bundle"});
  INFO(b2.err);
  REQUIRE(b2.exit_code == 0);
  auto police_kozah_old = context_for(d, "police.kozah");
  auto police_golfe_old = context_for(d, "police.golfe");
  std::filesystem::copy_file(d.dir() + "/trust2.bundle", d.dir() + "/trust.bundle",
                             std::filesystem::copy_options::overwrite_existing);
  d.start_broker();

  // The revoked key cannot even connect.
  BrokerClient c(police_kozah_old->config.broker, police_kozah_old->identity,
                 police_kozah_old->bundle.broker()->link_pk, 1, 500);
  Status s = c.connect(monotonic_ms() + 3000);
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Code::kRefused);

  // Its agent, given the new bundle, refuses to act for a revoked identity.
  ProcResult revoked = d.agent("police.kozah", {"publish", "--topic", "alert.suspected_trafficking.kara.kozah",
                                                "--type", "alert", "--file", source_path("demo/documents/alert-golfe.json")});
  CHECK(revoked.exit_code != 0);
  CHECK_THAT(revoked.err, Catch::Contains("revoked"));

  // An envelope built with serial 1 by a current sender is checked under
  // serial 2 (docs/protocol.md §Bundle serials and reloads): its readers
  // must be serial 2's, and police.kozah, revoked, reads nothing here.
  Bytes env = seal_alert(*police_golfe_old, [](SealParams& p) { p.bundle_serial = 1; });
  auto r = send_raw(*police_golfe_old, env);
  INFO(r.status().message());
  CHECK(r.ok());
  // Newer than the broker's: refused.
  auto newer = send_raw(*police_golfe_old, seal_alert(*police_golfe_old, [](SealParams& p) { p.bundle_serial = 3; }));
  REQUIRE_FALSE(newer.ok());
  CHECK_THAT(newer.status().message(), Catch::Contains("newer than the broker's"));
}

TEST_CASE("the broker refuses forged senders and wrong reader sets", "[integration][broker]") {
  Deployment d;
  d.start_broker();
  auto police = context_for(d, "police.golfe");

  SECTION("an envelope claiming another participant's name in from") {
    auto r = send_raw(*police, seal_alert(*police, [](SealParams& p) { p.from = "police.kozah"; }));
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("does not match the authenticated sender 'police.golfe'"));
  }
  SECTION("a reader set that leaves out a reader") {
    auto r = send_raw(*police, seal_alert(*police, [](SealParams& p) {
      std::erase_if(p.readers, [](const auto& rd) { return rd.first == "committee.golfe"; });
    }));
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("reader set does not match policy: missing committee.golfe"));
  }
  SECTION("a reader set with an extra reader") {
    auto r = send_raw(*police, seal_alert(*police, [&](SealParams& p) {
      p.readers.emplace_back("social.golfe", police->bundle.find("social.golfe")->seal_pk);
    }));
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("extra social.golfe"));
  }
  SECTION("a publish on a topic the policy forbids") {
    auto r = send_raw(*police, seal_alert(*police, [](SealParams& p) { p.topic = "stats.golfe"; }));
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("police.golfe may not publish on stats.golfe"));
  }
  SECTION("an expired message") {
    auto r = send_raw(*police, seal_alert(*police, [](SealParams& p) {
      p.ts_ms -= 10000;  // within the allowed clock skew, but already expired
      p.expires_ms = p.ts_ms + 5000;
    }));
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("expired"));
  }
  SECTION("a bad signature") {
    Bytes env = seal_alert(*police, [](SealParams&) {});
    env[env.size() - 5] ^= 0x01;  // inside the signature, the last field
    auto r = send_raw(*police, env);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("bad signature"));
  }
  // The broker kept serving through every refusal.
  auto ok = send_raw(*police, seal_alert(*police, [](SealParams&) {}));
  INFO(ok.status().message());
  CHECK(ok.ok());
}

TEST_CASE("one session's policy answers follow its topic and type as they change", "[integration][broker]") {
  Deployment d;
  d.start_broker();
  auto police = context_for(d, "police.golfe");
  BrokerClient c(police->config.broker, police->identity, police->bundle.broker()->link_pk, police->bundle.serial, 500);
  REQUIRE(c.connect(monotonic_ms() + 10000).ok());
  auto publish = [&](const std::function<void(SealParams&)>& tweak) {
    return c.publish(seal_alert(*police, tweak), monotonic_ms() + 10000);
  };
  auto honest = [](SealParams&) {};
  auto forbidden_topic = [](SealParams& p) { p.topic = "stats.golfe"; };
  auto wrong_type = [](SealParams& p) { p.type = "referral/1"; };
  for (int round = 0; round < 2; ++round) {
    INFO("round " << round);
    auto ok1 = publish(honest);
    INFO(ok1.status().message());
    CHECK(ok1.ok());
    auto f = publish(forbidden_topic);
    REQUIRE_FALSE(f.ok());
    CHECK_THAT(f.status().message(), Catch::Contains("police.golfe may not publish on stats.golfe"));
    auto ok2 = publish(honest);
    CHECK(ok2.ok());
    auto t = publish(wrong_type);
    REQUIRE_FALSE(t.ok());
    CHECK_THAT(t.status().message(), Catch::Contains("type referral/1 is not allowed on " + std::string(kAlertTopic)));
  }
  CHECK(publish(honest).ok());
}

TEST_CASE("a retried publish gets the same seq and is delivered once", "[integration][broker]") {
  Deployment d;
  d.start_broker();
  auto police = context_for(d, "police.golfe");
  ChildProcess sub;
  const std::string out = d.dir() + "/out-commission";
  d.start_subscriber(sub, "commission", {"--topic", "alert.>", "--timeout", "4"}, out);
  Bytes env = seal_alert(*police, [](SealParams&) {});
  auto first = send_raw(*police, env);
  auto again = send_raw(*police, env);
  REQUIRE(first.ok());
  REQUIRE(again.ok());
  CHECK(first->seq == again->seq);
  REQUIRE(sub.wait(15000) == 0);
  CHECK(json_lines(read_all(out)).size() == 1);
}

TEST_CASE("an alert whose kind or location contradicts its topic is refused before sending", "[integration][broker]") {
  Deployment d;
  d.start_broker();
  const std::string doc = source_path("demo/documents/alert-golfe.json");
  ProcResult kind = d.agent("police.golfe", {"publish", "--topic", "alert.missing_child.maritime.golfe", "--type", "alert", "--file", doc});
  CHECK(kind.exit_code == 1);
  CHECK_THAT(kind.err, Catch::Contains("kind is 'suspected_trafficking' but the topic says 'missing_child'"));
  ProcResult where = d.agent("police.golfe", {"publish", "--topic", "alert.suspected_trafficking.kara.kozah", "--type", "alert", "--file", doc});
  CHECK(where.exit_code == 1);
  CHECK_THAT(where.err, Catch::Contains("location.region"));
  d.stop_broker();
  CHECK_THAT(d.broker_log(), !Catch::Contains("refused police.golfe"));  // nothing reached the broker
}

TEST_CASE("no byte of a plaintext body reaches the broker's data folder or logs", "[integration][broker]") {
  Deployment d;
  d.start_broker();
  const std::string marker = "MARKER-" + std::to_string(now_ms()) + "-zq7";
  std::string doc = alert_with();
  doc.replace(doc.find("Two girls"), 9, marker);
  ChildProcess sub;
  const std::string out = d.dir() + "/out-commission";
  d.start_subscriber(sub, "commission", {"--topic", "alert.>", "--count", "1", "--timeout", "20"}, out);
  ProcResult pub = d.agent("police.golfe", {"publish", "--topic", kAlertTopic, "--type", "alert", "--file", "-"}, 30000, doc);
  INFO(pub.err);
  REQUIRE(pub.exit_code == 0);
  REQUIRE(sub.wait(20000) == 0);
  REQUIRE(read_all(out).find(marker) != std::string::npos);  // the reader did get it
  REQUIRE(d.stop_broker() == 0);
  size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(d.dir() + "/data")) {
    if (!e.is_regular_file()) continue;
    ++files;
    INFO(e.path());
    CHECK(read_all(e.path()).find(marker) == std::string::npos);
  }
  CHECK(files > 0);
  CHECK(d.broker_log().find(marker) == std::string::npos);
}
