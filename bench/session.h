// A bare Relais protocol session for the benchmarks: one CURVE DEALER that
// speaks core/net/protocol.h directly, so a publisher can keep many PUBs in
// flight (BrokerClient::publish waits for each PUBACK) and 1,000 idle agents
// cost only a socket each. No retries, no reconnects: a benchmark that loses
// its session reports it. Not thread-safe: one thread per Session.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "crypto/keys.h"
#include "net/framing.h"
#include "net/protocol.h"
#include "util/bytes.h"
#include "util/status.h"

namespace relais::bench {

// One received message (packed framing, net/framing.h): args and extra are
// views into `frame` and live as long as it does.
struct Frames {
  Command cmd = Command::kPong;
  zmq::message_t frame;
  ByteView args;
  ByteView extra;  // envelope of a MSG; empty otherwise
  bool has_extra = false;
};

class Session {
 public:
  // The socket is created in ctx, which must outlive the Session.
  Session(zmq::context_t& ctx, const std::string& endpoint, const Identity& identity,
          const PublicKey& broker_link_pk);
  // Sends HELLO (resent every second) until WELCOME; Status::Timeout or Refused.
  Status hello(uint64_t bundle_serial, int timeout_ms);
  // Sends SUB and waits for SUBOK; with `durable`, attaches that durable
  // subscription ("@mailbox": the mailbox, with an empty pattern).
  Status subscribe(uint32_t sub_id, const std::string& pattern, int timeout_ms, const std::string& durable = "");
  void send(Command cmd, const Bytes& args, ByteView extra = {});
  // One protocol message, or false after timeout_ms (0: do not wait).
  bool recv(Frames* out, int timeout_ms);
  // Sends a PING when the last send is older than a second (keeps the session).
  void keepalive();
  zmq::socket_t& socket() { return socket_; }

 private:
  zmq::socket_t socket_;
  Bytes buf_;
  Bytes out_;  // packed frame being sent, reused
  int64_t last_send_ns_ = 0;
};

}  // namespace relais::bench
