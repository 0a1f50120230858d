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
// Protocol 2 (docs/protocol.md) adds, for the agent's bundle store and
// whoever else needs them:
//   - fetch(kind, arg): FETCH, answered by DATA's payload bytes (returned as
//     they came: the caller verifies them, e.g. parse_bundle against its
//     pinned authority) or by the broker's ERROR (Status::Refused with its
//     reason; last_error_code() gives the code). fetch_bundle(serial) is
//     fetch("bundle", serial == 0 ? "latest" : decimal serial).
//   - notices: every NOTICE the client receives, in whichever call it
//     arrives (connect, publish, subscribe, fetch, next...), goes to the
//     handler set with on_notice() (called on the caller's thread, inside
//     that call; it must not call back into the client), or, without a
//     handler, into a queue that poll_notice() pops, oldest first (at most
//     kMaxQueuedNotices kept: the oldest are dropped). A NOTICE
//     bundle_serial also updates broker_bundle_serial(); so does WELCOME.
//   - the broker's error codes: every call that fails because the broker
//     answered ERROR returns Status::Refused with the broker's reason, and
//     last_error_code() holds that ErrorCode (nullopt when the last failure
//     was not an ERROR). ERROR revoked (the broker's reload ended this
//     session: our key is revoked, retired or gone) is final: the client
//     does not reconnect, and publish/next/fetch return Refused at once with
//     last_error_code() == kRevoked. A refused handshake (ZAP) is reported
//     by connect() as Refused with last_error_code() nullopt: libzmq gives no
//     Relais code; the caller names the cause from its own newest bundle.
//   - set_bundle_serial(): the serial HELLO announces on the next
//     (re)connect, once the caller holds a newer bundle.
//   - SUB carries flags: after a reconnect the client resubscribes its
//     durable subscriptions with kSubTakeOver and no `from` (they resume at
//     their cursor). subscribe() sends a durable subscription's "new" as
//     "not given" (a new durable name starts at "new" either way; a given
//     position for an existing name is refused by the broker).
//
// ZeroMQ failures the client survives (a PING, ACK, NACK, HELLO or BYE
// that could not be sent, a monitor read that failed) are told, not
// swallowed: one line each through the handler set with on_log(), or on
// standard error without one; the same failure repeated is told once, with
// its count given by the next different line. A subscription from seq 0 is
// sent as from "first" (seqs start at 1).
//
// Not thread-safe: one thread uses a client. All waits are bounded by the
// deadline given (monotonic ms).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "agent/failure_notes.h"
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
  static constexpr size_t kMaxQueuedNotices = 64;

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
  // NACK with the reader's verdict: a code (e.g. kBadSignature, kMalformed,
  // kUnknownKey) and a detail for people (escaped and cut to kMaxNackDetail
  // bytes; never quote a document value in it).
  void nack(uint32_t sub_id, uint64_t seq, ErrorCode code, std::string_view detail);
  // The same with code kMalformed.
  void nack(uint32_t sub_id, uint64_t seq, const std::string& detail);

  // FETCH kind:arg; the DATA payload, or Refused (broker ERROR; see
  // last_error_code()), Timeout at the deadline. Reconnects like publish().
  Result<Bytes> fetch(std::string_view kind, std::string_view arg, int64_t deadline_ms);
  // The signed bundle file of `serial` (0: the broker's latest), unverified.
  Result<Bytes> fetch_bundle(uint64_t serial, int64_t deadline_ms);
  // Where the client tells the failures it survives (see above): a line for
  // people, naming the command and the ZeroMQ error; never a document value.
  void on_log(std::function<void(const std::string&)> log) { log_ = std::move(log); }
  // Notices: a handler (replaces the queue), or poll the queue.
  void on_notice(std::function<void(const NoticeArgs&)> handler) { notice_handler_ = std::move(handler); }
  std::optional<NoticeArgs> poll_notice();
  // The broker's bundle serial: from WELCOME, then each NOTICE bundle_serial
  // (0 before the first WELCOME).
  uint64_t broker_bundle_serial() const { return broker_serial_; }
  // The code of the broker's ERROR behind the last failed call, if it was one.
  std::optional<ErrorCode> last_error_code() const { return last_error_code_; }
  // The serial HELLO sends from the next (re)connect on.
  void set_bundle_serial(uint64_t serial) { bundle_serial_ = serial; }
  uint64_t bundle_serial() const { return bundle_serial_; }
  // True after a reconnect failed (the broker went away and did not answer
  // again before a call's deadline): no session until a later call makes it.
  bool session_lost() const { return session_lost_; }

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
  // Handles what may come in during any wait: MSG (queued), NOTICE. True
  // when it was one of them.
  bool take_unsolicited(Incoming& msg);
  // An ERROR's Refused status, remembering its code (and a revocation).
  Status broker_error(const ErrorArgs& e);
  // Waits for SUBOK or ERROR of req_id (SUB, and UNSUB of a durable name),
  // taking what else comes in; `what` names the request in a timeout.
  Status await_sub_ok(uint64_t req_id, int64_t deadline_ms, const char* what);
  // Tells a ZeroMQ failure the client goes on after (see on_log).
  void swallowed(const char* what, const zmq::error_t& e);

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
  uint64_t broker_serial_ = 0;
  std::optional<ErrorCode> last_error_code_;
  bool revoked_ = false;        // ERROR revoked received: final
  Status revoked_status_;
  std::function<void(const NoticeArgs&)> notice_handler_;
  std::function<void(const std::string&)> log_;
  FailureNotes failures_;  // what on_log was told, to tell repeats once
  std::deque<NoticeArgs> notices_;
};

}  // namespace relais
