// Audit across bundles: logs whose bundle_loaded events carry the bundles,
// with a key rotation, a revocation and a case followed through in_reply_to.
#include <catch2/catch.hpp>

#include "audit/replay.h"
#include "audit/verify.h"
#include "audit_fixture.h"
#include "util/clock.h"

using namespace relais;
using namespace relais::audit_test;

namespace {

struct Bundle {
  Bytes file;
  TrustBundle parsed;
};

// A deployment whose police key is rotated (serial 2) and whose social
// agency is then revoked (serial 3); the log carries every bundle.
struct History {
  Identity authority = Deployment::make("authority", Role::kAuthority, "", "");
  Identity broker = Deployment::make("broker", Role::kBroker, "", "");
  Identity police_a = Deployment::make("police.golfe", Role::kPolice, "maritime", "golfe");
  Identity police_b = Deployment::make("police.golfe", Role::kPolice, "maritime", "golfe");
  Identity commission = Deployment::make("commission", Role::kCommission, "", "");
  Identity committee = Deployment::make("committee.golfe", Role::kCommittee, "maritime", "golfe");
  Identity social = Deployment::make("social.golfe", Role::kSocial, "maritime", "golfe");
  TempDir root;
  int64_t ts = kBaseTs;

  // police_b replaces police_a at `serial` (police_a's keys retired).
  Bundle rotated_bundle(uint64_t serial) {
    BundleSpec spec;
    spec.serial = serial;
    spec.issued_at_ms = kBaseTs + static_cast<int64_t>(serial);
    spec.policy_text = sample_policy_toml();
    spec.cards = {broker.card, police_b.card, commission.card, committee.card, social.card};
    spec.history["police.golfe"].retired.push_back(
        {police_a.card.sign_pk, police_a.card.link_pk, police_a.card.seal_pk, serial});
    auto bytes = build_bundle(authority, spec);
    REQUIRE(bytes.ok());
    auto b = parse_bundle(*bytes, authority.card.sign_pk, "test.bundle");
    REQUIRE(b.ok());
    return {*bytes, std::move(*b)};
  }

  Bundle make_bundle(uint64_t serial, const Identity& police, const std::vector<std::string>& revoked,
                     const Identity* signer = nullptr) {
    auto bytes = build_bundle(signer ? *signer : authority,
                              {broker.card, police.card, commission.card, committee.card, social.card},
                              sample_policy_toml(), serial, kBaseTs + static_cast<int64_t>(serial), revoked);
    REQUIRE(bytes.ok());
    auto b = parse_bundle(*bytes, (signer ? *signer : authority).card.sign_pk, "test.bundle");
    REQUIRE(b.ok());
    return {*bytes, std::move(*b)};
  }

  Bytes seal(const Identity& sender, uint64_t serial, std::optional<std::string> case_ref,
             std::optional<Uuid> in_reply_to, Uuid* id = nullptr) {
    SealParams p;
    p.from = sender.card.name;
    if (sender.card.role == Role::kPolice) {
      p.topic = "alert.missing_child.maritime.golfe";
      p.type = "alert/1";
    } else {
      p.topic = "referral.committee.golfe";
      p.type = "referral/1";
    }
    p.readers = {{"committee.golfe", committee.card.seal_pk}};
    p.ts_ms = ts;
    p.expires_ms = ts + 86400000;
    p.bundle_serial = serial;
    p.case_ref = std::move(case_ref);
    p.in_reply_to = in_reply_to;
    auto body = json_to_msgpack(R"({"kind":"x"})");
    REQUIRE(body.ok());
    auto env = seal_envelope(p, *body, sender.sign_sk);
    REQUIRE(env.ok());
    if (id != nullptr) {
      auto d = decode_envelope(*env);
      REQUIRE(d.ok());
      *id = d->header.id;
    }
    return *env;
  }

  int64_t tick() { return ts += 1000; }

