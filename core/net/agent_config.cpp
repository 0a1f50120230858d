#include "net/agent_config.h"

#include "net/broker_config.h"
#include "net/config_file.h"

namespace relais {

Result<AgentConfig> load_agent_config(const std::string& path) {
  ConfigFile f(path);
  AgentConfig c;
  c.path = path;
  c.identity = f.get_path("agent", "identity", "", true);
  c.bundle = f.get_path("agent", "bundle", "", true);
  std::string pin = f.get_string("agent", "authority_key", "", true);
  if (!pin.empty()) {
    auto pk = parse_public_key_base64(pin);
    if (pk.ok()) c.authority_key = *pk;
    else f.error_at("agent", "authority_key", "agent.authority_key is not a base64 Ed25519 public key");
  }
  c.broker = f.get_string("agent", "broker", c.broker, false);
  if (c.broker.rfind("tcp://", 0) != 0 && c.broker.rfind("ipc://", 0) != 0)
    f.error_at("agent", "broker", "agent.broker must start with tcp:// or ipc://");
  c.state_dir = f.get_path("agent", "state_dir", "", false);
  c.heartbeat_ms = f.get_int("agent", "heartbeat_ms", c.heartbeat_ms, 50, 600000);
  Status s = f.finish();
  if (!s.ok()) return s;
  return c;
}

}  // namespace relais
