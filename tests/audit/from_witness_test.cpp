// relais-audit verify --from-witness (VerifyOptions::start): a log written by
// the real Log in two runs, witnessed in between; only the records after the
// head are checked in full, the ones up to it must still give its root.
#include <algorithm>

#include "audit/verify.h"
#include "audit/witness.h"
#include "audit_fixture.h"
#include "broker/restore.h"
#include "log/segment_summary.h"
#include "receipt/witness_head.h"

namespace relais::audit_test {
namespace {

Checkpoint fw_latest_checkpoint(const std::string& dir) {
  auto cps = read_checkpoint_file(dir + "/checkpoints");
  REQUIRE(cps.ok());
  REQUIRE_FALSE(cps->empty());
  return cps->back();
}

// d's log (first run), a witness state taken at its end, then a second run
// of `more` messages appended by the Log reopened on the same folder.
struct FwWitnessedLog {
  Deployment d{60};
  WitnessHead head;
  std::string state;
  std::string before_second_run;  // a copy of the data folder at the head
  std::vector<uint64_t> later_messages;

  explicit FwWitnessedLog(int more = 12) {
    head.checkpoint = fw_latest_checkpoint(d.data);
    // The witness's own code: the step it takes, and the line it appends.
    auto step = witness_step(std::nullopt, head.checkpoint, {}, d.broker.card.sign_pk, "commission",
                             d.commission.sign_sk, kBaseTs + 1000000);
    REQUIRE(step.ok());
    head = step->head;
    state = d.root.path + "/witness.state";
    REQUIRE(append_witness_file(state, head).ok());
    before_second_run = copy_data(d.data, d.root.path + "/at-head");
    LogFile log(d.data, d.broker.sign_sk);
    for (int i = 0; i < more; ++i) {
      Logged l;
      const Bytes env = d.seal(100 + i, &l);
      later_messages.push_back(log.message(kBaseTs + 2000000 + i * 1000, env).first);
    }
    log.close();
  }

  VerifyOptions from_head() const {
    VerifyOptions o;
    o.start = TrustedHead{state + " head 1", head};
    o.chunk_records = 3;  // chunk boundaries everywhere
    return o;
  }
  VerifyReport verify(const std::string& dir, const VerifyOptions& o) const {
    auto r = verify_log(dir, d.trust(), o);
    REQUIRE(r.ok());
    return std::move(*r);
  }
};

std::vector<std::string> fw_summaries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".sum") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Flips a byte of leaf `seq` and fixes the CRC: inside the envelope's
// signature (not part of the leaf hash: only a signature check sees it), or
// in the record's ts (part of the leaf: the Merkle root changes).
enum class FwFlip { kSignature, kLeafTs };
void fw_flip(const std::string& dir, uint64_t seq, FwFlip what) {
  for (const Rec& r : records_of(dir)) {
    if (r.seq != seq || !is_leaf_kind(r.kind) || r.kind == RecordKind::kCheckpoint) continue;
    if (what == FwFlip::kSignature) REQUIRE(r.kind == RecordKind::kMessage);
    Bytes b = slurp(r.path);
    const uint64_t at =
        what == FwFlip::kSignature ? r.offset + kRecordHeaderSize + r.length - 10 : r.offset + kRecordHeaderSize + 9;
    b[at] ^= 0x01;
    fix_crc(&b, r.offset);
    spit(r.path, b);
    return;
  }
  FAIL("no leaf at seq " << seq);
}

}  // namespace

TEST_CASE("verify from a witnessed head checks only what follows it and gives the full verify's verdict",
          "[verify][from-witness]") {
  FwWitnessedLog w;
  REQUIRE(fw_summaries(w.d.data).size() >= 3);
  const VerifyReport full = w.verify(w.d.data, VerifyOptions{});
  REQUIRE(full.ok());
  const VerifyReport inc = w.verify(w.d.data, w.from_head());
  INFO(format_summary(inc));
  REQUIRE(inc.intact());
  REQUIRE(inc.summary.start);
  const auto& st = *inc.summary.start;
  CHECK(st.size == w.head.checkpoint.size);
  CHECK(st.skipped_segments >= 2);
  CHECK(st.rehashed_leaves < w.head.checkpoint.size);  // most leaves before the head were not read
  CHECK(inc.summary.leaves == full.summary.leaves);
  CHECK(inc.summary.messages == w.later_messages.size());
  CHECK(inc.summary.signed_size == full.summary.signed_size);
  const auto j = report_to_json(inc);
  CHECK(j["verdict"] == "intact");
  CHECK(j["start"]["size"] == w.head.checkpoint.size);
  CHECK(j["start"]["checked_leaves"] == w.later_messages.size());
  CHECK(j["start"]["root"] == to_hex(w.head.checkpoint.root));
  CHECK(report_to_json(full)["start"].is_null());
  CHECK(format_summary(inc).find("from:         the witnessed head of size " +
                                 std::to_string(w.head.checkpoint.size)) != std::string::npos);
  // One thread, or no summaries at all (every leaf before the head re-hashed): the same verdict.
  VerifyOptions one = w.from_head();
  one.threads = 1;
  CHECK(w.verify(w.d.data, one).intact());
  const std::string bare = copy_data(w.d.data, w.d.root.path + "/no-summaries");
  for (const std::string& s : fw_summaries(bare)) fs::remove(s);
  const VerifyReport rescanned = w.verify(bare, w.from_head());
  CHECK(rescanned.intact());
  CHECK(rescanned.summary.start->skipped_segments == 0);
  CHECK(rescanned.summary.start->rehashed_leaves == w.head.checkpoint.size);
}