  AuditTrust pinned(const TrustBundle* given = nullptr) const {
    AuditTrust t;
    t.authority = authority.card.sign_pk;
    if (given != nullptr) t.given = std::make_shared<const TrustBundle>(*given);
    return t;
  }
};

Bytes delivery(const std::string& who, uint64_t seq, uint32_t attempt) {
  EventBuilder ev;
  ev.begin("delivery", 1).array("items", 1).raw().pack_array(4).pack(who).pack(1).pack(seq).pack(attempt);
  return ev.bytes();
}

Bytes ack(const std::string& who, uint64_t seq) {
  EventBuilder ev;
  ev.begin("ack", 1).array("items", 1).raw().pack_array(2).pack(who).pack(seq);
  return ev.bytes();
}

VerifyReport verify_ok(const std::string& dir, const AuditTrust& trust) {
  auto r = verify_log(dir, trust);
  REQUIRE(r.ok());
  // Any thread count and chunk size gives the same report.
  VerifyOptions o;
  o.threads = 3;
  o.chunk_records = 1;
  auto again = verify_log(dir, trust, o);
  REQUIRE(again.ok());
  CHECK(report_to_json(*again).dump() == report_to_json(*r).dump());
  return std::move(*r);
}

}  // namespace

TEST_CASE("After a key rotation, an intact log stays INTACT, and the summary lists each bundle", "[history]") {
  History h;
  Bundle b1 = h.make_bundle(1, h.police_a, {});
  Bundle b2 = h.rotated_bundle(2);
  const std::string data = h.root.path + "/data";
  {
    LogFile log(data, h.broker.sign_sk);
    log.bundle_loaded(h.tick(), b1.file, 1, b1.parsed.hash);
    for (int i = 0; i < 5; ++i) log.message(h.tick(), h.seal(h.police_a, 1, "case-1", std::nullopt));
    log.bundle_loaded(h.tick(), b2.file, 2, b2.parsed.hash);
    for (int i = 0; i < 5; ++i) log.message(h.tick(), h.seal(h.police_b, 2, "case-1", std::nullopt));
    // An agency that has not fetched serial 2 yet still names serial 1.
    log.message(h.tick(), h.seal(h.social, 1, std::nullopt, std::nullopt));
    log.close();
  }
  auto rep = verify_ok(data, h.pinned());
  INFO((rep.fault ? rep.fault->to_string() : std::string()));
  REQUIRE(rep.ok());
  CHECK(rep.summary.messages == 11);
  CHECK(rep.summary.senders.at("police.golfe") == 10);
  REQUIRE(rep.summary.bundles_loaded.size() == 2);
  CHECK(rep.summary.bundles_loaded.at(1).seq == 1);
  CHECK(rep.summary.bundles_loaded.at(2).seq == 7);
  CHECK(rep.summary.bundles_loaded.at(2).ts_ms == kBaseTs + 7000);
  CHECK(rep.summary.bundles_loaded.at(2).carried);
  CHECK(rep.summary.bundle_serial == 2);
  CHECK_FALSE(rep.summary.bundle_given);
  const auto j = report_to_json(rep);
  CHECK(j["verdict"] == "intact");
  REQUIRE(j["bundles_loaded"].size() == 2);
  CHECK(j["bundles_loaded"][1]["serial"] == 2);
  CHECK(j["bundles_loaded"][1]["loaded"] == format_rfc3339_ms(kBaseTs + 7000));
  CHECK(j["bundles_loaded"][1]["hash"] == to_hex(b2.parsed.hash));
  const std::string text = format_summary(rep);
  CHECK(text.find("serial 1 at " + format_rfc3339_ms(kBaseTs + 1000) + " (seq 1)") != std::string::npos);
  CHECK(text.find("serial 2 at " + format_rfc3339_ms(kBaseTs + 7000) + " (seq 7)") != std::string::npos);

  SECTION("a given bundle the log loaded, or a newer one, is accepted") {
    CHECK(verify_ok(data, h.pinned(&b1.parsed)).ok());
    CHECK(verify_ok(data, h.pinned(&b2.parsed)).ok());
    BundleSpec spec = spec_of(b2.parsed);
    spec.serial = 3;
    auto bytes = build_bundle(h.authority, spec);
    REQUIRE(bytes.ok());
    auto p3 = parse_bundle(*bytes, h.authority.card.sign_pk, "3.bundle");
    REQUIRE(p3.ok());
    Bundle b3{*bytes, std::move(*p3)};
    auto r3 = verify_ok(data, h.pinned(&b3.parsed));
    CHECK(r3.ok());
    CHECK(r3.summary.bundle_serial == 3);
    CHECK(r3.summary.bundle_given);
  }
  SECTION("the old key signing after the rotation is DAMAGED") {
    const std::string copy = h.root.path + "/late";
    fs::copy(data, copy, fs::copy_options::recursive);
    {
      LogFile log(copy, h.broker.sign_sk);
      log.message(h.tick(), h.seal(h.police_a, 1, std::nullopt, std::nullopt));
      log.close();
    }
    auto r = verify_ok(copy, h.pinned());
    REQUIRE(r.fault.has_value());
    CHECK(r.fault->kind == "revoked key");
    CHECK(r.fault->seq == 14);
    CHECK(r.fault->detail.find("police.golfe") != std::string::npos);
    CHECK(r.fault->detail.find("retired at serial 2") != std::string::npos);
  }
}

