// relais-bench idle: broker memory with many connected, idle agents.
// --prepare generates N extra agents (ngo.benchNNNN, keys in DIR/bench-keys)
// and re-signs DIR/trust.bundle (serial 2) with the deployment's authority
// key so the broker's ZAP handler admits them. Without --prepare, opens one
// CURVE DEALER per agent, does HELLO on each, holds them idle (with PINGs),
// and reports the broker's RSS before and after.
#include <sodium.h>

#include <filesystem>
#include <thread>

#include "bench_util.h"
#include "commands.h"
#include "policy/bundle.h"
#include "session.h"
#include "util/clock.h"
#include "util/files.h"

namespace relais::bench {
namespace {

std::string agent_name(size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "ngo.bench%04zu", i);
  return buf;
}

int prepare(const IdleOptions& o) {
  auto authority = load_identity(o.dir + "/keys/authority.key");
  if (!authority.ok()) {
    std::cerr << authority.status().message() << "\n";
    return 1;
  }
  auto old = load_bundle(o.dir + "/trust.bundle", authority->card.sign_pk);
  if (!old.ok()) {
    std::cerr << old.status().message() << "\n";
    return 1;
  }
  const std::string keys = o.dir + "/bench-keys";
  if (Status s = make_dirs(keys, 0700); !s.ok()) return 1;
  std::vector<PublicCard> cards = old->participants;
  for (size_t i = 0; i < o.agents; ++i) {
    auto id = generate_identity(agent_name(i), Role::kNgo, "maritime", "golfe");
    if (!id.ok()) return 1;
    if (Status s = write_identity(*id, keys); !s.ok()) {
      std::cerr << s.message() << "\n";
      return 1;
    }
    cards.push_back(id->card);
  }
  auto policy = read_text_file(o.dir + "/policy.toml");
  if (!policy.ok()) return 1;
  auto bundle = build_bundle(*authority, cards, *policy, old->serial + 1, now_ms(), {});
  if (!bundle.ok()) {
    std::cerr << bundle.status().message() << "\n";
    return 1;
  }
  std::filesystem::remove(o.dir + "/trust.bundle");
  if (Status s = write_file_durable(o.dir + "/trust.bundle", *bundle, 0644, true); !s.ok()) return 1;
  emit("idle.prepared_agents", std::to_string(o.agents));
  emit("idle.bundle_bytes", std::to_string(bundle->size()));
  return 0;
}

}  // namespace

int run_idle(const IdleOptions& o) {
  if (sodium_init() < 0) return 1;
  if (o.prepare) return prepare(o);
  auto authority = load_identity(o.dir + "/keys/authority.key");
  if (!authority.ok()) return 1;
  auto bundle = load_bundle(o.dir + "/trust.bundle", authority->card.sign_pk);
  if (!bundle.ok()) return 1;
  std::vector<Identity> ids;
  ids.reserve(o.agents);
  for (size_t i = 0; i < o.agents; ++i) {
    auto id = load_identity(o.dir + "/bench-keys/" + agent_name(i) + ".key");
    if (!id.ok()) {
      std::cerr << id.status().message() << "\n";
      return 1;
    }
    ids.push_back(std::move(id).value());
  }
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(0);
  auto cfg_text = read_text_file(o.dir + "/agents/commission.toml");
  if (!cfg_text.ok()) return 1;
  const size_t p = cfg_text->find("broker = \"");
  if (p == std::string::npos) return 1;
  const std::string broker_ep = cfg_text->substr(p + 10, cfg_text->find('"', p + 10) - p - 10);
  const auto rss0 = process_status_kib(o.broker_pid, "VmRSS");
  zmq::context_t ctx(1);
  ctx.set(zmq::ctxopt::max_sockets, static_cast<int>(o.agents + 64));
  std::vector<std::unique_ptr<Session>> sessions;
  const int64_t t0 = mono_ns();
  for (const auto& id : ids)
    sessions.push_back(std::make_unique<Session>(ctx, broker_ep, id, bundle->broker()->link_pk));
  size_t welcomed = 0;
  for (auto& s : sessions)
    if (s->hello(bundle->serial, 10000).ok()) ++welcomed;
  const double connect_s = static_cast<double>(mono_ns() - t0) / 1e9;
  const int64_t until = mono_ns() + static_cast<int64_t>(o.hold_seconds * 1e9);
  Frames f;
  while (mono_ns() < until) {
    for (auto& s : sessions) {
      s->keepalive();
      while (s->recv(&f, 0)) {}
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto rss1 = process_status_kib(o.broker_pid, "VmRSS");
  const auto hwm = process_status_kib(o.broker_pid, "VmHWM");
  emit("idle.agents", std::to_string(o.agents));
  emit("idle.welcomed", std::to_string(welcomed));
  emit("idle.connect_seconds", connect_s, 2);
  if (rss0) emit("idle.broker_rss_before_kib", std::to_string(*rss0));
  if (rss1) emit("idle.broker_rss_kib", std::to_string(*rss1));
  if (hwm) emit("idle.broker_vmhwm_kib", std::to_string(*hwm));
  (void)endpoint;
  return welcomed == o.agents ? 0 : 1;
}

}  // namespace relais::bench
