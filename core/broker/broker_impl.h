// BrokerImpl: the broker's internal state, shared by broker.cpp (lifecycle and
// the poll loop), ingest.cpp (PUB, in DESIGN §6 order) and delivery.cpp
// (subscriptions, credit, acks, redelivery, dead letters). Single-threaded:
// only the broker's main thread touches it.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>

#include "broker/dedup_index.h"
#include "broker/dedup_key.h"
#include "broker/event.h"
#include "broker/receipt.h"
#include "broker/verify_pool.h"
#include "crypto/envelope.h"
#include "crypto/keys.h"
#include "log/log.h"
#include "net/broker_config.h"
#include "net/protocol.h"
#include "net/zap_handler.h"
#include "policy/bundle.h"
#include "policy/serial_state.h"

namespace relais {

// What the broker derives from one topic, once: the bundle does not change
// while the broker runs. Shared by every message on the topic, so ingest
// copies no strings per message.
struct TopicRoute {
  std::string topic;
  std::vector<std::string> readers;  // the policy's readers, sorted
};

// A message kept in memory after it became durable, so live deliveries do
// not read the log. Older messages are read back from the log on demand.
struct CachedMessage {
  uint64_t seq = 0;
  std::shared_ptr<const TopicRoute> route;
  // An exact copy, not the frame it arrived in: a received ZeroMQ frame can
  // pin a receive buffer several times its size (measured: +21 MB of peak RSS
  // with 4,096 cached messages).
  Bytes envelope;
};

// The last policy answer a session or subscription got for one topic: most
// traffic repeats a topic, and the answer cannot change (the bundle is fixed
// while the broker runs). Holding the route keeps the comparison exact.
struct PolicyMemo {
  std::shared_ptr<const TopicRoute> route;
  bool allowed = false;
};

// A session's publish answers: the ACL for the last topic, and the type rule
// for the last type on that topic.
struct PublishMemo {
  PolicyMemo topic;
  std::string type;
  bool type_allowed = false;
};

struct InFlight {
  int64_t deadline_ms = 0;
  uint32_t deliveries = 0;
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
  int64_t next_deadline_ms = INT64_MAX;
  PolicyMemo may_read;  // policy.may_subscribe(owner, topic) for the last topic delivered
  uint64_t persisted_floor = 0;
  int64_t persist_due_ms = 0;
  // Cursor: every matching record below it was settled.
  uint64_t floor() const { return in_flight.empty() ? next_seq : in_flight.begin()->first; }
};

struct Session {
  std::string rid;
  std::string name;
  const PublicCard* card = nullptr;
  int64_t last_seen_ms = 0;
  bool packed = true;  // the peer's framing (net/framing.h), from its HELLO
  PublishMemo may_publish;
  std::map<uint32_t, std::shared_ptr<Subscription>> subs;
};

struct Waiter {
  std::string rid;
  uint64_t req_id = 0;
};

struct PendingPublish {
  RecordKey dedup_key{};
  Uuid id{};
  std::string from;
  int64_t ts_ms = 0;  // broker time at ingest
  Waiter waiter;                 // the publisher
  std::vector<Waiter> retries;   // retries that arrived while it was pending (rare)
  std::shared_ptr<CachedMessage> message;
  template <class F>
  void for_each_waiter(F&& f) {
    f(waiter);
    for (Waiter& w : retries) f(w);
  }
};

class BrokerImpl {
 public:
  // Verify jobs point into pending_: the workers stop before it goes.
  ~BrokerImpl() {
    if (verify_pool_) verify_pool_->stop();
  }
  BrokerConfig config_;
  Identity identity_;
  TrustBundle bundle_;
  std::unique_ptr<zmq::context_t> ctx_;
  std::unique_ptr<zmq::socket_t> router_;
  std::unique_ptr<zmq::socket_t> zap_events_;
  std::unique_ptr<ZapHandler> zap_;
  std::unique_ptr<Log> log_;
  std::unique_ptr<VerifyPool> verify_pool_;
  std::vector<VerifyPool::Result> verified_;
  std::string bound_endpoint_;