TEST_CASE("verify from a witnessed head finds a changed record after the head", "[verify][from-witness][tamper]") {
  FwWitnessedLog w;
  const uint64_t victim = w.later_messages[5];
  fw_flip(w.d.data, victim, FwFlip::kSignature);
  const VerifyReport rep = w.verify(w.d.data, w.from_head());
  REQUIRE(rep.fault);
  CHECK(rep.fault->seq == victim);
  CHECK(report_to_json(rep)["verdict"] == "damaged");
}

TEST_CASE("a changed record before the witnessed head fails its root when it is read, and a full verify finds it",
          "[verify][from-witness][tamper]") {
  FwWitnessedLog w;
  const uint64_t head = w.head.checkpoint.size;
  SECTION("in the segment re-hashed up to the head") {
    const std::string dir = copy_data(w.d.data, w.d.root.path + "/t1");
    const VerifyReport clean = w.verify(dir, w.from_head());
    REQUIRE(clean.summary.start->rehashed_leaves > 0);
    // The first leaf of the segment read up to the head.
    const uint64_t victim = head - clean.summary.start->rehashed_leaves + 1;
    fw_flip(dir, victim, FwFlip::kLeafTs);
    const VerifyReport rep = w.verify(dir, w.from_head());
    REQUIRE(rep.fault);
    CHECK(rep.fault->kind == "witnessed root mismatch");
    CHECK(rep.fault->seq == head);
  }
  SECTION("in a summarised segment, its summary rewritten to match") {
    // An attacker who changes a record and rewrites the segment's summary to
    // match it changes the frontier: the root no longer matches.
    const std::string dir = copy_data(w.d.data, w.d.root.path + "/t2");
    const VerifyReport clean = w.verify(dir, w.from_head());
    const std::vector<std::string> sums = fw_summaries(dir);
    REQUIRE(sums.size() >= clean.summary.start->skipped_segments);
    // The summary of the last segment skipped: its frontier is where reading starts.
    const std::string last = sums[clean.summary.start->skipped_segments - 1];
    Bytes b = slurp(last);
    auto decoded = SegmentSummary::decode(b);
    REQUIRE(decoded.ok());
    SegmentSummary s = std::move(*decoded);
    std::vector<Hash256> nodes = s.frontier.nodes();
    nodes.back()[3] ^= 0x40;
    REQUIRE(s.frontier.restore(s.frontier.size(), nodes));
    spit(last, s.encode());
    const VerifyReport rep = w.verify(dir, w.from_head());
    REQUIRE(rep.fault);
    CHECK(rep.fault->kind == "witnessed root mismatch");
  }
  SECTION("in a summarised segment, its summary left alone: not re-read, but the full verify finds it") {
    const std::string dir = copy_data(w.d.data, w.d.root.path + "/t3");
    fw_flip(dir, 1, FwFlip::kLeafTs);
    CHECK(w.verify(dir, w.from_head()).ok());  // documented: messages in summarised segments are not re-read
    const VerifyReport full = w.verify(dir, VerifyOptions{});
    REQUIRE(full.fault);
    CHECK(full.fault->kind == "root mismatch");
  }
  SECTION("without summaries, every leaf up to the head is re-hashed and a change anywhere fails the root") {
    const std::string dir = copy_data(w.d.data, w.d.root.path + "/t4");
    for (const std::string& s : fw_summaries(dir)) fs::remove(s);
    fw_flip(dir, 1, FwFlip::kLeafTs);
    const VerifyReport rep = w.verify(dir, w.from_head());
    REQUIRE(rep.fault);
    CHECK(rep.fault->kind == "witnessed root mismatch");
  }
}

TEST_CASE("a witnessed head the log does not reach, or of another log, is refused", "[verify][from-witness]") {
  FwWitnessedLog w;
  SECTION("the log is cut back below the head") {
    // The head of the longer log, against the copy taken before the second run.
    WitnessHead later;
    later.checkpoint = fw_latest_checkpoint(w.d.data);
    later.countersign("commission", w.d.commission.sign_sk, kBaseTs + 3000000);
    VerifyOptions o;
    o.start = TrustedHead{"later head", later};
    const VerifyReport rep = w.verify(w.before_second_run, o);
    REQUIRE(rep.fault);
    CHECK(rep.fault->kind == "log cut back below the witnessed head");
    CHECK(rep.fault->seq == w.head.checkpoint.size + 1);
  }
  SECTION("a head not signed by this broker is the auditor's error") {
    WitnessHead forged = w.head;
    forged.checkpoint = Checkpoint::sign(w.head.checkpoint.size, w.head.checkpoint.root, w.head.checkpoint.ts_ms,
                                         w.d.police.sign_sk);
    VerifyOptions o;
    o.start = TrustedHead{"forged head", forged};
    auto r = verify_log(w.d.data, w.d.trust(), o);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kConfig);
  }
}

