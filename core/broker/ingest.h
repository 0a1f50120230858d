// IngestPipeline: a PUB, from its frame to its acknowledgement.
//
// publish() runs the synchronous checks in this order, cheapest first, and
// stops at the first that fails (mosquitto's handle_publish.c reads the same
// way):
//    1 frame size            2 bounded decode        3 envelope shape
//    4 from == the session's participant, whose keys are still current in
//      the bundle in force (else kRevoked)
//    5 bundle serial not newer than the broker's (an older one is checked
//      like a current one: sender, ACL and readers under the bundle in force)
//    6 publish ACL, then the places the topic names (the region and
//      prefecture of alert.<kind>.<region>.<prefecture>, the prefecture of
//      stats.<prefecture>) are in the bundle's location table (else
//      kMalformed; policy/topic_locations.h)
//    7 type allowed on topic 8 to == policy readers
//    9 clock skew, expiry, then the id's own (UUIDv7) time not older than
//      dedup_window_ms (else kStaleId: past the window a retry could no
//      longer be recognised, and would be logged twice)
//   10 duplicate (a logged (from, id) gets its original acknowledgement:
//      the same seq and a receipt for it; one still pending gets the same
//      acknowledgement when it lands)
//   11 signature, handed to the SignatureVerifier, while the envelopes
//      waiting for the log stay under max_pending_bytes (else kLimit: retry)
// and returns the verdict: refused (code, reason: the caller answers and
// records it), answered (a retry of a logged message, acknowledged again),
// joined (a retry of a pending one) or pending (handed to step 11).
// on_verified() carries on: a bad signature is refused and recorded, a good
// one is submitted to the log (12). on_completion() and finish_completions()
// acknowledge every waiter once its record is durable (13), with one receipt
// signature per batch, remember the (from, id) in the duplicate index and put
// the message in the MessageCache for delivery (14).
//
// Invariants: nothing is acknowledged before the log says it is durable; a
// (from, id) is in at most one of the duplicate index and the pending table;
// a pending publish owns the copy of its envelope the verifier reads.
// Not thread-safe (the engine's thread); the verifier may use threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/dedup_index.h"
#include "broker/dedup_key.h"
#include "broker/event_recorder.h"
#include "broker/message_cache.h"
#include "broker/ports.h"
#include "broker/publish_stages.h"
#include "broker/routes.h"
#include "broker/session_table.h"
#include "config/broker_config.h"
#include "crypto/envelope.h"
#include "log/log_writer.h"
#include "policy/bundle.h"
#include "receipt/receipt.h"

namespace relais {

class IngestPipeline {
 public:
  enum class Outcome { kPending, kRefused, kAnswered, kJoined };
  struct Verdict {
    Outcome outcome = Outcome::kPending;
    uint64_t req_id = 0;
    ErrorCode code = ErrorCode::kInternal;  // when refused
    std::string reason;                     // when refused
    std::string topic;                      // when refused and known
    std::optional<Uuid> id;                 // when refused and known
  };

  IngestPipeline(const BrokerConfig& config, const Clock& clock, Log& log, SignatureVerifier& verifier,
                 RouteCache& routes, MessageCache& cache, Replies& replies, EventRecorder& events,
                 const SecretBytes& sign_sk);
  // Pending jobs point into pending publishes: the engine stops the verifier
  // before the pipeline goes.

  // Steps 1-11 for one PUB from s, under `bundle`.
  Verdict publish(Session& s, const TrustBundle& bundle, ByteView args, ByteView envelope);
  // Step 11's results (12, or a kBadSignature refusal).
  void on_verified();
  // One log completion of a message record (token != 0), then, after the
  // drained batch, finish_completions() signs and sends the acknowledgements.
  void on_completion(const Completion& c);
  void finish_completions();

