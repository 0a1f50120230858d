#include <catch2/catch.hpp>

#include <set>

#include "audit/proof.h"
#include "audit/replay.h"
#include "audit_fixture.h"
#include "receipt/receipt.h"

using namespace relais;
using namespace relais::audit_test;

namespace {

Deployment& replay_deployment() {
  static Deployment d(30);
  return d;
}

std::vector<nlohmann::json> replay(const ReplayFilter& f, const Identity* id = nullptr) {
  std::vector<nlohmann::json> out;
  auto n = replay_log(replay_deployment().data, replay_deployment().trust(), f, id, [&](const nlohmann::json& j) { out.push_back(j); });
  REQUIRE(n.ok());
  REQUIRE(*n == out.size());
  return out;
}

std::set<uint64_t> seqs(const std::vector<nlohmann::json>& v) {
  std::set<uint64_t> s;
  for (const auto& j : v) s.insert(j["seq"].get<uint64_t>());
  return s;
}

std::set<uint64_t> expected(const std::function<bool(const Logged&)>& pred) {
  std::set<uint64_t> s;
  for (const auto& l : replay_deployment().logged)
    if (pred(l)) s.insert(l.seq);
  return s;
}

}  // namespace

TEST_CASE("Replay prints every message with the subscribe field names", "[replay]") {
  auto all = replay({});
  CHECK(seqs(all) == expected([](const Logged& l) { return l.message; }));
  const auto& j = all.front();
  for (const char* k : {"seq", "id", "topic", "type", "from", "ts", "urgency", "case_ref", "handling", "in_reply_to"})
    CHECK(j.contains(k));
  CHECK(j["type"] == "alert");
  CHECK(j["signature"] == "valid");
  CHECK(j["id"] == uuid_to_string(replay_deployment().logged[0].id));
  CHECK_FALSE(j.contains("body"));
}

TEST_CASE("Replay filters return exactly the expected messages", "[replay]") {
  ReplayFilter f;
  f.sender = "police.golfe";
  CHECK(seqs(replay(f)) == expected([](const Logged& l) { return l.message && l.from == "police.golfe"; }));
  f = {};
  f.topic_pattern = "alert.missing_child.>";
  CHECK(seqs(replay(f)) ==
        expected([](const Logged& l) { return l.message && l.topic.rfind("alert.missing_child.", 0) == 0; }));
  f = {};
  f.type = "referral";
  CHECK(seqs(replay(f)) == expected([](const Logged& l) { return l.message && l.type == "referral/1"; }));
  f.type = "referral/1";
  CHECK(seqs(replay(f)) == expected([](const Logged& l) { return l.message && l.type == "referral/1"; }));
  f = {};
  f.from_seq = 10;
  f.to_seq = 30;
  CHECK(seqs(replay(f)) == expected([](const Logged& l) { return l.message && l.seq >= 10 && l.seq <= 30; }));
  f = {};
  f.since_ms = kBaseTs + 5000;
  f.until_ms = kBaseTs + 12000;
  CHECK(seqs(replay(f)) ==
        expected([](const Logged& l) { return l.message && l.ts_ms >= kBaseTs + 5000 && l.ts_ms < kBaseTs + 12000; }));
  f = {};
  f.sender = "commission";
  f.topic_pattern = "referral.*.*";
  CHECK(seqs(replay(f)) == expected([](const Logged& l) { return l.message && l.from == "commission"; }));
  f.type = "alert";
  CHECK(replay(f).empty());
}

TEST_CASE("Replay includes events only when asked", "[replay]") {
  ReplayFilter f;
  f.events = true;
  auto all = replay(f);
  CHECK(all.size() == replay_deployment().logged.size());
  f.from_seq = 2;
  f.to_seq = 2;
  auto one = replay(f);
  REQUIRE(one.size() == 1);
  CHECK(one[0]["event"] == "delivery");
  CHECK(one[0]["items"][0]["participant"] == "commission");
  CHECK(one[0]["items"][0]["seq"] == 1);
  CHECK(one[0]["items"][0]["attempt"] == 1);
  CHECK(one[0].contains("ts"));
  f = {};
  f.events = true;
  f.sender = "police.golfe";
  CHECK(seqs(replay(f)) == expected([](const Logged& l) {
          return l.from == "police.golfe" || (!l.message && (l.seq / 2) % 3 == 2);
        }));
}