  std::unordered_map<std::string, Session> sessions_;
  std::map<std::string, std::shared_ptr<Subscription>> durable_;  // owner + '/' + durable name
  std::unordered_map<uint64_t, PendingPublish> pending_;
  std::unordered_map<RecordKey, uint64_t, RecordKeyHash> pending_by_key_;
  DedupIndex dedup_;  // logged messages (from, id) -> seq
  std::unordered_map<std::string, std::shared_ptr<const TopicRoute>> routes_;
  std::unordered_map<uint64_t, std::shared_ptr<CachedMessage>> recent_;
  std::deque<uint64_t> recent_order_;
  uint64_t next_token_ = 1;
  uint64_t durable_horizon_ = 0;  // highest seq whose completion was drained

  // Reusable buffers (allocation-light hot path).
  Bytes args_buf_;
  EventBuilder event_;
  std::vector<Completion> completions_;
  std::vector<ReceiptFields> receipt_items_;
  std::vector<std::pair<uint32_t, Waiter>> receipt_waiters_;  // (index in receipt_items_, who)
  std::vector<Receipt> receipts_;
  std::vector<zmq::message_t> frames_;  // one received message, reused
  EnvelopeDecoder envelope_decoder_;    // PUB decode without allocation
  bool inbound_packed_ = true;          // framing of the message being handled
  AckArgs ack_args_;                    // decoded ACK batch, reused
  // Batched delivery and ack events. Nobody waits on them, and one record per
  // loop turn cost the log writer a wakeup and a record per message at low
  // load: they are gathered for up to config_.event_batch_ms.
  static constexpr size_t kEventBatchItems = 4096;
  int64_t events_since_ms_ = 0;  // monotonic time of the oldest pending event, 0: none
  struct DeliveryNote { std::string who; uint32_t sub_id; uint64_t seq; uint32_t count; };
  std::vector<DeliveryNote> delivered_;
  std::vector<std::pair<std::string, uint64_t>> acked_;

  // broker.cpp
  Status open();
  Status start();
  Status run(int stop_fd);
  void handle_router();
  void handle_zap_events();
  void handle_completions();
  void sweep_sessions(int64_t now);
  void detach_session(Session& s, const char* why);
  // Sends one command to a peer in its framing; `extra` is the envelope (MSG).
  void send(const std::string& rid, Command cmd, const Bytes& args, ByteView extra = {});
  void send_error(const std::string& rid, uint64_t req_id, ErrorCode code, const std::string& reason);
  void log_event(const Bytes& body);
  void refuse(const Session* s, const std::string& rid, uint64_t req_id, ErrorCode code, const std::string& reason,
              std::string_view topic = {}, const Uuid* id = nullptr);
  // Writes the gathered delivery and ack events as one record each, when the
  // oldest has waited config_.event_batch_ms, the batch is large, or `force`.
  void flush_event_batches(bool force);
  Status rebuild_dedup();

  // ingest.cpp
  void on_pub(Session& s, ByteView args, ByteView envelope);
  std::shared_ptr<const TopicRoute> route_for(const std::string& topic);
  // A retry of a logged message: its original receipt (leaf read back from the log).
  void answer_retry(const Waiter& w, const Uuid& id, uint64_t seq);
  void send_puback(const Waiter& w, const Receipt& receipt);
  // Signs the receipts gathered by one handle_completions() (one signature per
  // kMaxReceiptBatch) and answers every waiter.
  void send_batch_pubacks();
  void handle_verified();  // step 11 results: append (12) or refuse

  // delivery.cpp
  void on_sub(Session& s, ByteView args);
  void on_unsub(Session& s, ByteView args);
  void on_ack(Session& s, ByteView args, bool nack);
  void pump_all(int64_t now);
  void pump(Subscription& sub, Session& s, int64_t now);
  std::shared_ptr<CachedMessage> load_message(uint64_t seq, bool* is_message);
  // Remembers a durable record; m is nullptr for an event (not deliverable).
  void cache_message(uint64_t seq, std::shared_ptr<CachedMessage> m);
  void persist_cursor(Subscription& sub, bool force);
  uint64_t load_cursor(const std::string& owner, const std::string& durable);
  std::string cursor_path(const std::string& owner, const std::string& durable) const;
};

}  // namespace relais