  // A reload revoked these senders: each of their publishes still waiting
  // for its signature check is refused (kRevoked) and answered now; those
  // already handed to the log stay (their records precede the reload's
  // bundle_loaded in the log) and are acknowledged when durable.
  template <class Revoked>
  size_t refuse_pending_of(Revoked&& is_revoked, uint64_t serial);

  // Rebuilds the duplicate index from the log (at start).
  Status rebuild_dedup();
  // Forgets duplicate entries past their window.
  void expire(int64_t now_ms) { dedup_.expire(now_ms); }
  size_t pending() const { return pending_.size(); }
  // Envelope bytes accepted and not yet durable (the broker's own accounting).
  size_t pending_bytes() const { return pending_bytes_; }
  size_t dedup_size() const { return dedup_.size(); }
  // Where acknowledged publishes spent their time (read by the metrics thread).
  const PublishStages& stages() const { return stages_; }

 private:
  struct Waiter {
    std::string rid;
    uint64_t req_id = 0;
  };
  struct PendingPublish {
    RecordKey dedup_key{};
    Uuid id{};
    std::string from;
    int64_t ts_ms = 0;            // broker time at ingest
    int64_t received_us = 0;      // monotonic, at ingest (PublishStages)
    int64_t verified_us = 0;      // monotonic, back from the verifier
    Waiter waiter;                // the publisher
    std::vector<Waiter> retries;  // retries that arrived while it was pending (rare)
    std::shared_ptr<CachedMessage> message;
    bool submitted = false;  // handed to the log
    bool refused = false;    // answered kRevoked; kept until the verifier is done with its envelope
    template <class F>
    void for_each_waiter(F&& f) {
      f(waiter);
      for (Waiter& w : retries) f(w);
    }
  };

  Verdict refused(uint64_t req_id, ErrorCode code, std::string reason, const EnvelopeHeader* h = nullptr);
  // A retry of a logged message: its original receipt (leaf read back from the log).
  void answer_retry(const Waiter& w, const Uuid& id, uint64_t seq);
  void send_puback(const Waiter& w, const Receipt& receipt);

  const BrokerConfig& config_;
  const Clock& clock_;
  Log& log_;
  SignatureVerifier& verifier_;
  RouteCache& routes_;
  MessageCache& cache_;
  Replies& replies_;
  EventRecorder& events_;
  const SecretBytes& sign_sk_;

  DedupIndex dedup_;  // logged messages: (from, id) -> seq
  std::unordered_map<uint64_t, PendingPublish> pending_;  // by token
  std::unordered_map<RecordKey, uint64_t, RecordKeyHash> pending_by_key_;
  uint64_t next_token_ = 1;
  size_t pending_bytes_ = 0;

  // Reused buffers (allocation-light hot path).
  EnvelopeDecoder decoder_;
  std::vector<VerifyResult> verified_;
  std::vector<ReceiptFields> receipt_items_;
  std::vector<std::pair<uint32_t, Waiter>> receipt_waiters_;  // (index in receipt_items_, who)
  std::vector<std::pair<int64_t, int64_t>> receipt_times_us_;  // (received_us, verified_us) of receipt_items_[i]
  PublishStages stages_;
  std::vector<Receipt> receipts_;
  Bytes receipt_buf_;
};

template <class Revoked>
size_t IngestPipeline::refuse_pending_of(Revoked&& is_revoked, uint64_t serial) {
  size_t n = 0;
  for (auto& [token, p] : pending_) {
    if (p.submitted || p.refused || !is_revoked(p.from)) continue;
    const std::string why = p.from + "'s key is no longer valid in bundle serial " + std::to_string(serial) +
                            " (revoked, retired or removed): the message was not logged";
    p.for_each_waiter([&](const Waiter& w) { replies_.error(w.rid, w.req_id, ErrorCode::kRevoked, why); });
    events_.refusal(p.from, ErrorCode::kRevoked, why, p.message->route->topic, &p.id);
    pending_by_key_.erase(p.dedup_key);
    p.refused = true;
    ++n;
  }
  return n;
}

}  // namespace relais
