#include "service/anchorer.h"

#include "agent/receipt_anchor.h"
#include "util/clock.h"

namespace relais {

int64_t Anchorer::tick(BrokerClient& client, int64_t mono_ms) {
  if (mono_ms < next_ms_) return 0;
  next_ms_ = mono_ms + kIntervalMs;
  const PublicCard* broker = ctx_.bundle.broker();
  if (broker == nullptr) return 0;
  auto entries = store_.logged_without_anchor(kBatch + static_cast<int64_t>(suspicious_.size()));
  if (!entries.ok()) {
    log_("anchors: " + entries.status().message());
    return 0;
  }
  int64_t kept = 0, asked = 0;
  const int64_t round_end = monotonic_ms() + kRoundMs;
  for (const OutboxEntry& e : *entries) {
    if (e.receipt.empty() || suspicious_.count(e.id) != 0) continue;
    if (++asked > kBatch || monotonic_ms() >= round_end) break;
    auto anchor = anchor_receipt(client, broker->sign_pk, e.receipt, round_end);
    if (!anchor.ok()) {
      // Not covered yet (later seqs are not either), or the round's time is up.
      if (anchor.status().code() == Code::kNotFound || anchor.status().code() == Code::kTimeout) break;
      if (anchor.status().code() == Code::kInvalid) {
        suspicious_.insert(e.id);
        log_("anchors: WARNING: the broker's checkpoint or proof for " + e.id + " (seq " + std::to_string(e.seq) +
             ") does not check: " + anchor.status().message() + "; keep its receipt and tell the auditor");
        continue;
      }
      log_("anchors: " + anchor.status().message());
      break;  // the session is in trouble: the loop finds out
    }
    if (Status s = store_.set_anchor(e.id, *anchor); !s.ok()) {
      log_("anchors: " + s.message());
      break;
    }
    ++kept;
  }
  return kept;
}

}  // namespace relais