TEST_CASE("verify from a witnessed head learns the bundles loaded before it from the log", "[verify][from-witness]") {
  Deployment d(0);
  const std::vector<PublicCard> cards = {d.broker.card,    d.police.card,  d.commission.card,
                                         d.committee.card, d.auditor.card, d.social.card};
  auto file = build_bundle(d.authority, cards, sample_policy_toml(), 3, kBaseTs - 1000, {});
  REQUIRE(file.ok());
  auto parsed = parse_bundle(*file, d.authority.card.sign_pk, "carried.bundle");
  REQUIRE(parsed.ok());
  const std::string dir = d.root.path + "/carried";
  {
    LogFile log(dir, d.broker.sign_sk);
    log.bundle_loaded(kBaseTs, *file, 3, parsed->hash);
    for (int i = 0; i < 30; ++i) log.message(kBaseTs + 1000 * (i + 1), d.seal(i, nullptr));
    log.close();
  }
  WitnessHead head;
  head.checkpoint = fw_latest_checkpoint(dir);
  {
    LogFile log(dir, d.broker.sign_sk);
    for (int i = 0; i < 5; ++i) log.message(kBaseTs + 100000 + 1000 * i, d.seal(40 + i, nullptr));
    log.close();
  }
  VerifyOptions o;
  o.start = TrustedHead{"head", head};
  const AuditTrust pinned_only{d.authority.card.sign_pk, nullptr};
  auto rep = verify_log(dir, pinned_only, o);
  REQUIRE(rep.ok());
  INFO(format_summary(*rep));
  CHECK(rep->intact());
  CHECK(rep->summary.start->skipped_segments >= 1);
  CHECK(rep->summary.messages == 5);
  CHECK(rep->summary.bundle_serial == 3);
}

TEST_CASE("verify from a witnessed head sees an epoch change after it", "[verify][from-witness][restore]") {
  Deployment d(20);
  WitnessHead head;
  head.checkpoint = fw_latest_checkpoint(d.data);
  VerifyOptions o;
  o.start = TrustedHead{"head", head};
  auto continue_with = [&](const std::string& name, uint64_t epoch, const Bytes& first) {
    const std::string dir = d.root.path + "/" + name;
    fs::copy(d.data, dir, fs::copy_options::recursive);
    LogOptions lo;
    lo.dir = dir;
    lo.sync = SyncPolicy::kNone;
    lo.segment_bytes = 12 * 1024;
    lo.checkpoint_every = kCheckpointEvery;
    lo.checkpoint_interval_ms = 1000000;
    lo.start_epoch = epoch;
    auto log = Log::open(lo, d.broker.sign_sk);
    REQUIRE(log.ok());
    (*log)->submit_event(1, kBaseTs + 10000000, first);
    std::vector<Completion> got;
    for (int i = 0; i < 1000 && got.empty(); ++i) {
      pollfd p{(*log)->completion_fd(), POLLIN, 0};
      ::poll(&p, 1, 10000);
      (*log)->drain_completions(&got);
    }
    REQUIRE(got.size() == 1);
    REQUIRE(got[0].status.ok());
    return dir;
  };
  SECTION("through a restored record: RESTORED, then INTACT once accepted") {
    const std::string dir = continue_with(
        "restored", 1, restored_event_body(1, 0, head.checkpoint.size, head.checkpoint.root, std::nullopt));
    auto rep = verify_log(dir, d.trust(), o);
    REQUIRE(rep.ok());
    INFO(format_summary(*rep));
    REQUIRE(rep->ok());
    REQUIRE(rep->summary.restores.size() == 1);
    CHECK(rep->summary.restores[0].seq == head.checkpoint.size + 1);
    CHECK(rep->summary.epoch == 1);
    CHECK_FALSE(rep->intact());
    o.accepted_restores = {1};
    auto ok = verify_log(dir, d.trust(), o);
    REQUIRE(ok.ok());
    CHECK(ok->intact());
  }
  SECTION("without one: unexplained epoch") {
    EventBuilder other;
    other.begin("broker_stop", 0);
    const std::string dir = continue_with("forked", 1, other.bytes());
    auto rep = verify_log(dir, d.trust(), o);
    REQUIRE(rep.ok());
    REQUIRE(rep->fault);
    CHECK(rep->fault->kind == "unexplained epoch");
  }
}

}  // namespace relais::audit_test
