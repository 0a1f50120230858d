#include "config/agent_config.h"

#include "util/expires_in.h"
#include "config/broker_config.h"
#include "http/server.h"
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
  if (agent.has("retired_identities")) {
    // Paths, resolved like identity.
    auto list = agent.get_strings("retired_identities", false).value_or(std::vector<std::string>{});
    for (const auto& p : list) c.retired_identities.push_back(reader->resolve_path(p));
  }
  agent.reject_unknown();

  TomlTable service = root.get_table("service", false);
  if (service.present()) {
    ServiceConfig& sc = c.service;
    auto deadline = [&](std::string_view key, int64_t& out) {
      auto text = service.get_string(key, false);
      if (!text) return;
      auto ms = parse_expires_in(*text);
      if (ms.ok()) out = *ms;
      else service.error(key, "service." + std::string(key) + " must be a duration such as 4h, 90m or 2d");
    };
    deadline("escalate_immediate", sc.escalate_immediate_ms);
    deadline("escalate_urgent", sc.escalate_urgent_ms);
    // For tests: the same deadlines in milliseconds (they win over the durations).
    sc.escalate_immediate_ms =
        service.get_int("escalate_immediate_ms", false, 1, 3650LL * 86400000).value_or(sc.escalate_immediate_ms);
    sc.escalate_urgent_ms =
        service.get_int("escalate_urgent_ms", false, 1, 3650LL * 86400000).value_or(sc.escalate_urgent_ms);
    sc.inbox_dir = service.get_path("inbox_dir", false).value_or("");
    sc.on_message = service.get_path("on_message", false).value_or("");
    sc.on_message_body = service.get_bool("on_message_body", false).value_or(false);
    sc.reconnect_min_ms = service.get_int("reconnect_min_ms", false, 10, 600000).value_or(sc.reconnect_min_ms);
    sc.reconnect_max_ms = service.get_int("reconnect_max_ms", false, 10, 3600000).value_or(sc.reconnect_max_ms);
    if (sc.reconnect_max_ms < sc.reconnect_min_ms)
      service.error("reconnect_max_ms", "service.reconnect_max_ms must not be below service.reconnect_min_ms");
    service.reject_unknown();
  }
  TomlTable metrics = root.get_table("metrics", false);
  if (metrics.present()) {
    c.metrics_listen = metrics.get_string("listen", false).value_or("127.0.0.1:9471");
    if (!c.metrics_listen.empty() && !parse_host_port(c.metrics_listen).ok())
      metrics.error("listen", "metrics.listen must be HOST:PORT, like 127.0.0.1:9471 (empty turns the metrics off)");
    metrics.reject_unknown();
  }
  TomlTable desk = root.get_table("desk", false);
  c.desk = read_desk_config(desk);
  for (TomlTable t : root.get_tables("subscription", false)) {
    ConfiguredSubscription s;
    s.topic = t.get_string("topic", true).value_or("");
    s.durable = t.get_string("durable", true).value_or("");
    s.from = t.get_string("from", false).value_or("new");
    if (s.from != "new" && s.from != "first")
      t.error("from", "subscription.from must be \"first\" or \"new\"");
    bool name_ok = !s.durable.empty() && s.durable.size() <= 64;
    for (char ch : s.durable)
      if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-')) name_ok = false;
    if (!s.durable.empty() && !name_ok)
      t.error("durable", "subscription.durable must be lowercase letters, digits, - or _, like alerts-kozah");
    for (const auto& other : c.service.subscriptions)
      if (other.durable == s.durable && !s.durable.empty())
        t.error("durable", "subscription.durable \"" + s.durable + "\" is used twice: give each its own name");
    t.reject_unknown();
    c.service.subscriptions.push_back(std::move(s));
  }
  root.reject_unknown();
  Status s = reader->finish(Code::kConfig);
  if (!s.ok()) return s;
  return c;
}

}  // namespace relais