TEST_CASE("A message signed after the log shows its key revoked is DAMAGED, and earlier ones stay valid", "[history]") {
  History h;
  Bundle b1 = h.make_bundle(1, h.police_a, {});
  Bundle b2 = h.make_bundle(2, h.police_a, {"social.golfe"});
  const std::string data = h.root.path + "/data";
  {
    LogFile log(data, h.broker.sign_sk);
    log.bundle_loaded(h.tick(), b1.file, 1, b1.parsed.hash);
    log.message(h.tick(), h.seal(h.social, 1, std::nullopt, std::nullopt));      // seq 2: valid then
    log.message(h.tick(), h.seal(h.police_a, 1, std::nullopt, std::nullopt));    // seq 3
    log.bundle_loaded(h.tick(), b2.file, 2, b2.parsed.hash);                      // seq 4
    log.message(h.tick(), h.seal(h.police_a, 2, std::nullopt, std::nullopt));    // seq 5
    log.message(h.tick(), h.seal(h.social, 1, std::nullopt, std::nullopt));      // seq 6: after revocation
    log.message(h.tick(), h.seal(h.police_a, 2, std::nullopt, std::nullopt));    // seq 7
    log.close();
  }
  auto rep = verify_ok(data, h.pinned());
  REQUIRE(rep.fault.has_value());
  INFO(rep.fault->to_string());
  CHECK(rep.fault->kind == "revoked key");
  CHECK(rep.fault->seq == 6);
  CHECK(rep.fault->detail.find("revoked") != std::string::npos);
  CHECK(report_to_json(rep)["verdict"] == "damaged");
  CHECK(rep.summary.revoked_senders.count("social.golfe") == 1);

  // The earlier message alone is fine: cut the log before the late one.
  ReplayFilter f;
  f.to_seq = 5;
  std::vector<nlohmann::json> out;
  auto n = replay_log(data, h.pinned(), f, nullptr, [&](const nlohmann::json& j) { out.push_back(j); });
  REQUIRE(n.ok());
  REQUIRE(out.size() == 3);
  for (const auto& j : out) CHECK(j["signature"] == "valid");
  f = {};
  f.from_seq = 6;
  f.to_seq = 6;
  out.clear();
  REQUIRE(replay_log(data, h.pinned(), f, nullptr, [&](const nlohmann::json& j) { out.push_back(j); }).ok());
  REQUIRE(out.size() == 1);
  CHECK(out[0]["signature"] == "revoked key");
}

