// Workflow: the referral workflow of the agent service, kept in the store so
// that it survives restarts and acts exactly once (service/escalation.h has
// the rules).
//   - Received: every stored referral (not expired) gets one automatic
//     referral-response of status received, queued in the outbox; the store
//     records its id on the referral (auto_response_id). Before queuing, the
//     outbox is searched for one already queued for it (a stop between the
//     two writes), so a restart never answers twice.
//   - Answers: a stored referral-response replying (in_reply_to) to a
//     referral this agent sent records its status on the outbox entry (never
//     lowering it: received < accepted/rejected < done/revoked); a settling
//     one clears the escalation time.
//   - Escalation: a sent immediate or urgent referral gets its escalation
//     time when logged (on_logged; start() sets it for any logged one that
//     lacks it); tick() queues one escalation/1 on escalation.<this
//     participant> for each one due, and records it on the referral. A
//     service that was off at the deadline escalates at its next start, with
//     the real elapsed time.
//   - Statistics: a stored statistics report fills stats_cells.
// The service's own documents are queued without the sender-side check: the
// first attempt to send one checks it, and a refusal (e.g. a policy that
// does not let this participant escalate) is recorded on the entry.
// One thread.
#pragma once

#include <nlohmann/json.hpp>

#include "agent/agent.h"
#include "config/agent_config.h"
#include "service/service_log.h"
#include "store/store.h"

namespace relais {

class Workflow {
 public:
  Workflow(const AgentContext& ctx, Store& store, const ServiceConfig& config, ServiceLog log);

  Status start(int64_t now_ms);
  // A message just stored (put_message said new): `message` is its opened JSON.
  Status on_stored(const StoredMessage& meta, const nlohmann::ordered_json& message);
  // An outbox entry just logged by the broker.
  Status on_logged(const OutboxEntry& entry, int64_t now_ms);
  // Queues the automatic responses and escalations due at now_ms.
  Status tick(int64_t now_ms);

 private:
  Status answer_received(int64_t now_ms);
  Status escalate(int64_t now_ms);

  const AgentContext& ctx_;
  Store& store_;
  const ServiceConfig& config_;
  ServiceLog log_;
};

}  // namespace relais
