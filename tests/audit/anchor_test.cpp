// Anchored audits, offline: checkpoint coverage catches a record erased with
// its checkpoints stripped; witness states and receipts (trusted heads) catch
// the same erasure re-signed with the broker's own key, and a log cut back
// together with its checkpoints file; --strict and the verdict agree.
#include <algorithm>

#include "audit/verify.h"
#include "audit/witness.h"
#include "audit_fixture.h"
#include "log/merkle.h"
#include "receipt/witness_head.h"

namespace relais::audit_test {
namespace {

// A broker run as the broker writes it: broker_start with its checkpoint
// settings, messages and events, broker_stop, and the close's checkpoint.
struct AnchoredLog {
  Deployment d{0};
  std::string data;
  std::vector<Hash256> leaves;  // index seq - 1
  std::vector<std::pair<uint64_t, Uuid>> messages;

  AnchoredLog() : data(d.root.path + "/anchored") {
    LogFile log(data, d.broker.sign_sk);
    EventBuilder start;
    start.begin("broker_start", 4)
        .str("version", "test")
        .str("endpoint", "tcp://127.0.0.1:1")
        .u64("checkpoint_every", kCheckpointEvery)
        .u64("checkpoint_interval_ms", 1000000);
    leaves.push_back(log.event(kBaseTs, start.bytes()).second);
    for (int i = 0; i < 20; ++i) {
      Logged l;
      const Bytes env = d.seal(i, &l);
      auto got = log.message(kBaseTs + 1000 * (i + 1), env);
      REQUIRE(got.first == leaves.size() + 1);
      leaves.push_back(got.second);
      messages.emplace_back(got.first, l.id);
    }
    EventBuilder stop;
    stop.begin("broker_stop", 0);
    leaves.push_back(log.event(kBaseTs + 30000, stop.bytes()).second);
    log.close();
  }