TEST_CASE("A given bundle older than the log's, or not the one loaded under its serial, is refused", "[history]") {
  History h;
  Bundle b1 = h.make_bundle(1, h.police_a, {});
  Bundle b2 = h.make_bundle(2, h.police_a, {});
  Bundle b3 = h.make_bundle(3, h.police_a, {});
  Bundle other2 = h.make_bundle(2, h.police_b, {});
  const std::string data = h.root.path + "/data";
  {
    LogFile log(data, h.broker.sign_sk);
    log.bundle_loaded(h.tick(), b2.file, 2, b2.parsed.hash);
    log.message(h.tick(), h.seal(h.police_a, 2, std::nullopt, std::nullopt));
    log.bundle_loaded(h.tick(), b3.file, 3, b3.parsed.hash);
    log.close();
  }
  auto old = verify_log(data, h.pinned(&b1.parsed));
  REQUIRE_FALSE(old.ok());
  CHECK(old.status().code() == Code::kUsage);
  CHECK(old.status().message().find("serial 1") != std::string::npos);
  CHECK(old.status().message().find("2, 3") != std::string::npos);
  auto forged = verify_log(data, h.pinned(&other2.parsed));
  REQUIRE_FALSE(forged.ok());
  CHECK(forged.status().code() == Code::kUsage);
  CHECK(forged.status().message().find("hashes differ") != std::string::npos);
  CHECK(verify_ok(data, h.pinned(&b2.parsed)).ok());
}

TEST_CASE("A carried bundle that the pinned authority did not sign is DAMAGED", "[history]") {
  History h;
  Identity rogue = Deployment::make("authority", Role::kAuthority, "", "");
  Bundle b1 = h.make_bundle(1, h.police_a, {});
  Bundle fake = h.make_bundle(2, h.police_b, {}, &rogue);
  const std::string data = h.root.path + "/data";
  {
    LogFile log(data, h.broker.sign_sk);
    log.bundle_loaded(h.tick(), b1.file, 1, b1.parsed.hash);
    log.message(h.tick(), h.seal(h.police_a, 1, std::nullopt, std::nullopt));
    log.bundle_loaded(h.tick(), fake.file, 2, fake.parsed.hash);
    log.message(h.tick(), h.seal(h.police_b, 2, std::nullopt, std::nullopt));
    log.close();
  }
  auto rep = verify_ok(data, h.pinned());
  REQUIRE(rep.fault.has_value());
  CHECK(rep.fault->kind == "bad bundle");
  CHECK(rep.fault->seq == 3);
  CHECK(rep.summary.messages == 1);  // the records before it were counted
}

TEST_CASE("With no bundle given and none carried, verify asks for --bundle", "[history]") {
  History h;
  const std::string data = h.root.path + "/data";
  {
    LogFile log(data, h.broker.sign_sk);
    EventBuilder ev;
    ev.begin("bundle_loaded", 2).u64("serial", 1).bin("hash", Hash256{});
    log.event(h.tick(), ev.bytes());
    log.message(h.tick(), h.seal(h.police_a, 1, std::nullopt, std::nullopt));
    log.close();
  }
  auto r = verify_log(data, h.pinned());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kConfig);
  CHECK(r.status().message().find("--bundle") != std::string::npos);
}

