// A throwaway Relais deployment for integration tests: relais-admin init in a
// temp folder on a free 127.0.0.1 port, the real relais-broker process, and
// helpers to run relais-agent as each participant. Everything it starts is
// stopped when it goes out of scope.
#pragma once

#include <string>
#include <vector>

#include "agent/agent.h"
#include "agent/broker_client.h"
#include "process.h"

namespace relais::test {

class Deployment {
 public:
  Deployment();  // runs init (REQUIREs success)
  ~Deployment();

  const std::string& dir() const { return dir_; }
  int port() const { return port_; }
  std::string agent_config(const std::string& name) const { return dir() + "/agents/" + name + ".toml"; }

  // Sets section.key = value (a TOML literal) in broker.toml.
  void set_broker_option(const std::string& section, const std::string& key, const std::string& value);
  // Starts the broker and waits for its "ready on" line (REQUIREs it).
  void start_broker(const std::map<std::string, std::string>& env = {});
  int stop_broker();
  ChildProcess& broker() { return broker_; }
  std::string broker_log() const { return broker_.log(); }

  ProcResult agent(const std::string& name, const std::vector<std::string>& args, int timeout_ms = 30000,
                   const std::string& stdin_data = "");
  // Starts a long-running `relais-agent subscribe` with stdout and stderr
  // both in out_path, and waits (REQUIREs, within 15 s) until it has printed
  // that the broker accepted its subscription: a message published from then
  // on reaches it.
  void start_subscriber(ChildProcess& p, const std::string& name, const std::vector<std::string>& args,
                        const std::string& out_path);
  ProcResult admin(const std::vector<std::string>& args);
  // Sets section.key = value (a TOML literal) in agents/NAME.toml.
  void set_agent_option(const std::string& name, const std::string& section, const std::string& key,
                        const std::string& value);
  // Starts `relais-agent run` for NAME, its stderr in log_path, and waits
  // (REQUIREs, within 15 s) until its store is open ("service started").
  void start_service(ChildProcess& p, const std::string& name, const std::string& log_path,
                     const std::map<std::string, std::string>& env = {});

 private:
  TempDir tmp_;
  std::string dir_;
  int port_ = 0;
  ChildProcess broker_;
};

std::string source_path(const std::string& relative);  // RELAIS_SOURCE_DIR/relative
// Sets section.key = value (a TOML literal) in the TOML file at path.
void set_toml_option(const std::string& path, const std::string& section, const std::string& key,
                     const std::string& value);
// The agent library's context for a participant of d (REQUIREs it loads).
std::unique_ptr<AgentContext> context_for(Deployment& d, const std::string& name);
// A BrokerClient for ctx's participant, connected (REQUIREs it).
std::unique_ptr<BrokerClient> client_for(const AgentContext& ctx, int64_t timeout_ms = 10000);
// The same, with subscription 1 on `pattern` accepted (REQUIREs it).
std::unique_ptr<BrokerClient> subscribed_client(const AgentContext& ctx, const std::string& pattern);
// The topic of the demo's Golfe alert.
inline constexpr const char* kAlertTopic = "alert.suspected_trafficking.maritime.golfe";
// The demo's Golfe alert; with a tag, its description becomes "tag <tag>" (+ padding x's).
std::string alert_with(const std::string& tag = "", size_t padding = 0);
// That alert sealed by ctx's participant on kAlertTopic through the agent
// library (every sender-side check), ready to publish (REQUIREs success).
Bytes sealed_alert(const AgentContext& ctx, const std::string& tag = "", size_t padding = 0);
std::vector<std::string> lines_of(const std::string& text);
// The JSON lines (those starting with '{') of a subscriber's output, parsed.
std::vector<nlohmann::json> json_lines(const std::string& text);
// Faster reconnects than the defaults for a participant's service, for tests.
void quick_service(Deployment& d, const std::string& name);
// The JSON a command printed (REQUIREs exit 0).
nlohmann::json json_of(const ProcResult& r);
// The files under dir whose bytes contain needle.
std::vector<std::string> files_containing(const std::string& dir, const std::string& needle);

}  // namespace relais::test
