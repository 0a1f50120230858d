// BrokerClient: an agent's session with the broker over CurveZMQ (DEALER).
//
// connect() authenticates with the participant's link key against the
// broker's link key from the trust bundle, sends HELLO and waits for
// WELCOME. It tells apart an unreachable broker (Status::Timeout) from one
// that refused our key (Status::Refused: not in the bundle, or revoked),
// using a socket monitor, since libzmq 4.3 has no other way to say so.
// publish() resends the same envelope bytes (same id) when a reply is lost,
// reconnecting if needed: the broker answers a retry with the original seq.
// The client sends PINGs every heartbeat and treats a broker silent for
// 5 heartbeats as gone (libzmq without the draft API reports no disconnects).
//
// Not thread-safe: one thread uses a client. All waits are bounded by the
// deadline given (monotonic ms).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "crypto/keys.h"
#include "net/protocol.h"
#include "util/bytes.h"
#include "util/status.h"

namespace relais {

struct Delivery {
  MsgArgs args;
  Bytes envelope;
};

class BrokerClient {
 public:
  BrokerClient(std::string endpoint, const Identity& identity, const PublicKey& broker_link_pk,
               uint64_t bundle_serial, int64_t heartbeat_ms);
  ~BrokerClient();
  BrokerClient(const BrokerClient&) = delete;
  BrokerClient& operator=(const BrokerClient&) = delete;

  Status connect(int64_t deadline_ms);
  // Sends the envelope and waits for its PUBACK (ok) or ERROR (Refused with
  // the broker's reason; storage errors are retried until the deadline).
  Result<PubAckArgs> publish(ByteView envelope, int64_t deadline_ms);
  // Sends SUB and waits for SUBOK or ERROR (Refused with the broker's reason).
  Status subscribe(const SubArgs& args, int64_t deadline_ms);
  // Deletes this participant's durable subscription `name` and its cursor
  // (Status::Refused with the broker's reason, e.g. no such name).
  Status remove_durable(const std::string& name, int64_t deadline_ms);
  // The next delivery, or nullopt at the deadline. Reconnects and
  // resubscribes on its own if the broker went away; a broker still away at
  // the deadline gives nullopt, and the next call tries again.
  Result<std::optional<Delivery>> next(int64_t deadline_ms);
  // Acks are batched: sent as one ACK when next() runs out of received
  // deliveries, when a batch is full or the subscription changes, and on close().
  void ack(uint32_t sub_id, uint64_t seq);
  void nack(uint32_t sub_id, uint64_t seq, const std::string& reason);
  // Says BYE (best effort) and closes the socket.
  void close();
  const std::string& endpoint() const { return endpoint_; }

 private:
  Status open_socket();
  Status handshake(int64_t deadline_ms);
  // Waits for one protocol message (cmd, args, optional envelope); handles
  // PONG and heartbeats. nullopt at the deadline.
  struct Incoming {
    Command cmd;
    Bytes args;
    Bytes extra;
  };
  Result<std::optional<Incoming>> receive(int64_t deadline_ms);
  void send(Command cmd, const Bytes& args, ByteView extra = {});
  Status check_monitor();
  Status reconnect(int64_t deadline_ms);
  void flush_acks();

  std::string endpoint_;
  const Identity& identity_;
  PublicKey broker_link_pk_;
  uint64_t bundle_serial_;
  int64_t heartbeat_ms_;
  zmq::context_t ctx_;
  std::unique_ptr<zmq::socket_t> socket_;
  std::unique_ptr<zmq::socket_t> monitor_;
  int monitor_seq_ = 0;
  bool auth_failed_ = false;
  bool session_lost_ = false;  // a reconnect failed: the next next() makes the session again
  int64_t last_heard_ms_ = 0;
  int64_t next_ping_ms_ = 0;
  uint64_t next_req_id_ = 1;
  std::vector<SubArgs> subscriptions_;   // re-sent after a reconnect
  std::deque<Delivery> queued_;          // deliveries received while waiting for a reply
  std::vector<std::pair<uint32_t, uint64_t>> last_seq_;  // per subscription, to resume after reconnect
  Bytes buf_;
  Bytes out_;  // packed frame being sent, reused
  AckBatch pending_acks_;  // acks not sent yet (see ack())
};

}  // namespace relais
