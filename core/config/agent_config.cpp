#include "config/agent_config.h"

#include "config/broker_config.h"
#include "util/toml_reader.h"

namespace relais {

Result<AgentConfig> load_agent_config(const std::string& path) {
  auto reader = TomlReader::from_file(path);
  TomlTable root = reader->root();
  TomlTable agent = root.get_table("agent", false);
  AgentConfig c;
  c.path = path;
  c.identity = agent.get_path("identity", true).value_or("");
  c.bundle = agent.get_path("bundle", true).value_or("");
  std::string pin = agent.get_string("authority_key", true).value_or("");
  if (!pin.empty()) {
    auto pk = parse_public_key_base64(pin);
    if (pk.ok()) c.authority_key = *pk;
    else agent.error("authority_key", "agent.authority_key is not a base64 Ed25519 public key");
  }
  c.broker = agent.get_string("broker", false).value_or(c.broker);
  if (c.broker.rfind("tcp://", 0) != 0 && c.broker.rfind("ipc://", 0) != 0)
    agent.error("broker", "agent.broker must start with tcp:// or ipc://");
  c.state_dir = agent.get_path("state_dir", false).value_or("");
  c.heartbeat_ms = agent.get_int("heartbeat_ms", false, 50, 600000).value_or(c.heartbeat_ms);
  agent.reject_unknown();
  root.reject_unknown();
  Status s = reader->finish(Code::kConfig);
  if (!s.ok()) return s;
  return c;
}

}  // namespace relais