  MerkleTree tree() const {
    MerkleTree t;
    for (const auto& l : leaves) t.append(l);
    return t;
  }
  Checkpoint last_checkpoint() const {
    auto cps = read_checkpoint_file(data + "/checkpoints");
    REQUIRE(cps.ok());
    REQUIRE(!cps->empty());
    return cps->back();
  }
  // The last checkpoint, countersigned by the commission (a witness state line).
  WitnessHead witnessed() const {
    WitnessHead h;
    h.checkpoint = last_checkpoint();
    h.countersign("commission", d.commission.sign_sk, kBaseTs + 60000);
    return h;
  }
  // The police's receipt for the message at seq, anchored in the last checkpoint.
  WitnessHead receipt_anchor(uint64_t seq, const Uuid& id) const {
    WitnessHead h;
    h.checkpoint = last_checkpoint();
    h.receipt = HeadReceipt{id, seq, leaves[seq - 1], tree().inclusion_proof(seq - 1, h.checkpoint.size)};
    REQUIRE(h.receipt_included());
    return h;
  }
  VerifyReport verify(const std::string& dir, std::vector<WitnessHead> heads = {}, bool strict = false) const {
    VerifyOptions o;
    o.strict = strict;
    for (size_t i = 0; i < heads.size(); ++i) o.trusted_heads.push_back({"head " + std::to_string(i + 1), heads[i]});
    auto r = verify_log(dir, d.trust(), o);
    REQUIRE(r.ok());
    // One verdict: the summary's first line says what ok() says.
    CHECK(format_summary(*r).rfind(r->ok() ? "INTACT\n" : "DAMAGED\n", 0) == 0);
    CHECK(report_to_json(*r)["verdict"] == (r->ok() ? "intact" : "damaged"));
    return std::move(*r);
  }
};

// The attack: erase record `victim`, renumber the later records, fix every
// CRC and commit marker; then either strip every checkpoint (records and the
// checkpoints file), or re-sign each at its new size with the broker key.
// cut_after: keep only the records up to the commit marker of that seq (and
// the checkpoints up to it), as a log cut back with its checkpoints file.
// strip_above: re-signed checkpoints above that size are dropped all the same.
void rewrite(const std::string& from, const std::string& to, uint64_t victim, const SecretBytes* resign,
             uint64_t cut_after = 0, uint64_t strip_above = 0) {
  fs::remove_all(to);
  fs::create_directories(to);
  auto reader = LogReader::open(from);
  REQUIRE(reader.ok());
  std::map<std::string, Bytes> segments;
  for (const auto& sf : (*reader)->segments()) segments[sf.name];
  std::vector<Checkpoint> cps;
  MerkleFrontier frontier;
  bool done = false;
  LogEntry e;
  while (!done) {
    auto more = (*reader)->next(&e);
    REQUIRE(more.ok());
    if (!*more) break;
    Bytes& out = segments[e.segment];
    const RecordView& r = e.record;
    const uint64_t seq = victim != 0 && r.seq > victim ? r.seq - 1 : r.seq;
    Bytes payload;
    switch (r.kind) {
      case RecordKind::kMessage:
      case RecordKind::kEvent:
        if (r.seq == victim) continue;
        if (r.kind == RecordKind::kMessage) {
          encode_message_payload(&payload, seq, r.ts_ms, r.core_hash, r.ct_hash, r.body);
          frontier.append(message_leaf_hash(seq, r.ts_ms, r.core_hash, r.ct_hash));
        } else {
          encode_event_payload(&payload, seq, r.ts_ms, r.body);
          frontier.append(event_leaf_hash(seq, r.ts_ms, r.body));
        }
        break;
      case RecordKind::kErasedMessage:
        FAIL("the fixture log holds no erased records");
        break;
      case RecordKind::kCheckpoint:
        if (resign == nullptr || (strip_above != 0 && frontier.size() > strip_above)) continue;
        cps.push_back(Checkpoint::sign(frontier.size(), frontier.root(), r.checkpoint->ts_ms, *resign));
        payload = cps.back().encode_payload();
        break;
      case RecordKind::kCommit:
        // A commit marker covers the last leaf before it: the victim's own drops to the one before.
        encode_commit_payload(&payload, victim != 0 && r.seq >= victim ? r.seq - 1 : r.seq, r.ts_ms);
        done = cut_after != 0 && r.seq >= cut_after;
        break;
    }
    append_frame(&out, payload);
  }
  for (const auto& [name, bytes] : segments)
    if (!bytes.empty()) spit(to + "/" + name, bytes);
  for (const auto& cp : cps) REQUIRE(append_checkpoint_file(to + "/checkpoints", cp, false).ok());
}

}  // namespace

TEST_CASE("erasing a record, renumbering and stripping the checkpoints is caught by checkpoint coverage alone",
          "[audit][anchor]") {
  AnchoredLog a;
  CHECK(a.verify(a.data).ok());
  CHECK(a.verify(a.data, {}, true).ok());  // a stopped broker's log is fully signed
  const std::string attacked = a.d.root.path + "/attacked";
  rewrite(a.data, attacked, a.messages[5].first, nullptr);
  for (bool strict : {false, true}) {
    auto r = a.verify(attacked, {}, strict);
    REQUIRE_FALSE(r.ok());
    CHECK(r.fault->kind == "uncovered records");
  }
}

TEST_CASE("a stopped broker's last records without their checkpoint are uncovered", "[audit][anchor]") {
  AnchoredLog a;
  const std::string attacked = a.d.root.path + "/no-final";
  // Erase nothing, keep every checkpoint but the clean stop's.
  rewrite(a.data, attacked, 0, &a.d.broker.sign_sk, 0, a.leaves.size() - 1);
  REQUIRE(fs::exists(attacked + "/checkpoints"));
  auto r = a.verify(attacked);
  REQUIRE_FALSE(r.ok());
  CHECK(r.fault->kind == "uncovered records");
  CHECK(r.fault->detail.find("stopped cleanly") != std::string::npos);
}

TEST_CASE("the same erasure re-signed with the broker's key passes coverage but not a witness state or a receipt",
          "[audit][anchor]") {
  AnchoredLog a;
  const auto [victim, victim_id] = a.messages[5];
  const auto [later, later_id] = a.messages[12];
  const WitnessHead witness = a.witnessed();
  const WitnessHead receipt = a.receipt_anchor(later, later_id);
  // The anchors hold for the honest log.
  CHECK(a.verify(a.data, {witness, receipt}).ok());
  CHECK(a.verify(a.data, {witness}).summary.trusted_heads == 1);

  const std::string attacked = a.d.root.path + "/resigned";
  rewrite(a.data, attacked, victim, &a.d.broker.sign_sk);
  CHECK(a.verify(attacked, {}, true).ok());  // the log alone cannot tell

  SECTION("a witness state") {
    auto r = a.verify(attacked, {witness});
    REQUIRE_FALSE(r.ok());
    CHECK(r.fault->kind == "log cut back below a trusted head");  // one record fewer than witnessed
  }
  SECTION("a witness state at a size the shorter log still reaches") {
    WitnessHead mid;
    auto cps = read_checkpoint_file(a.data + "/checkpoints");
    REQUIRE(cps.ok());
    auto it = std::find_if(cps->begin(), cps->end(), [&](const Checkpoint& c) { return c.size > victim; });
    REQUIRE(it != cps->end());
    mid.checkpoint = *it;
    mid.countersign("commission", a.d.commission.sign_sk, kBaseTs);
    auto r = a.verify(attacked, {mid});
    REQUIRE_FALSE(r.ok());
    CHECK(r.fault->kind == "trusted head mismatch");
    CHECK(r.fault->detail.find("witnessed by commission") != std::string::npos);
  }
  SECTION("a receipt") {
    WitnessHead at_victim = a.receipt_anchor(victim, victim_id);
    auto cps = read_checkpoint_file(a.data + "/checkpoints");
    REQUIRE(cps.ok());
    auto it = std::find_if(cps->begin(), cps->end(), [&](const Checkpoint& c) { return c.size >= victim; });
    at_victim.checkpoint = *it;
    at_victim.receipt->path = a.tree().inclusion_proof(victim - 1, it->size);
    REQUIRE(at_victim.receipt_included());
    for (const WitnessHead& h : {receipt, at_victim}) {
      auto r = a.verify(attacked, {h});
      REQUIRE_FALSE(r.ok());
      CHECK((r.fault->kind == "trusted head mismatch" || r.fault->kind == "log cut back below a trusted head"));
    }
  }
}

TEST_CASE("a log cut back together with its checkpoints file passes --strict alone, not a witness state",
          "[audit][anchor]") {
  AnchoredLog a;
  const WitnessHead witness = a.witnessed();
  const std::string cut = a.d.root.path + "/cut";
  rewrite(a.data, cut, 0, &a.d.broker.sign_sk, 2 * kCheckpointEvery);
  auto alone = a.verify(cut, {}, true);
  CHECK(alone.ok());
  CHECK(alone.summary.leaves == 2 * kCheckpointEvery);
  auto r = a.verify(cut, {witness}, true);
  REQUIRE_FALSE(r.ok());
  CHECK(r.fault->kind == "log cut back below a trusted head");
}

TEST_CASE("with --strict unsigned records are a fault, printed as DAMAGED, and only then", "[audit][anchor]") {
  Deployment d(0);
  const std::string live = d.root.path + "/live";
  const std::string copy = d.root.path + "/copy";
  {
    LogFile log(live, d.broker.sign_sk);
    for (int i = 0; i < 3; ++i) log.message(kBaseTs + i, d.seal(i, nullptr));
    copy_data(live, copy);  // a copy taken while the broker runs: 3 records not signed yet
  }
  auto loose = verify_log(copy, d.trust(), VerifyOptions{});
  REQUIRE(loose.ok());
  CHECK(loose->ok());
  CHECK(loose->summary.unsigned_tail == 3);
  VerifyOptions strict;
  strict.strict = true;
  auto r = verify_log(copy, d.trust(), strict);
  REQUIRE(r.ok());
  REQUIRE_FALSE(r->ok());
  CHECK(r->fault->kind == "unsigned records");
  CHECK(format_summary(*r).rfind("DAMAGED\n", 0) == 0);
}

TEST_CASE("a trusted head that is not this broker's, or not its witness's, is refused as the auditor's error",
          "[audit][anchor]") {
  AnchoredLog a;
  VerifyOptions o;
  SECTION("signed by another key") {
    WitnessHead h = a.witnessed();
    h.checkpoint = Checkpoint::sign(h.checkpoint.size, h.checkpoint.root, h.checkpoint.ts_ms, a.d.police.sign_sk);
    o.trusted_heads.push_back({"state line 1", h});
  }
  SECTION("a countersignature that is not the witness's") {
    WitnessHead h = a.witnessed();
    h.witness = "auditor";
    o.trusted_heads.push_back({"state line 1", h});
  }
  auto r = verify_log(a.data, a.d.trust(), o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kConfig);
  CHECK(r.status().message().rfind("state line 1: ", 0) == 0);
}

TEST_CASE("relais-witness/1 lines round-trip and bad ones are refused by name", "[audit][anchor]") {
  AnchoredLog a;
  const WitnessHead w = a.witnessed();
  const WitnessHead rc = a.receipt_anchor(a.messages[3].first, a.messages[3].second);
  for (const WitnessHead& h : {w, rc}) {
    auto back = WitnessHead::from_json(nlohmann::json::parse(h.to_json().dump()));
    REQUIRE(back.ok());
    CHECK(back->checkpoint == h.checkpoint);
    CHECK(back->witness == h.witness);
    CHECK(back->receipt.has_value() == h.receipt.has_value());
  }
  CHECK(w.countersigned_by(a.d.commission.card.sign_pk));
  CHECK_FALSE(w.countersigned_by(a.d.auditor.card.sign_pk));
  const std::string file = a.d.root.path + "/state";
  REQUIRE(append_witness_file(file, w).ok());
  REQUIRE(append_witness_file(file, rc).ok());
  auto heads = read_witness_file(file);
  REQUIRE(heads.ok());
  CHECK(heads->size() == 2);
  CHECK((fs::status(file).permissions() & fs::perms::group_all) == fs::perms::none);
  auto j = w.to_json();
  j["root"] = "zz";
  auto bad = WitnessHead::from_json(nlohmann::json::parse(j.dump()));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("root") != std::string::npos);
}

