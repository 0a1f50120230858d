// ZapHandler: the ZeroMQ authentication (ZAP, RFC 27) handler of the broker.
//
// It runs on its own thread with a REP socket bound to
// inproc://zeromq.zap.01 in the broker's context, and must be started BEFORE
// the broker's ROUTER binds (libzmq 4.3 admits every CURVE client that knows
// the server key when no handler answers). It admits only CURVE clients whose
// link key is a present, unrevoked participant of the trust bundle, in the
// ZAP domain kZapDomain, and answers with the participant's name as User-Id.
// Every refusal is reported as an AuthFailure on an inproc PUSH socket
// (kZapEventsEndpoint) so the broker can log it as an event.
//
// Thread-safety: start() and stop() from one thread; set_allowlist() from
// any thread: it replaces the allowlist at once, and every handshake the
// handler judges after it returns is judged by the new one.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "crypto/keys.h"
#include "util/status.h"

namespace relais {

inline constexpr const char* kZapDomain = "relais";
inline constexpr const char* kZapEventsEndpoint = "inproc://relais-zap-events";
inline constexpr int kZapEnforceDomainOption = 93;  // ZMQ_ZAP_ENFORCE_DOMAIN, not exported without draft API

class ZapHandler {
 public:
  // allowlist: link public key -> participant name.
  ZapHandler(zmq::context_t& ctx, std::map<PublicKey, std::string> allowlist);
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  // Binds the handler socket and starts the thread; returns once it is
  // serving. Fails (Status::Config) if the handler cannot run: the broker
  // must then refuse to start. The events endpoint must already be bound by
  // the caller's PULL socket.
  Status start();
  void stop();
  void set_allowlist(std::map<PublicKey, std::string> allowlist);

 private:
  void run();

  zmq::context_t& ctx_;
  std::mutex mu_;  // guards allowlist_
  std::map<PublicKey, std::string> allowlist_;
  zmq::socket_t rep_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

// Applies the CURVE-server settings every broker ROUTER must have: server
// secret key, ZAP domain, enforced domain (fails closed if no handler).
Status configure_curve_server(zmq::socket_t& socket, const uint8_t link_sk[32]);

}  // namespace relais
