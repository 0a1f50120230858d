// Sender: serves the outbox (store/store.h) through the service's session.
//
// Each queued entry is sealed afresh at each attempt (service/outbox_queue.h
// request_for): its fixed id, case_ref and expiry, a fresh ts, and the
// newest bundle held (serial and readers), so that neither an outage longer
// than the broker's clock-skew limit nor a bundle change during it strands
// it; the broker answers a resent id it already logged with the original
// acknowledgement. A refusal's reason starts with its code and a colon
// ("expired: ...", "policy: ...", or the broker's error code name such as
// "forbidden: ..."), which the desk shows in words from its catalogs.
// An attempt:
//   - an entry past its expiry is refused ("expired before it could be sent");
//   - the document is checked again (prepare_envelope): one the current
//     policy no longer allows, or that no longer validates, is refused with
//     the reason; a refusal that a newer bundle the broker has could lift,
//     or an expired bundle, leaves it queued;
//   - the attempt is counted (attempts, last_attempt_ms), also without a
//     session: the outbox then shows the service trying;
//   - with a session it is published: logged -> mark_logged(seq, receipt)
//     (and the workflow's on_logged); a final refusal by the broker
//     (refusal_is_final) -> refused with the broker's reason; anything else
//     (no answer, storage, limits, a stale bundle) stays queued, and no
//     answer at all means the session is gone (the caller drops it).
// Retries of one entry wait backoff_delay(attempts, reconnect_min_ms,
// reconnect_max_ms) after its last attempt, except right after a new
// session, when every queued entry is tried at once. A `send` from another
// process is seen the next time serve() runs (the service polls the store's
// queued entries every kPollMs; an indexed query).
// One thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "agent/agent.h"
#include "service/service_log.h"
#include "service/workflow.h"
#include "store/store.h"

namespace relais {

// True for a broker refusal that resending cannot change.
bool refusal_is_final(ErrorCode code);

class Sender {
 public:
  static constexpr int64_t kPollMs = 250;
  static constexpr int64_t kPublishWaitMs = 5000;
  // Attempts recorded under one sync: at most this many, or this long, and
  // never after an attempt that waited kSlowAttemptMs or more.
  static constexpr size_t kBatchEntries = 64;
  static constexpr int64_t kBatchMs = 100;
  static constexpr int64_t kSlowAttemptMs = 50;

  Sender(AgentContext& ctx, Store& store, Workflow& workflow, ServiceLog log);

  enum class Outcome { kIdle, kServed, kSessionLost };
  // Serves the queued entries due at now_ms (all of them with all_due).
  // client: the session, or null without one. stop(): checked between entries.
  Outcome serve(BrokerClient* client, int64_t now_ms, bool all_due, const std::function<bool()>& stop);
  // Why the session was judged lost (after kSessionLost).
  const std::string& lost_reason() const { return lost_reason_; }
  size_t queued() const { return queued_; }

 private:
  enum class Attempt { kLogged, kRefused, kKept, kSessionLost };
  Attempt attempt(BrokerClient* client, const OutboxEntry& e, int64_t now_ms);

  AgentContext& ctx_;
  Store& store_;
  Workflow& workflow_;
  ServiceLog log_;
  std::string lost_reason_;
  size_t queued_ = 0;
};

}  // namespace relais
