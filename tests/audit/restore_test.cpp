// Restores seen by the auditor: a log continued in a new epoch after a
// restored record verifies, is reported RESTORED until accepted, and an epoch
// change without that record, or a restored record that does not follow the
// backup's checkpoint, is a fault; a witness crosses the restore only through
// the restored record and its proofs.
#include <catch2/catch.hpp>

#include "audit/verify.h"
#include "audit/witness.h"
#include "audit_fixture.h"
#include "broker/restore.h"

using namespace relais;
using namespace relais::audit_test;

namespace {

// A copy of d's log continued in `epoch` with `first` as its first record.
std::string continued(Deployment& d, const std::string& name, uint64_t epoch, const Bytes& first) {
  const std::string dir = d.root.path + "/" + name;
  fs::copy(d.data, dir, fs::copy_options::recursive);
  LogOptions o;
  o.dir = dir;
  o.sync = SyncPolicy::kNone;
  o.checkpoint_every = kCheckpointEvery;
  o.checkpoint_interval_ms = 1000000;
  o.start_epoch = epoch;
  auto log = Log::open(o, d.broker.sign_sk);
  REQUIRE(log.ok());
  (*log)->submit_event(1, kBaseTs + 10000000, first);
  std::vector<Completion> got;
  while (got.empty()) {
    pollfd p{(*log)->completion_fd(), POLLIN, 0};
    REQUIRE(::poll(&p, 1, 10000) == 1);
    (*log)->drain_completions(&got);
  }
  REQUIRE(got[0].status.ok());
  return dir;
}

Checkpoint last_checkpoint(const std::string& dir) {
  auto cps = read_checkpoint_file(dir + "/checkpoints");
  REQUIRE(cps.ok());
  REQUIRE_FALSE(cps->empty());
  return cps->back();
}

}  // namespace

TEST_CASE("a restored log verifies, says RESTORED until the auditor accepts the restore", "[verify][restore]") {
  Deployment d(20);
  const Checkpoint backup = last_checkpoint(d.data);
  const std::string dir = continued(d, "restored", 1, restored_event_body(1, 0, backup.size, backup.root, 500));
  auto rep = verify_log(dir, d.trust());
  REQUIRE(rep.ok());
  INFO(format_summary(*rep));
  REQUIRE(rep->ok());
  CHECK_FALSE(rep->intact());
  REQUIRE(rep->summary.restores.size() == 1);
  const RestoreFact& r = rep->summary.restores[0];
  CHECK(r.seq == backup.size + 1);
  CHECK(r.last_seq == backup.size);
  CHECK(r.epoch == 1);
  CHECK(r.last_known_seq == std::optional<uint64_t>(500));
  CHECK(rep->summary.epoch == 1);
  const std::string text = format_summary(*rep);
  CHECK(text.rfind("RESTORED\n", 0) == 0);
  CHECK(text.find("RESTORED at seq " + std::to_string(backup.size) + " (epoch 1): records after " +
                  std::to_string(backup.size) + " are lost") != std::string::npos);
  CHECK(report_to_json(*rep)["verdict"] == "restored");

  VerifyOptions accept;
  accept.accepted_restores = {1};
  auto ok = verify_log(dir, d.trust(), accept);
  REQUIRE(ok.ok());
  CHECK(ok->intact());
  CHECK(format_summary(*ok).rfind("INTACT\n", 0) == 0);
}

TEST_CASE("an epoch change without a restored record, or a restored record off the backup, is a fault",
          "[verify][restore]") {
  Deployment d(20);
  const Checkpoint backup = last_checkpoint(d.data);
  SECTION("no restored record") {
    EventBuilder other;
    other.begin("broker_stop", 0);
    const std::string dir = continued(d, "forked", 1, other.bytes());
    auto rep = verify_log(dir, d.trust());
    REQUIRE(rep.ok());
    REQUIRE(rep->fault);
    CHECK(rep->fault->kind == "unexplained epoch");
  }
  SECTION("a restored record naming another root") {
    Hash256 wrong = backup.root;
    wrong[0] ^= 1;
    const std::string dir = continued(d, "wrong-root", 1, restored_event_body(1, 0, backup.size, wrong, std::nullopt));
    auto rep = verify_log(dir, d.trust());
    REQUIRE(rep.ok());
    REQUIRE(rep->fault);
    CHECK(rep->fault->kind == "bad restore");
  }
  SECTION("a restored record skipping an epoch") {
    const std::string dir =
        continued(d, "skipped", 2, restored_event_body(2, 1, backup.size, backup.root, std::nullopt));
    auto rep = verify_log(dir, d.trust());
    REQUIRE(rep.ok());
    REQUIRE(rep->fault);
    CHECK(rep->fault->kind == "bad restore");
  }
}

TEST_CASE("a witness crosses a restore only through the restored record", "[witness][restore]") {
  Deployment d(20);
  const Checkpoint backup = last_checkpoint(d.data);
  auto first_cps = read_checkpoint_file(d.data + "/checkpoints");
  REQUIRE(first_cps.ok());
  const PublicKey broker = d.broker.card.sign_pk;
  // The witness saw an early checkpoint of epoch 0.
  auto s0 = witness_step(std::nullopt, first_cps->front(), {}, broker, "commission", d.commission.sign_sk, kBaseTs);
  REQUIRE(s0.ok());
  const std::string dir =
      continued(d, "restored", 1, restored_event_body(1, 0, backup.size, backup.root, std::nullopt));
  const Checkpoint latest = last_checkpoint(dir);
  REQUIRE(latest.epoch == 1);
  auto proof = consistency_proof_in(dir, s0->head.checkpoint.size, latest.size);
  REQUIRE(proof.ok());

  auto none = witness_step(s0->head, latest, *proof, broker, "commission", d.commission.sign_sk, kBaseTs + 1);
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().message().find("forked") != std::string::npos);

  auto ev = restore_evidence_in(dir, 1, latest.size);
  REQUIRE(ev.ok());
  auto step = witness_step(s0->head, latest, *proof, broker, "commission", d.commission.sign_sk, kBaseTs + 1, &*ev);
  REQUIRE(step.ok());
  CHECK(step->fresh);
  CHECK(step->head.checkpoint.epoch == 1);
  CHECK(step->restore_note.find("still holds everything you witnessed") != std::string::npos);

  // A witness that saw beyond the backup is told what it lost.
  WitnessHead beyond = s0->head;
  beyond.checkpoint = Checkpoint::sign(backup.size + 5, backup.root, backup.ts_ms + 1, d.broker.sign_sk, 0);
  auto lost = witness_step(beyond, latest, {}, broker, "commission", d.commission.sign_sk, kBaseTs + 2, &*ev);
  REQUIRE(lost.ok());
  CHECK(lost->restore_note.find("records " + std::to_string(backup.size + 1) + ".." +
                                std::to_string(backup.size + 5) + " that you witnessed are lost") != std::string::npos);

  // Evidence that does not hold is refused.
  RestoreEvidence forged = *ev;
  forged.body = restored_event_body(1, 0, backup.size, latest.root, std::nullopt);
  CHECK_FALSE(
      witness_step(s0->head, latest, *proof, broker, "commission", d.commission.sign_sk, kBaseTs + 1, &forged).ok());
  RestoreEvidence cut = *ev;
  cut.from_backup.clear();
  CHECK_FALSE(
      witness_step(s0->head, latest, *proof, broker, "commission", d.commission.sign_sk, kBaseTs + 1, &cut).ok());
}
