// Anchorer: the agent service's part that anchors its receipts outside the
// broker (docs/audit.md §Receipts). Every kIntervalMs, with a session, it
// takes up to kBatch logged outbox entries whose receipt has no anchor yet
// and asks the broker for the first signed checkpoint covering each, with
// the inclusion proof (agent/receipt_anchor.h); a checked anchor is kept with
// the entry (Store::set_anchor), where `relais-agent receipts --export`
// finds it. A receipt no checkpoint covers yet waits for the next round
// (the broker signs one within its checkpoint interval). An anchor that does
// not check (the broker answered something it did not sign) is logged
// loudly, and that entry is not asked again during this run: an auditor
// must look at it. One thread (the service loop's).
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "agent/agent.h"
#include "service/service_log.h"
#include "store/store.h"

namespace relais {

class Anchorer {
 public:
  static constexpr int64_t kIntervalMs = 5000;
  static constexpr int64_t kBatch = 16;
  // A round never holds the service loop longer than this (receiving and the
  // outbox wait behind it): what is left waits for the next round.
  static constexpr int64_t kRoundMs = 1000;

  Anchorer(AgentContext& ctx, Store& store, ServiceLog log) : ctx_(ctx), store_(store), log_(std::move(log)) {}

  // Runs a round when due (mono_ms: monotonic time); returns how many anchors were kept.
  int64_t tick(BrokerClient& client, int64_t mono_ms);

 private:
  AgentContext& ctx_;
  Store& store_;
  ServiceLog log_;
  int64_t next_ms_ = 0;
  std::set<std::string> suspicious_;  // ids whose anchor did not check
};

}  // namespace relais
