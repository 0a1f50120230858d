// SubscriptionManager: who reads what, and how far they got.
//
// It owns every subscription: patterns, cursors, per-subscriber credit
// (max_in_flight), in-flight deliveries with their ack deadlines,
// redelivery on timeout and on return, dead letters after max_deliver, NACKs,
// replay from a seq or a time, the deletion of durable subscriptions, and
// their cursors (kept by the CursorStore, off the engine's thread).
//
// Every subscription reads forward from its cursor through the MessageCache
// (and so from the log), so a slow or stuck subscriber costs a cursor, never
// memory: its backlog stays on disk. The policy is checked again on every
// delivery: the reader must be among the envelope's readers and still allowed
// to read the topic under the bundle in force.
//
// SUB rules (docs/protocol.md §Subscriptions): `from` not given starts a new
// subscription at "new" and resumes an existing durable name at its cursor;
// a `from` given for an existing durable name is refused, naming the cursor;
// a durable name attached to another live session is refused
// (kDurableInUse) unless the take_over flag is set; a session silent for
// longer than heartbeat_timeout_ms holds nothing.
//
// Mailboxes (docs/protocol.md §Mailboxes): every participant has one, the
// reserved durable name "@mailbox" attached with an empty pattern. It holds
// the records whose topic the policy addresses to its owner (RouteCache::
// mailbox_owner). Its cursor is created when a bundle that first lists the
// participant is on record (open_mailboxes: at that bundle_loaded's seq, or
// at the first record when no mailbox existed yet, as in a log written
// before mailboxes), so that messages wait for a participant that never
// connected. It takes no `from`, is not counted against
// max_durable_per_participant and cannot be removed.
//
// Expiry: a record whose envelope expired (wall clock) is not delivered; it
// is settled as if acknowledged and recorded as `expired`.
//
// Erasure: a message erased (or whose erasure is on record: MessageCache) is
// not delivered; for a durable subscription or a mailbox it is settled as if
// acknowledged and recorded as `erased_unread`, also when it was in flight.
//
// Invariants:
//   - a subscription is attached to at most one session (a durable one taken
//     over by a new session leaves the old one);
//   - every in-flight seq is below next_seq; the cursor (floor) is the lowest
//     seq not yet settled; a persisted cursor never passes an unsettled seq;
//   - only durable records (seq <= the durable horizon) are delivered;
//   - a session has at most max_in_flight_bytes of envelopes delivered and
//     unacked (one message larger than that still goes when nothing else is
//     in flight), and each subscription at most max_in_flight messages;
//   - a participant keeps at most max_durable_per_participant durable names
//     (its mailbox aside).
// Not thread-safe (the engine's thread).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "broker/cursor_store.h"
#include "broker/event_recorder.h"
#include "broker/message_cache.h"
#include "broker/ports.h"
#include "broker/routes.h"
#include "broker/session_table.h"
#include "config/broker_config.h"
#include "log/log_writer.h"
#include "policy/bundle.h"

namespace relais {

struct InFlight {
  int64_t deadline_ms = 0;  // monotonic
  uint32_t deliveries = 0;
  uint32_t bytes = 0;       // the envelope's size
  int64_t first_ms = 0;     // monotonic time of the first delivery
};

// What metrics show of one durable subscription (the mailbox included).
struct DurableStatus {
  std::string owner, name;
  bool attached = false;
  uint64_t backlog_records = 0;      // log records from its cursor to the log's end: an upper bound
  uint64_t in_flight = 0;            // delivered, not yet acknowledged
  int64_t oldest_unacked_ms = 0;     // how long the oldest of those has waited since its first delivery
};

// One subscription. Durable ones outlive their session (attached=false) and
// keep their cursor in DATA/subscriptions/.
struct Subscription {
  std::string owner;        // participant name
  uint32_t sub_id = 0;      // the agent's id for it, within its session
  std::string pattern;
  std::string durable;      // empty when not durable
  std::string rid;          // routing id of the attached session
  bool attached = false;
  uint64_t next_seq = 1;    // next log record to examine
  std::map<uint64_t, InFlight> in_flight;  // delivered, not yet acked
  size_t in_flight_bytes = 0;               // sum of in_flight's bytes
  int64_t next_deadline_ms = INT64_MAX;
  bool mailbox = false;     // the owner's "@mailbox" (pattern empty)
  PolicyMemo may_read;      // may_subscribe(owner, topic) for the last topic delivered
  PolicyMemo addressed;     // mailbox: the last topic is addressed to the owner
  uint64_t persisted_floor = 0;
  int64_t persist_due_ms = 0;
  // Settles one in-flight seq; false if it was not in flight.
  bool settle(uint64_t seq) {
    auto it = in_flight.find(seq);
    if (it == in_flight.end()) return false;
    in_flight_bytes -= it->second.bytes;
    in_flight.erase(it);
    return true;
  }
  // Cursor: every matching record below it was settled.
  uint64_t floor() const { return in_flight.empty() ? next_seq : in_flight.begin()->first; }
};

class SubscriptionManager {
 public:
  // A refusal for the caller to answer and record (code, reason, the pattern).
  struct Refusal {
    uint64_t req_id = 0;
    ErrorCode code = ErrorCode::kInternal;
    std::string reason;
    std::string pattern;
  };

