// relais-bench service: how fast the agent service (relais-agent run) takes
// a backlog into its store, against the broker's own single-reader delivery
// of the same backlog, in one run.
//   1. `count` referrals (demo/documents/referral-ngo-to-social.json, its
//      from_org and to_org set to match) from
//      social.golfe to each of committee.golfe and police.golfe are published
//      (presealed, a window of PUBs in flight) and acknowledged: they wait in
//      those two mailboxes.
//   2. Baseline: a bare session attaches committee.golfe's mailbox and takes
//      every message (ACKs batched as relais-agent does): the broker's
//      single-reader delivery rate.
//   3. `relais-agent --config police.golfe.toml run` starts on police.golfe's
//      mailbox; its store.db is counted (read-only SQLite) until it holds
//      `count` messages: stored msg/s from the first stored to the last
//      (start-up excluded). The service is then stopped (SIGTERM).
// Keys: service.*, with service.ratio = stored / single-reader. The service
// also queues and sends its automatic "received" response to each referral,
// as it does in production.
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "agent/agent.h"
#include "bench_util.h"
#include "commands.h"
#include "session.h"

namespace relais::bench {
namespace {


// Rows in a store's messages table (0 while the file or table is missing).
int64_t stored_rows(const std::string& db_path) {
  sqlite3* db = nullptr;
  int64_t n = 0;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 1000);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM messages", -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
      n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return n;
}

}  // namespace