TEST_CASE("Replay decrypts only the bodies addressed to the auditor", "[replay]") {
  auto all = replay({}, &replay_deployment().auditor);
  int opened = 0;
  for (const auto& j : all) {
    const Logged& l = replay_deployment().logged[j["seq"].get<uint64_t>() - 1];
    const bool reader = std::find(l.readers.begin(), l.readers.end(), "auditor") != l.readers.end();
    CHECK(j.contains("body") == reader);
    if (reader) {
      CHECK(j["body"]["kind"] == (l.type == "alert/1" ? "alert" : "referral"));
      ++opened;
    }
  }
  CHECK(opened > 5);
}

TEST_CASE("A bad topic pattern or type is a usage error", "[replay]") {
  ReplayFilter f;
  f.topic_pattern = "alert.>.x";
  CHECK(validate_filter(f).code() == Code::kUsage);
  f = {};
  f.type = "poem";
  CHECK(validate_filter(f).code() == Code::kUsage);
}

TEST_CASE("prove and check-proof round trip with a receipt", "[proof]") {
  auto& d = replay_deployment();
  const Logged& l = d.logged[20];  // seq 21, a message
  REQUIRE(l.message);
  auto proof = make_proof(d.data, d.bundle, l.id);
  REQUIRE(proof.ok());
  CHECK((*proof)["leaf"]["seq"] == l.seq);
  CHECK((*proof)["checkpoint"]["size"] == d.logged.size());
  Receipt r = sign_receipt(ReceiptFields{l.id, l.seq, l.leaf, l.ts_ms}, d.broker.sign_sk);
  Bytes rb = encode_receipt(r);
  auto c = check_proof(*proof, d.bundle, rb);
  REQUIRE(c.ok());
  CHECK(c->receipt_checked);
  CHECK(c->seq == l.seq);
  CHECK(c->from == l.from);
  CHECK(c->topic == l.topic);
  CHECK(check_proof(*proof, d.bundle, std::nullopt).ok());

  SECTION("a tampered proof fails") {
    auto bad = *proof;
    std::string h = bad["inclusion"]["path"][0].get<std::string>();
    h[0] = h[0] == '0' ? '1' : '0';
    bad["inclusion"]["path"][0] = h;
    CHECK_FALSE(check_proof(bad, d.bundle, std::nullopt).ok());
    bad = *proof;
    bad["leaf"]["ts"] = l.ts_ms + 1;
    CHECK_FALSE(check_proof(bad, d.bundle, std::nullopt).ok());
    bad = *proof;
    bad["checkpoint"]["ts"] = (*proof)["checkpoint"]["ts"].get<int64_t>() + 1;
    CHECK_FALSE(check_proof(bad, d.bundle, std::nullopt).ok());
    bad = *proof;
    bad["message"]["id"] = uuid_to_string(d.logged[22].id);
    CHECK_FALSE(check_proof(bad, d.bundle, std::nullopt).ok());
    bad = *proof;
    bad["inclusion"]["index"] = l.seq;
    CHECK_FALSE(check_proof(bad, d.bundle, std::nullopt).ok());
    bad = *proof;
    bad.erase("checkpoint");
    CHECK_FALSE(check_proof(bad, d.bundle, std::nullopt).ok());
  }
  SECTION("a tampered or mismatched receipt fails") {
    Receipt other = sign_receipt(ReceiptFields{l.id, l.seq + 2, l.leaf, l.ts_ms}, d.broker.sign_sk);
    CHECK_FALSE(check_proof(*proof, d.bundle, encode_receipt(other)).ok());
    Receipt wrong_leaf = sign_receipt(ReceiptFields{l.id, l.seq, d.logged[22].leaf, l.ts_ms}, d.broker.sign_sk);
    CHECK_FALSE(check_proof(*proof, d.bundle, encode_receipt(wrong_leaf)).ok());
    Receipt forged = r;
    forged.sig[5] ^= 1;
    auto s = check_proof(*proof, d.bundle, encode_receipt(forged));
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().message().rfind("receipt:", 0) == 0);
  }
}

