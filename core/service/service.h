// AgentService: `relais-agent run`, the agent service. A foreground process
// for systemd (Type=notify) and for a terminal; docs/agent-service.md
// describes it for people.
//
// start() checks the configuration against the held bundle (a
// [[subscription]] overlapping the mailbox is Status::Config: exit 2),
// prepares inbox_dir, opens the store (state_dir/store.db, with the
// retired identities), and with a [desk] section starts the desk on its own
// HTTP threads (logging "desk listening on URL"; a port it cannot bind is
// Status::Config); then notify("READY=1...") is called, whether or not the
// broker is reachable. With [metrics], /metrics and /healthz are served
// (service/service_metrics.h) from a snapshot the loop publishes every
// kMetricsMs. run() is the loop, single-threaded around one
// BrokerClient (service/connection.h), every wait short and bounded:
//   - the session is made when due (backoff while the broker is away);
//   - the outbox is served every Sender::kPollMs and at once after a new
//     session (service/sender.h): a `send` from another process is seen by
//     that poll of the store's queued entries (an indexed query);
//   - the workflow ticks every kWorkflowMs (service/workflow.h);
//   - hook runs are polled (service/hook_runner.h);
//   - receipts are anchored in the broker's signed checkpoints every
//     Anchorer::kIntervalMs (service/anchorer.h);
//   - the bundle's [retention] periods and erasure orders are applied to the
//     store and inbox_dir every AgencyRetention::kCheckEveryMs and when a
//     newer bundle is taken (service/retention.h);
//   - deliveries are awaited for at most kReceiveWaitMs (service/receiver.h),
//     newer bundles taken after each wait;
//   - without a session, the loop waits on the stop signal instead.
// It returns when stop_requested() says so (SIGTERM or SIGINT, read from a
// signalfd: service/stop_signal.h), after notify("STOPPING=1..."), a bounded
// wait for running hooks, and a clean close (pending ACKs sent, BYE).
// notify() receives sd_notify(3) state lines ("READY=1\nSTATUS=...",
// "STATUS=...", "STOPPING=1\nSTATUS=..."): the program passes them to
// systemd; the library never links libsystemd.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "agent/agent.h"
#include "service/service_log.h"
#include "store/store.h"
#include "util/status.h"

namespace relais {

namespace desk {
class DeskServer;
}
class AgencyRetention;
class DeskActions;
class DeskDashboard;
class DirLock;
class Anchorer;
class Connection;
class HookRunner;
class ServiceMetrics;
class Receiver;
class Sender;
class Workflow;

struct ServiceHooks {
  ServiceLog log;                                       // lines for people (stderr)
  std::function<void(const std::string&)> notify;      // sd_notify state lines
  std::function<bool(int64_t wait_ms)> stop_requested;  // waits up to wait_ms; true: stop now
};

class AgentService {
 public:
  static constexpr int64_t kReceiveWaitMs = 200;
  static constexpr int64_t kWorkflowMs = 1000;
  static constexpr int64_t kHookStopWaitMs = 5000;
  static constexpr int64_t kMetricsMs = 1000;

  static Result<std::unique_ptr<AgentService>> start(AgentContext& ctx, ServiceHooks hooks);
  ~AgentService();
  Status run();

 private:
  AgentService(AgentContext& ctx, ServiceHooks hooks);
  void status_changed();

  AgentContext& ctx_;
  ServiceHooks hooks_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Workflow> workflow_;
  std::unique_ptr<HookRunner> runner_;
  std::unique_ptr<Receiver> receiver_;
  std::unique_ptr<Sender> sender_;
  std::unique_ptr<Connection> connection_;
  std::shared_ptr<DeskActions> desk_actions_;  // what the desk's writing needs (service/desk_actions.h)
  std::unique_ptr<DirLock> lock_;  // state_dir/service.lock (store/store_backup.h)
  std::unique_ptr<DeskDashboard> dashboard_;  // the desk's indicators page (declared first: outlives desk_)
  std::unique_ptr<desk::DeskServer> desk_;  // with [desk]: the web interface (desk/desk_server.h)
  std::unique_ptr<Anchorer> anchorer_;  // receipts anchored in signed checkpoints (service/anchorer.h)
  std::unique_ptr<AgencyRetention> retention_;  // retention and erasure orders (service/retention.h)
  std::unique_ptr<ServiceMetrics> metrics_;  // with [metrics]: /metrics and /healthz (service/service_metrics.h)
  int64_t started_ms_ = 0;
  int64_t last_contact_ms_ = 0;   // the broker's last answer (a next() that returned)
  int64_t next_metrics_ = 0;      // monotonic time of the next snapshot
  void publish_metrics();
  std::string last_status_;
};

}  // namespace relais
