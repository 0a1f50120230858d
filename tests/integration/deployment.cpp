#include "deployment.h"

#include <filesystem>

#include <catch2/catch.hpp>
#include <sstream>

#include "util/clock.h"

namespace relais::test {

Deployment::Deployment() {
  port_ = free_port();
  dir_ = tmp_.path() + "/d";
  ProcResult r = run_process({bin("relais-admin"), "init", "--dir", dir_, "--port", std::to_string(port_)});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

Deployment::~Deployment() { broker_.stop(5000); }

void Deployment::start_broker(const std::map<std::string, std::string>& env) {
  REQUIRE(broker_.start({bin("relais-broker"), "--config", dir() + "/broker.toml"}, dir() + "/broker.log", env));
  bool ready = broker_.wait_for_log("ready on", 15000);
  INFO(broker_.log());
  REQUIRE(ready);
}

void Deployment::set_broker_option(const std::string& section, const std::string& key, const std::string& value) {
  set_toml_option(dir() + "/broker.toml", section, key, value);
}

void Deployment::set_agent_option(const std::string& name, const std::string& section, const std::string& key,
                                  const std::string& value) {
  set_toml_option(agent_config(name), section, key, value);
}

void Deployment::start_service(ChildProcess& p, const std::string& name, const std::string& log_path,
                               const std::map<std::string, std::string>& env) {
  REQUIRE(p.start({bin("relais-agent"), "--config", agent_config(name), "run"}, log_path, env));
  const bool started = p.wait_for_log("relais-agent: service started", 15000);
  INFO(p.log());
  REQUIRE(started);
}

void set_toml_option(const std::string& path, const std::string& section, const std::string& key,
                     const std::string& value) {
  std::vector<std::string> lines = lines_of(read_all(path));
  std::string out, current;
  bool done = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (!l.empty() && l[0] == '[') {
      if (current == section && !done) { out += key + " = " + value + "\n"; done = true; }
      current = l.substr(1, l.find(']') - 1);
    } else if (current == section && l.rfind(key + " =", 0) == 0) {
      out += key + " = " + value + "\n";
      done = true;
      continue;
    }
    out += l + "\n";
  }
  if (!done) out += (current == section ? "" : "[" + section + "]\n") + key + " = " + value + "\n";
  write_all(path, out);
}

int Deployment::stop_broker() { return broker_.stop(15000); }

ProcResult Deployment::agent(const std::string& name, const std::vector<std::string>& args, int timeout_ms,
                             const std::string& stdin_data) {
  std::vector<std::string> argv = {bin("relais-agent"), "--config", agent_config(name)};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, timeout_ms, stdin_data);
}

void Deployment::start_subscriber(ChildProcess& p, const std::string& name, const std::vector<std::string>& args,
                                  const std::string& out_path) {
  // stdout and stderr both go to out_path; JSON lines start with '{'.
  std::vector<std::string> argv = {bin("relais-agent"), "--config", agent_config(name), "subscribe"};
  argv.insert(argv.end(), args.begin(), args.end());
  REQUIRE(p.start(argv, out_path));
  const bool subscribed = p.wait_for_log("relais-agent: subscribed to ", 15000);
  INFO(p.log());
  REQUIRE(subscribed);
}

ProcResult Deployment::admin(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {bin("relais-admin")};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, 30000);
}

std::string source_path(const std::string& relative) { return std::string(RELAIS_SOURCE_DIR) + "/" + relative; }

std::unique_ptr<AgentContext> context_for(Deployment& d, const std::string& name) {
  auto ctx = load_agent_context(d.agent_config(name));
  INFO(ctx.status().message());
  REQUIRE(ctx.ok());
  return std::move(ctx).value();
}

std::unique_ptr<BrokerClient> client_for(const AgentContext& ctx, int64_t timeout_ms) {
  auto c = std::make_unique<BrokerClient>(ctx.config.broker, ctx.identity, ctx.bundle.broker()->link_pk,
                                          ctx.bundle.serial, 500);
  Status s = c->connect(monotonic_ms() + timeout_ms);
  INFO(s.message());
  REQUIRE(s.ok());
  return c;
}

std::unique_ptr<BrokerClient> subscribed_client(const AgentContext& ctx, const std::string& pattern) {
  auto c = client_for(ctx);
  SubArgs a;
  a.sub_id = 1;
  a.pattern = pattern;
  Status s = c->subscribe(a, monotonic_ms() + 5000);
  INFO(s.message());
  REQUIRE(s.ok());
  return c;
}

std::string alert_with(const std::string& tag, size_t padding) {
  const std::string text = read_all(source_path("demo/documents/alert-golfe.json"));
  if (tag.empty()) return text;
  nlohmann::json doc = nlohmann::json::parse(text);
  doc["description"] = "tag " + tag + (padding ? " " + std::string(padding, 'x') : std::string());
  return doc.dump();
}

Bytes sealed_alert(const AgentContext& ctx, const std::string& tag, size_t padding) {
  PublishRequest req;
  req.topic = kAlertTopic;
  req.type = "alert";
  req.json_text = alert_with(tag, padding);
  auto env = prepare_envelope(ctx, req);
  INFO(env.status().message());
  REQUIRE(env.ok());
  return std::move(env).value();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(line);
  return out;
}

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  for (const auto& l : lines_of(text))
    if (l[0] == '{') out.push_back(nlohmann::json::parse(l));
  return out;
}

void quick_service(Deployment& d, const std::string& name) {
  d.set_agent_option(name, "service", "reconnect_min_ms", "100");
  d.set_agent_option(name, "service", "reconnect_max_ms", "500");
}

nlohmann::json json_of(const ProcResult& r) {
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

std::vector<std::string> files_containing(const std::string& dir, const std::string& needle) {
  std::vector<std::string> hits;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    if (read_all(e.path().string()).find(needle) != std::string::npos) hits.push_back(e.path().string());
  }
  return hits;
}

}  // namespace relais::test