  SubscriptionManager(const BrokerConfig& config, const Clock& clock, const Log& log, SessionTable& sessions,
                      MessageCache& cache, RouteCache& routes, Replies& replies, EventRecorder& events);

  // SUB: a new subscription, or a durable one resumed (its cursor restored
  // from disk, or taken over from another session). nullopt: SUBOK was sent.
  std::optional<Refusal> subscribe(Session& s, const TrustBundle& bundle, ByteView args, uint64_t horizon);
  // UNSUB: ends a subscription of this session, or ([0, durable, req_id])
  // deletes one of the sender's durable subscriptions and its cursor (never
  // the mailbox: refused, kForbidden).
  std::optional<Refusal> unsubscribe(Session& s, ByteView args);
  // ACK (nack=false) or NACK. A NACK is final: recorded, not redelivered.
  std::optional<Refusal> settle(Session& s, ByteView args, bool nack);
  // The session is ending: its subscriptions detach (durable cursors saved).
  void detach(Session& s);
  // A reload: every attached subscription the new bundle no longer allows
  // (its owner gone or revoked, or the pattern no longer readable) ends. Its
  // subscriber gets ERROR forbidden (req_id 0) naming the pattern and a
  // refusal event is recorded; a durable one keeps its cursor (detached).
  // Returns how many ended.
  size_t end_disallowed(const TrustBundle& bundle);
  // Redelivers what timed out and delivers new records up to each
  // subscription's credit, for every attached subscription.
  void pump_all(const TrustBundle& bundle, uint64_t horizon);
  // `bundle` is on record at `seq` (its bundle_loaded event): every current
  // participant without a mailbox gets one, starting at seq, or at 1 when no
  // participant had a mailbox yet. Returns how many were created.
  size_t open_mailboxes(const TrustBundle& bundle, uint64_t seq);
  // Saves every durable cursor and waits until they are on disk (clean stop).
  void persist_all();
  size_t durable_count() const { return durable_.size(); }
  // Records dead-lettered since start.
  uint64_t dead_letters() const { return dead_letters_; }
  // The standing against the log's end `horizon` of every durable
  // subscription and mailbox, attached or not (those not in memory are read
  // from their cursor files). For metrics; allocates and may read small
  // files, so not for the hot path.
  std::vector<DurableStatus> durable_status(uint64_t horizon);
  // Changes whenever a durable name or mailbox is created or removed, so a
  // cached durable_status() list knows it is out of date.
  uint64_t durable_names_generation() const { return names_generation_; }
  // Envelope bytes delivered and not yet acked, over every session.
  size_t in_flight_bytes() const;
  CursorStore& cursors() { return cursors_; }

 private:
  void pump(Subscription& sub, Session& s, const TrustBundle& bundle, uint64_t horizon, int64_t now,
            size_t& session_bytes);
  void deliver(Subscription& sub, Session& s, uint64_t seq, uint32_t count, const CachedMessage& m);
  // True if the record's topic is addressed to the mailbox's owner.
  bool addressed_to(Subscription& sub, const TrustBundle& bundle, const std::shared_ptr<CachedMessage>& m);
  void record_expired(const Session& s, uint64_t seq);
  void record_erased_unread(const Session& s, uint64_t seq);
  void persist_cursor(Subscription& sub, bool force);
  std::optional<Refusal> remove_durable(Session& s, const UnsubArgs& a);

  const BrokerConfig& config_;
  const Clock& clock_;
  uint64_t names_generation_ = 0;
  const Log& log_;
  SessionTable& sessions_;
  MessageCache& cache_;
  RouteCache& routes_;
  Replies& replies_;
  EventRecorder& events_;
  CursorStore cursors_;
  std::map<std::string, std::shared_ptr<Subscription>> durable_;  // owner + '/' + durable name
  AckArgs ack_args_;  // decoded ACK batch, reused
  uint64_t dead_letters_ = 0;
};

}  // namespace relais