TEST_CASE("replay --case-ref prints one case, following in_reply_to both ways, with its events", "[history][replay]") {
  History h;
  Bundle b1 = h.make_bundle(1, h.police_a, {});
  const std::string data = h.root.path + "/data";
  Uuid first{}, opened{}, reply{}, other{};
  std::map<std::string, uint64_t> seq;
  {
    LogFile log(data, h.broker.sign_sk);
    log.bundle_loaded(h.tick(), b1.file, 1, b1.parsed.hash);                                         // 1
    seq["first"] = log.message(h.tick(), h.seal(h.police_a, 1, std::nullopt, std::nullopt, &first)).first;  // 2: answered by the case
    seq["other"] = log.message(h.tick(), h.seal(h.police_a, 1, "case-9", std::nullopt, &other)).first;     // 3
    seq["opened"] = log.message(h.tick(), h.seal(h.police_a, 1, "case-7", first, &opened)).first;          // 4
    log.event(h.tick(), delivery("committee.golfe", seq["other"], 1));                              // 5: not the case
    log.event(h.tick(), delivery("committee.golfe", seq["opened"], 2));                             // 6
    seq["reply"] = log.message(h.tick(), h.seal(h.social, 1, std::nullopt, opened, &reply)).first;        // 7: no case_ref
    seq["reply2"] = log.message(h.tick(), h.seal(h.commission, 1, std::nullopt, reply)).first;            // 8
    log.event(h.tick(), ack("committee.golfe", seq["reply"]));                                       // 9
    log.message(h.tick(), h.seal(h.police_a, 1, "case-9", other));                                  // 10
    log.close();
  }
  ReplayFilter f;
  f.case_ref = "case-7";
  std::vector<nlohmann::json> out;
  auto n = replay_log(data, h.pinned(), f, nullptr, [&](const nlohmann::json& j) { out.push_back(j); });
  REQUIRE(n.ok());
  std::vector<uint64_t> got;
  for (const auto& j : out) got.push_back(j["seq"].get<uint64_t>());
  CHECK(got == std::vector<uint64_t>{2, 4, 6, 7, 8, 9});
  REQUIRE(out.size() == 6);
  CHECK(out[1]["case_ref"] == "case-7");
  CHECK(out[1]["in_reply_to"] == uuid_to_string(first));
  CHECK(out[2]["event"] == "delivery");
  CHECK(out[2]["items"][0]["participant"] == "committee.golfe");
  CHECK(out[2]["items"][0]["seq"] == seq["opened"]);
  CHECK(out[2]["items"][0]["attempt"] == 2);
  CHECK(out[5]["event"] == "ack");
  CHECK(out[5]["items"][0]["participant"] == "committee.golfe");
  CHECK(out[5]["items"][0]["seq"] == seq["reply"]);

  f.case_ref = "case-none";
  out.clear();
  REQUIRE(replay_log(data, h.pinned(), f, nullptr, [&](const nlohmann::json& j) { out.push_back(j); }).ok());
  CHECK(out.empty());
  f.case_ref = "";
  CHECK(validate_filter(f).code() == Code::kUsage);
}

TEST_CASE("Replayed bundle_loaded events show the bundle's size, not its bytes", "[history][replay]") {
  History h;
  Bundle b1 = h.make_bundle(1, h.police_a, {});
  const std::string data = h.root.path + "/data";
  {
    LogFile log(data, h.broker.sign_sk);
    log.bundle_loaded(h.tick(), b1.file, 1, b1.parsed.hash);
    log.close();
  }
  ReplayFilter f;
  f.events = true;
  std::vector<nlohmann::json> out;
  REQUIRE(replay_log(data, h.pinned(), f, nullptr, [&](const nlohmann::json& j) { out.push_back(j); }).ok());
  REQUIRE(out.size() == 1);
  CHECK(out[0]["event"] == "bundle_loaded");
  CHECK(out[0]["serial"] == 1);
  CHECK(out[0]["bundle_bytes"] == b1.file.size());
  CHECK_FALSE(out[0].contains("bundle"));
}

