// AgentConfig: agents/<name>.toml (config/agent.toml documents every key).
// Errors are reported all at once with file:line (Status::Config, exit 2).
#pragma once

#include <string>

#include "crypto/keys.h"
#include "util/status.h"

namespace relais {

struct AgentConfig {
  std::string path;
  std::string identity;        // the participant's .key file
  std::string bundle;          // trust bundle file
  PublicKey authority_key{};   // pinned authority sign key
  std::string broker = "tcp://127.0.0.1:7450";
  std::string state_dir;       // newest bundle serial seen, durable subscription state
  int64_t heartbeat_ms = 2000;
};

Result<AgentConfig> load_agent_config(const std::string& path);

}  // namespace relais