TEST_CASE("a witness countersigns a checkpoint that extends its last one and refuses one that does not",
          "[audit][anchor][witness]") {
  AnchoredLog a;
  const PublicKey& broker = a.d.broker.card.sign_pk;
  const SecretBytes& key = a.d.commission.sign_sk;
  auto cps = read_checkpoint_file(a.data + "/checkpoints");
  REQUIRE(cps.ok());
  REQUIRE(cps->size() >= 2);
  const Checkpoint first = cps->front();
  auto latest = latest_checkpoint_in(a.data);
  REQUIRE(latest.ok());
  CHECK(*latest == cps->back());

  // The first run witnesses without a proof; the next checks the proof.
  auto s1 = witness_step(std::nullopt, first, {}, broker, "commission", key, kBaseTs);
  REQUIRE(s1.ok());
  CHECK(s1->fresh);
  CHECK(s1->head.countersigned_by(a.d.commission.card.sign_pk));
  auto proof = consistency_proof_in(a.data, first.size, latest->size);
  REQUIRE(proof.ok());
  auto s2 = witness_step(s1->head, *latest, *proof, broker, "commission", key, kBaseTs + 1);
  REQUIRE(s2.ok());
  CHECK(s2->fresh);
  auto same = witness_step(s2->head, *latest, {}, broker, "commission", key, kBaseTs + 2);
  REQUIRE(same.ok());
  CHECK_FALSE(same->fresh);

  // The state file holds what was witnessed, last line last.
  const std::string state = a.d.root.path + "/witness.state";
  REQUIRE(append_witness_file(state, s1->head).ok());
  REQUIRE(append_witness_file(state, s2->head).ok());
  auto last = last_witnessed(state);
  REQUIRE(last.ok());
  REQUIRE(last->has_value());
  CHECK((*last)->checkpoint == *latest);

  // The broker erases a record and signs the log again with its own key.
  const std::string rewritten = a.d.root.path + "/rewritten";
  rewrite(a.data, rewritten, a.messages[2].first, &a.d.broker.sign_sk);
  auto forged = latest_checkpoint_in(rewritten);
  REQUIRE(forged.ok());
  SECTION("a rewritten log: its proof does not show it extends the witnessed head") {
    auto p = consistency_proof_in(rewritten, first.size, forged->size);
    REQUIRE(p.ok());
    auto r = witness_step(s1->head, *forged, *p, broker, "commission", key, kBaseTs + 3);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("does not extend") != std::string::npos);
  }
  SECTION("a log cut back below the witnessed head") {
    auto r = witness_step(s2->head, *forged, {}, broker, "commission", key, kBaseTs + 3);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("cut back") != std::string::npos);
  }
  SECTION("another root at the same size") {
    Checkpoint other = Checkpoint::sign(latest->size, forged->root, latest->ts_ms, a.d.broker.sign_sk);
    auto r = witness_step(s2->head, other, {}, broker, "commission", key, kBaseTs + 3);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("another root") != std::string::npos);
  }
  SECTION("a checkpoint the broker did not sign") {
    Checkpoint fake = Checkpoint::sign(latest->size + 1, latest->root, latest->ts_ms, a.d.police.sign_sk);
    auto r = witness_step(s2->head, fake, {}, broker, "commission", key, kBaseTs + 3);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("not signed by the broker key") != std::string::npos);
  }
  SECTION("another log epoch without a restored record is a fork") {
    Checkpoint next = Checkpoint::sign(latest->size, latest->root, latest->ts_ms, a.d.broker.sign_sk, 1);
    auto r = witness_step(s2->head, next, {}, broker, "commission", key, kBaseTs + 3);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("no restored record starts that epoch") != std::string::npos);
  }
}

}  // namespace relais::audit_test