TEST_CASE("SenderMemo gives look_up_sender's answer, asked again when the view, sender or serial changes",
          "[history]") {
  History h;
  Bundle b1 = h.make_bundle(1, h.police_a, {});
  Bundle b2 = h.make_bundle(2, h.police_a, {"social.golfe"});
  auto p1 = std::make_shared<const TrustBundle>(b1.parsed);
  auto p2 = std::make_shared<const TrustBundle>(b2.parsed);
  TrustView before;  // serial 1 in force: social.golfe current
  before.by_serial[1] = p1;
  before.in_force = p1;
  before.in_force_seq = 1;
  TrustView after = before;  // serial 2 in force: social.golfe revoked
  after.by_serial[2] = p2;
  after.in_force = p2;
  after.in_force_seq = 4;
  TrustView none;  // no bundle known at all

  EnvelopeHeader social;
  social.from = "social.golfe";
  social.bundle_serial = 1;
  EnvelopeHeader police = social;
  police.from = "police.golfe";

  SenderMemo memo;
  const SenderStanding* s = &memo.look_up(before, social);
  REQUIRE(s->card != nullptr);
  CHECK(s->card->name == "social.golfe");
  CHECK(s->fault_kind.empty());
  // The same view, sender and serial: the remembered answer.
  CHECK(&memo.look_up(before, social) == s);
  CHECK(memo.look_up(before, social).card == s->card);
  // Another sender under the same view.
  s = &memo.look_up(before, police);
  REQUIRE(s->card != nullptr);
  CHECK(s->card->name == "police.golfe");
  CHECK(s->fault_kind.empty());
  // The same sender and serial under the later view: its key is revoked there.
  s = &memo.look_up(after, social);
  REQUIRE(s->card != nullptr);
  CHECK(s->fault_kind == "revoked key");
  CHECK(s->detail.find("revoked") != std::string::npos);
  CHECK(s->detail.find("bundle serial 2, loaded at seq 4") != std::string::npos);
  // Back to the earlier view: current again, not the remembered fault.
  CHECK(memo.look_up(before, social).fault_kind.empty());
  // A serial the view does not know falls back to the bundle in force; with
  // no bundle at all the sender cannot be looked up.
  EnvelopeHeader unknown = social;
  unknown.bundle_serial = 7;
  CHECK(memo.look_up(after, unknown).fault_kind == "revoked key");
  s = &memo.look_up(none, unknown);
  CHECK(s->card == nullptr);
  CHECK(s->fault_kind == "unknown bundle");
  EnvelopeHeader stranger = social;
  stranger.from = "police.kara";
  s = &memo.look_up(before, stranger);
  CHECK(s->card == nullptr);
  CHECK(s->fault_kind == "unknown sender");
  CHECK(s->detail.find("police.kara") != std::string::npos);

  // check_signed_by: the signature first, then the standing.
  const Bytes env_bytes = h.seal(h.social, 1, std::nullopt, std::nullopt);
  auto env = decode_envelope(env_bytes);
  REQUIRE(env.ok());
  CHECK(check_signed_by(memo.look_up(before, env->header), env->core_hash, env->ct_hash, env->sig).ok());
  SenderCheck late = check_signed_by(memo.look_up(after, env->header), env->core_hash, env->ct_hash, env->sig);
  CHECK(late.fault_kind == "revoked key");
  CHECK(late.card != nullptr);
  auto forged = env->sig;
  forged[5] ^= 0x40;
  CHECK(check_signed_by(memo.look_up(after, env->header), env->core_hash, env->ct_hash, forged).fault_kind ==
        "bad signature");
  CHECK(check_signed_by(memo.look_up(before, env->header), env->core_hash, env->ct_hash, forged).fault_kind ==
        "bad signature");
}

TEST_CASE("SenderMemo asks again when only the bundle serial changes", "[history]") {
  History h;
  Bundle b1 = h.make_bundle(1, h.police_a, {});
  Bundle r2 = h.rotated_bundle(2);  // police.golfe's key A retired, B current
  TrustView v;
  v.by_serial[1] = std::make_shared<const TrustBundle>(b1.parsed);
  v.by_serial[2] = std::make_shared<const TrustBundle>(r2.parsed);
  v.in_force = v.by_serial[2];
  v.in_force_seq = 3;
  EnvelopeHeader old_key;
  old_key.from = "police.golfe";
  old_key.bundle_serial = 1;  // built with serial 1: key A
  EnvelopeHeader new_key = old_key;
  new_key.bundle_serial = 2;  // key B

  SenderMemo memo;
  const SenderStanding& a = memo.look_up(v, old_key);
  REQUIRE(a.card != nullptr);
  CHECK(a.card->sign_pk == h.police_a.card.sign_pk);
  CHECK(a.fault_kind == "revoked key");
  CHECK(a.detail.find("retired") != std::string::npos);
  const SenderStanding& b = memo.look_up(v, new_key);
  REQUIRE(b.card != nullptr);
  CHECK(b.card->sign_pk == h.police_b.card.sign_pk);
  CHECK(b.fault_kind.empty());
  CHECK(memo.look_up(v, old_key).fault_kind == "revoked key");
}