TEST_CASE("every field a proof shows is checked: an edited topic, sender, time or broker is INVALID",
          "[proof]") {
  auto& d = replay_deployment();
  const Logged& l = d.logged[20];
  REQUIRE(l.message);
  auto proof = make_proof(d.data, d.bundle, l.id);
  REQUIRE(proof.ok());
  REQUIRE(check_proof(*proof, d.bundle, std::nullopt).ok());
  auto edited = [&](const char* section, const char* field, const nlohmann::json& value) {
    auto bad = *proof;
    bad[section][field] = value;
    return check_proof(bad, d.bundle, std::nullopt);
  };
  auto topic = edited("message", "topic", l.topic + ".x");
  REQUIRE_FALSE(topic.ok());
  CHECK(topic.status().code() == Code::kInvalid);
  CHECK_THAT(topic.status().message(), Catch::Contains("message.topic"));
  const std::string other_topic = d.logged[22].topic != l.topic ? d.logged[22].topic : "alert.other";
  CHECK_FALSE(edited("message", "topic", other_topic).ok());
  auto from = edited("message", "from", l.from == "police.golfe" ? "social.golfe" : "police.golfe");
  REQUIRE_FALSE(from.ok());
  CHECK_THAT(from.status().message(), Catch::Contains("message.from"));
  auto logged = edited("message", "logged", "2020-01-01T00:00:00.000Z");
  REQUIRE_FALSE(logged.ok());
  CHECK_THAT(logged.status().message(), Catch::Contains("message.logged"));
  CHECK_FALSE(edited("checkpoint", "epoch", 1).ok());  // signed with the checkpoint
  CHECK_FALSE(edited("broker", "name", "another-broker").ok());
  CHECK_FALSE(edited("broker", "key_id", "0011223344556677").ok());
  auto extra = edited("message", "readers", nlohmann::json::array({"ngo.refuge"}));
  REQUIRE_FALSE(extra.ok());
  CHECK_THAT(extra.status().message(), Catch::Contains("message.readers"));
  auto top = *proof;
  top["note"] = "verified by the commission";
  CHECK_FALSE(check_proof(top, d.bundle, std::nullopt).ok());
}

TEST_CASE("a proof without its core marks the sender, topic and id it shows as not authenticated", "[proof]") {
  auto& d = replay_deployment();
  const Logged& l = d.logged[20];
  auto proof = make_proof(d.data, d.bundle, l.id);
  REQUIRE(proof.ok());
  auto full = check_proof(*proof, d.bundle, std::nullopt);
  REQUIRE(full.ok());
  CHECK(full->core_checked);
  CHECK(full->id_authenticated());

  auto bare = *proof;
  bare["message"].erase("core");
  bare["message"]["topic"] = "alert.edited";  // nothing can check it now
  auto c = check_proof(bare, d.bundle, std::nullopt);
  REQUIRE(c.ok());
  CHECK_FALSE(c->core_checked);
  CHECK_FALSE(c->id_authenticated());
  CHECK(c->topic == "alert.edited");
  Receipt r = sign_receipt(ReceiptFields{l.id, l.seq, l.leaf, l.ts_ms}, d.broker.sign_sk);
  auto with_receipt = check_proof(bare, d.bundle, encode_receipt(r));
  REQUIRE(with_receipt.ok());
  CHECK(with_receipt->id_authenticated());
  CHECK_FALSE(with_receipt->core_checked);
}

TEST_CASE("prove refuses an unknown id", "[proof]") {
  auto p = make_proof(replay_deployment().data, replay_deployment().bundle, new_uuid_v7(kBaseTs));
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().code() == Code::kNotFound);
}
