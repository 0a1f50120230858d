// Receiver: what the service does with each delivery (mailbox and durable
// subscriptions alike).
//   1. It is verified and opened once, here (agent/agent.h open_received);
//      one that fails is NACKed with the reader's code and logged.
//   2. It is stored (Store::put_messages: routing fields in clear, the opened
//      JSON sealed under the store key); an expired one is stored too, as
//      status "expired" without a body, so the inbox shows it came.
//      A burst of deliveries (what the broker sent together) is stored in one
//      transaction, so one sync covers up to kMaxBurst messages.
//   3. Only once the store has committed is it ACKed: a service stopped
//      between the two gets it again, and put_message keeps the first copy
//      (a message already stored is only ACKed). A store that fails leaves it
//      unacknowledged: the broker delivers it again.
//   4. A newly stored, unexpired message is exported to inbox_dir when
//      configured, and handed to the on_message program (hook_input: no body
//      unless on_message_body); the workflow then sees it (answers to sent
//      referrals, statistics cells; automatic responses are queued by the
//      workflow's tick, from the store).
// Logs name the record, id, sender, topic and type; never the body.
#pragma once

#include <string>

#include "agent/agent.h"
#include "service/hook_runner.h"
#include "service/service_log.h"
#include "service/workflow.h"
#include "store/store.h"

namespace relais {

class Receiver {
 public:
  Receiver(AgentContext& ctx, Store& store, Workflow& workflow, HookRunner* hooks, ServiceLog log);

  // The most deliveries stored in one transaction.
  static constexpr size_t kMaxBurst = 256;

  // One delivery and the name of its subscription ("@mailbox" or a durable
  // name).
  struct Received {
    Delivery delivery;
    std::string subscription;
  };
  // Handles one delivery received through `client`.
  void handle(BrokerClient& client, const Delivery& delivery, const std::string& subscription);
  // Handles deliveries received together through `client`, in order, stored
  // in one transaction (at most kMaxBurst: the caller bounds the burst).
  void handle_burst(BrokerClient& client, const std::vector<Received>& burst);
  int64_t stored() const { return stored_; }

 private:
  AgentContext& ctx_;
  Store& store_;
  Workflow& workflow_;
  HookRunner* hooks_;
  ServiceLog log_;
  int64_t stored_ = 0;
};

}  // namespace relais
