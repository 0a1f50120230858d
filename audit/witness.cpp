// relais-audit witness --config A.toml --state STATE [--broker ENDPOINT | --data DIR] [--timeout-ms N]
// Fetches the broker's latest checkpoint (or reads it from DATA offline),
// checks that it extends the last one in STATE with a consistency proof (or,
// when the broker's log epoch changed, that the restored record began the new
// epoch: audit/witness.h),
// countersigns it with the participant's key (the policy's audit action) and
// appends it to STATE (relais-witness/1). Exit 0 witnessed (or nothing new),
// 1 refused (the broker's log does not extend what was witnessed, or the
// broker could not be reached), 2 usage/config.
#include <iostream>

#include "agent/agent.h"
#include "audit/verify.h"
#include "audit/witness.h"
#include "commands.h"
#include "net/protocol.h"
#include "util/bytes.h"
#include "util/clock.h"

namespace relais::audit {
namespace {

struct Fetched {
  Checkpoint latest;
  std::vector<Hash256> proof;
  std::optional<RestoreEvidence> restore;
};

// Whether the consistency proof from the last witnessed head is wanted: the
// same epoch and a larger size, or a restore that kept the witnessed size.
bool wants_proof(const std::optional<WitnessHead>& last, const Fetched& f) {
  if (!last || f.latest.size <= last->checkpoint.size) return false;
  if (f.latest.epoch == last->checkpoint.epoch) return true;
  if (!f.restore) return false;
  auto r = decode_restored_event(f.restore->body);
  return r.ok() && last->checkpoint.size <= r->last_seq;
}

Result<Fetched> fetch_online(AgentContext& ctx, const std::optional<WitnessHead>& last, int64_t timeout_ms) {
  auto client = make_broker_client(ctx);
  const int64_t deadline = monotonic_ms() + timeout_ms;
  RELAIS_RETURN_IF_ERROR(open_broker_session(ctx, *client, deadline));
  auto got = client->fetch(kFetchCheckpoint, "latest", deadline);
  if (!got.ok()) return describe_broker_refusal(*client, got.status());
  CheckpointData cp;
  RELAIS_RETURN_IF_ERROR(decode_fetch_data(*got, &cp));
  Fetched f;
  f.latest = Checkpoint{cp.epoch, cp.size, cp.root, cp.ts_ms, cp.sig};
  if (last && cp.epoch > last->checkpoint.epoch) {
    auto rec = client->fetch(kFetchRestored, std::to_string(cp.epoch), deadline);
    if (!rec.ok()) return describe_broker_refusal(*client, rec.status());
    RestoredData rd;
    RELAIS_RETURN_IF_ERROR(decode_fetch_data(*rec, &rd));
    RestoreEvidence ev;
    ev.seq = rd.seq;
    ev.ts_ms = rd.ts_ms;
    ev.body = std::move(rd.body);
    auto r = decode_restored_event(ev.body);
    if (r.ok() && ev.seq >= 1 && ev.seq <= cp.size && r->last_seq >= 1) {
      auto inc = client->fetch(kFetchInclusion, std::to_string(ev.seq) + ":" + std::to_string(cp.size), deadline);
      if (!inc.ok()) return describe_broker_refusal(*client, inc.status());
      InclusionData id;
      RELAIS_RETURN_IF_ERROR(decode_fetch_data(*inc, &id));
      ev.inclusion.assign(id.proof.begin(), id.proof.end());
      auto con = client->fetch(kFetchConsistency, std::to_string(r->last_seq) + ":" + std::to_string(cp.size), deadline);
      if (!con.ok()) return describe_broker_refusal(*client, con.status());
      ConsistencyData cd;
      RELAIS_RETURN_IF_ERROR(decode_fetch_data(*con, &cd));
      ev.from_backup.assign(cd.proof.begin(), cd.proof.end());
    }
    f.restore = std::move(ev);
  }
  if (wants_proof(last, f)) {
    const std::string arg = std::to_string(last->checkpoint.size) + ":" + std::to_string(cp.size);
    auto proof = client->fetch(kFetchConsistency, arg, deadline);
    if (!proof.ok()) return describe_broker_refusal(*client, proof.status());
    ConsistencyData cd;
    RELAIS_RETURN_IF_ERROR(decode_fetch_data(*proof, &cd));
    if (cd.old_size != last->checkpoint.size || cd.new_size != cp.size)
      return Status::Invalid("the broker answered a consistency proof for other sizes than asked (" + arg + ")");
    f.proof.assign(cd.proof.begin(), cd.proof.end());
  }
  return f;
}

Result<Fetched> fetch_offline(const std::string& data, const std::optional<WitnessHead>& last) {
  auto latest = latest_checkpoint_in(data);
  if (!latest.ok()) return latest.status();
  Fetched f;
  f.latest = *latest;
  if (last && latest->epoch > last->checkpoint.epoch) {
    auto ev = restore_evidence_in(data, latest->epoch, latest->size);
    if (ev.ok()) f.restore = std::move(*ev);
    else if (ev.status().code() != Code::kNotFound) return ev.status();
  }
  if (wants_proof(last, f)) {
    auto proof = consistency_proof_in(data, last->checkpoint.size, latest->size);
    if (!proof.ok()) return proof.status();
    f.proof = std::move(*proof);
  }
  return f;
}

}  // namespace

Command add_witness(CLI::App& root, std::shared_ptr<Global> g) {
  struct Options {
    std::string config, state, broker;
    int64_t timeout_ms = 10000;
  };
  auto o = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand(
      "witness",
      "Countersign the broker's latest checkpoint after checking it extends the last one witnessed (run on a schedule "
      "by the commission and each auditor, from their own machines)");
  app->add_option("--config", o->config, "The witness's agent configuration (its key, bundle and broker)")->required();
  app->add_option("--state", o->state, "The witness state file (relais-witness/1), appended to")->required();
  app->add_option("--broker", o->broker, "The broker's endpoint (default: the configuration's)");
  app->add_option("--timeout-ms", o->timeout_ms, "How long to wait for the broker (default 10000)")
      ->check(CLI::Range(int64_t{100}, int64_t{600000}));
  return {app, [g, o] {
            if (!o->broker.empty() && !g->data.empty())
              return report(Status::Usage("witness: pass --broker ENDPOINT or --data DIR, not both"));
            auto ctx = load_agent_context(o->config);
            if (!ctx.ok()) return report(ctx.status());
            AgentContext& c = **ctx;
            if (!o->broker.empty()) c.config.broker = o->broker;
            const PublicCard* me = c.bundle.find(c.identity.card.name);
            if (me == nullptr || !c.bundle.policy.may_audit(*me))
              return report(Status::Config("witness: " + c.identity.card.name +
                                           " does not hold the audit action in the policy of bundle serial " +
                                           std::to_string(c.bundle.serial) +
                                           " (a rule with audit = true, as for the commission and the auditor)"));
            auto last = last_witnessed(o->state);
            if (!last.ok()) return report(Status::Config("witness: " + last.status().message()));
            auto got = g->data.empty() ? fetch_online(c, *last, o->timeout_ms) : fetch_offline(g->data, *last);
            if (!got.ok()) {
              std::cerr << "relais-audit: witness: " << got.status().message() << "\n";
              return kExitFailed;
            }
            const PublicCard* broker = c.bundle.broker();
            if (broker == nullptr) return report(Status::Config("witness: the bundle has no broker card"));
            auto step = witness_step(*last, got->latest, got->proof, broker->sign_pk, c.identity.card.name,
                                     c.identity.sign_sk, now_ms(), got->restore ? &*got->restore : nullptr);
            if (!step.ok()) {
              std::cerr << "relais-audit: witness: REFUSED: " << step.status().message() << "\n";
              return kExitFailed;
            }
            const Checkpoint& cp = step->head.checkpoint;
            if (!step->fresh) {
              std::cout << "nothing new: the broker's latest checkpoint (size " << cp.size
                        << ") is the last one witnessed\n";
              return kExitOk;
            }
            if (!step->restore_note.empty()) std::cout << "RESTORED: " << step->restore_note << "\n";
            if (Status s = append_witness_file(o->state, step->head); !s.ok()) return report(s);
            std::cout << "witnessed: size " << cp.size << " (epoch " << cp.epoch << ")" << ", root " << to_hex(cp.root).substr(0, 16) << "..., signed "
                      << format_rfc3339_ms(cp.ts_ms);
            if (*last) std::cout << " (extends size " << (*last)->checkpoint.size << ")";
            std::cout << "\n";
            return kExitOk;
          }};
}

}  // namespace relais::audit