int run_service(const ServiceOptions& o) {
  auto pub_ctx = load_agent_context(o.dir + "/agents/social.golfe.toml");
  if (!pub_ctx.ok()) {
    std::cerr << pub_ctx.status().message() << "\n";
    return 1;
  }
  const AgentContext& pc = **pub_ctx;
  const PublicKey broker_pk = pc.bundle.broker()->link_pk;
  const std::string endpoint = pc.config.broker;

  // 1. Publish the backlog: `count` referrals to each mailbox.
  std::ifstream doc_in(std::string(RELAIS_SOURCE_DIR) + "/demo/documents/referral-ngo-to-social.json");
  std::stringstream doc;
  doc << doc_in.rdbuf();
  std::vector<Bytes> envs;
  envs.reserve(2 * o.count);
  for (const std::string to : {"committee.golfe", "police.golfe"}) {
    // From social.golfe to `to`, as the document must say.
    nlohmann::json referral = nlohmann::json::parse(doc.str());
    referral["from_org"] = "social.golfe";
    referral["to_org"] = to;
    PublishRequest req;
    req.topic = "referral." + to;
    req.type = "referral";
    req.urgency = "urgent";
    req.case_ref = "c-7f3a9e";
    req.json_text = referral.dump();
    for (size_t i = 0; i < o.count; ++i) {
      auto sealed = prepare_envelope(**pub_ctx, req);
      if (!sealed.ok()) {
        std::cerr << sealed.status().message() << "\n";
        return 1;
      }
      envs.push_back(std::move(sealed).value());
    }
  }
  {
    zmq::context_t zctx(1);
    Session pub(zctx, endpoint, pc.identity, broker_pk);
    if (Status st = pub.hello(pc.bundle.serial, 10000); !st.ok()) {
      std::cerr << st.message() << "\n";
      return 1;
    }
    Bytes buf;
    Frames f;
    size_t next = 0, acked = 0, in_flight = 0;
    const int64_t deadline = mono_ns() + 120LL * 1000000000;
    while (acked < envs.size() && mono_ns() < deadline) {
      while (next < envs.size() && in_flight < 1000) {
        encode_args(PubArgs{next + 1}, &buf);
        pub.send(Command::kPub, buf, envs[next++]);
        ++in_flight;
      }
      while (pub.recv(&f, 5)) {
        if (f.cmd == Command::kPubAck) {
          ++acked;
          --in_flight;
        } else if (f.cmd == Command::kError) {
          ErrorArgs e;
          (void)decode_args(f.args, &e);
          std::cerr << "bench: a publish was refused: " << e.reason << "\n";
          return 1;
        }
      }
    }
    if (acked < envs.size()) {
      std::cerr << "bench: only " << acked << " of " << envs.size() << " publishes acknowledged\n";
      return 1;
    }
  }
  emit("service.count", std::to_string(o.count));

  // 2. The broker's single-reader delivery of the same backlog.
  double single_reader_rate = 0;
  {
    auto c = load_agent_context(o.dir + "/agents/committee.golfe.toml");
    if (!c.ok()) {
      std::cerr << c.status().message() << "\n";
      return 1;
    }
    zmq::context_t zctx(1);
    Session s(zctx, endpoint, (*c)->identity, broker_pk);
    Status st = s.hello((*c)->bundle.serial, 10000);
    const int64_t t0 = mono_ns();
    if (st.ok()) st = s.subscribe(1, "", 10000, "@mailbox");
    if (!st.ok()) {
      std::cerr << st.message() << "\n";
      return 1;
    }
    std::unordered_set<std::string> seen;
    Frames f;
    Bytes buf;
    MsgArgs m;
    AckBatch acks;
    auto flush = [&] {
      if (acks.empty()) return;
      encode_args(acks.args(), &buf);
      s.send(Command::kAck, buf);
      acks.clear();
    };
    const int64_t deadline = mono_ns() + 120LL * 1000000000;
    while (seen.size() < o.count && mono_ns() < deadline) {
      if (!s.recv(&f, acks.empty() ? 100 : 0)) {
        flush();
        continue;
      }
      if (f.cmd != Command::kMsg || !f.has_extra || !decode_args(f.args, &m).ok()) continue;
      if (!acks.add(m.sub_id, m.seq)) {
        flush();
        acks.add(m.sub_id, m.seq);
      }
      seen.insert(id_key(envelope_id(f.extra)));
    }
    flush();
    const double secs = static_cast<double>(mono_ns() - t0) / 1e9;
    emit("service.single_reader_msgs", std::to_string(seen.size()));
    single_reader_rate = static_cast<double>(seen.size()) / secs;
    emit("service.single_reader_msgs_per_s", single_reader_rate, 0);
  }

  // 3. The agent service on police.golfe's mailbox.
  auto police = load_agent_context(o.dir + "/agents/police.golfe.toml");
  if (!police.ok()) {
    std::cerr << police.status().message() << "\n";
    return 1;
  }
  const std::string db_path = (*police)->config.state_dir + "/store.db";
  const std::string log_path = o.dir + "/service-bench.log";
  const std::string config = o.dir + "/agents/police.golfe.toml";
  const pid_t pid = ::fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    FILE* out = std::freopen(log_path.c_str(), "w", stdout);
    if (out != nullptr) ::dup2(::fileno(stdout), 2);
    ::execl(o.agent.c_str(), o.agent.c_str(), "--config", config.c_str(), "run", static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  int64_t t_first = 0, t_done = 0, n = 0, n_first = 0;
  const int64_t deadline = mono_ns() + 300LL * 1000000000;
  while (mono_ns() < deadline) {
    n = stored_rows(db_path);
    const int64_t now = mono_ns();
    if (n > 0 && t_first == 0) {
      t_first = now;
      n_first = n;
    }
    if (n >= static_cast<int64_t>(o.count)) {
      t_done = now;
      break;
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      std::cerr << "bench: relais-agent run ended early; see " << log_path << "\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  emit("service.stored", std::to_string(n));
  if (t_done == 0 || t_done <= t_first) {
    std::cerr << "bench: the service stored " << n << " of " << o.count << " in time\n";
    return 1;
  }
  // From the first poll that saw rows (start-up left out) to the last.
  const double secs = static_cast<double>(t_done - t_first) / 1e9;
  const double stored_rate = static_cast<double>(static_cast<int64_t>(o.count) - n_first) / secs;
  emit("service.stored_msgs_per_s", stored_rate, 0);
  if (single_reader_rate > 0) emit("service.ratio", stored_rate / single_reader_rate, 2);
  return 0;
}

}  // namespace relais::bench
