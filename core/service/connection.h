// Connection: the agent service's one session with the broker.
//
// ensure() makes a session when there is none and the backoff allows:
// connect, take the broker's newer bundle, check this agent's card
// (agent/agent.h open_broker_session), then attach the mailbox ("@mailbox",
// subscription id 1) and each [[subscription]] (ids 2, 3, ... in the
// configuration's order). A failed attempt waits backoff (jittered, between
// [service] reconnect_min_ms and reconnect_max_ms) before the next; a
// success resets it. A subscription refused because another process holds
// the name (durable_in_use) is retried on its own with backoff, never
// fatal; one refused otherwise (e.g. the policy no longer lets this
// participant read the pattern) is retried at the longest backoff. A
// [[subscription]] with from = "first" asks for it only until the name
// exists on the broker.
// lost() drops the session (a call found the broker away, or its session
// ended) and backs off. Within a session, the client reconnects on its own
// after a short outage (agent/broker_client.h); when that fails the session
// counts as lost (BrokerClient::session_lost()).
// One thread; BrokerClient is not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "service/backoff.h"
#include "service/service_log.h"

namespace relais {

class Connection {
 public:
  static constexpr uint32_t kMailboxSubId = 1;
  // How long one connection attempt or SUB may wait (ms).
  static constexpr int64_t kAttemptMs = 3000;

  Connection(AgentContext& ctx, ServiceLog log);

  // True when a session exists (made now if due).
  bool ensure(int64_t mono_ms);
  BrokerClient* client() { return client_.get(); }
  bool connected() const { return client_ != nullptr; }
  // Drops the session and backs off; `why` is logged.
  void lost(const std::string& why);
  // True once after each new session (the outbox is then served at once).
  bool take_new_session();
  // The subscription name of a delivery's sub_id ("@mailbox" or the durable name).
  std::string subscription_name(uint32_t sub_id) const;
  // For STATUS= and logs.
  std::string describe() const;
  void close();

 private:
  struct Sub {
    SubArgs args;
    std::string label;
    bool attached = false;
    bool ask_from = false;  // send the configured start position (a name not known to exist yet)
    Backoff backoff;
    int64_t retry_at = 0;
  };
  void attach(Sub& s, int64_t mono_ms);

  AgentContext& ctx_;
  ServiceLog log_;
  std::unique_ptr<BrokerClient> client_;
  Backoff backoff_;
  int64_t next_attempt_ = 0;
  bool new_session_ = false;
  bool said_unreachable_ = false;
  std::vector<Sub> subs_;
};

}  // namespace relais
