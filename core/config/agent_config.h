// AgentConfig: agents/<name>.toml (config/agent.toml documents every key).
// Errors are reported all at once with file:line (Status::Config, exit 2).
//
// [agent] says who the participant is and where the broker is; [service]
// and [[subscription]] are read by `relais-agent run` (the agent service):
// the durable subscriptions it keeps besides the mailbox, the escalation
// deadlines of the referral workflow, and the optional integrations
// (inbox_dir, on_message). A [[subscription]] that overlaps the mailbox is
// refused by the service once it holds the bundle (it needs the policy).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/desk_config.h"
#include "crypto/keys.h"
#include "util/status.h"

namespace relais {

// One [[subscription]] table: a durable subscription the service keeps.
struct ConfiguredSubscription {
  std::string topic;    // a topic or pattern (* one token, > the rest)
  std::string durable;  // the durable name on the broker ([a-z0-9_-], not "@mailbox")
  std::string from = "new";  // where a new durable name starts: first | new
};

struct ServiceConfig {
  std::vector<ConfiguredSubscription> subscriptions;
  // Escalation deadlines of sent referrals without an accepted or rejected
  // response (ms after the referral was logged). escalate_immediate and
  // escalate_urgent are durations (4h); escalate_immediate_ms and
  // escalate_urgent_ms, meant for tests, give milliseconds and win.
  int64_t escalate_immediate_ms = 4LL * 3600000;
  int64_t escalate_urgent_ms = 24LL * 3600000;
  // Optional plaintext export folder: each opened message as <id>.json
  // (0600, written atomically). Empty: none.
  std::string inbox_dir;
  // Optional program run per stored message with its routing fields as JSON
  // on stdin (and the body only when on_message_body). Empty: none.
  std::string on_message;
  bool on_message_body = false;
  // Reconnection backoff bounds (ms).
  int64_t reconnect_min_ms = 500;
  int64_t reconnect_max_ms = 30000;
};

struct AgentConfig {
  std::string path;
  std::string identity;        // the participant's .key file
  // Earlier key files of this participant (after key rotations): the store
  // key wrapped to them still opens, and messages sealed to them still open.
  std::vector<std::string> retired_identities;
  std::string bundle;          // trust bundle file
  PublicKey authority_key{};   // pinned authority sign key
  std::string broker = "tcp://127.0.0.1:7450";
  std::string state_dir;       // bundles, received ids, the local store (store.db)
  int64_t heartbeat_ms = 2000;
  ServiceConfig service;
  DeskConfig desk;             // [desk]: the web interface (off when absent)
  // [metrics] listen: where the service serves /metrics and /healthz
  // (HOST:PORT). Absent section: off; a [metrics] section without listen:
  // 127.0.0.1:9471; listen = "": off.
  std::string metrics_listen;
};

Result<AgentConfig> load_agent_config(const std::string& path);

}  // namespace relais
