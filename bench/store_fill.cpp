#include "store_fill.h"

#include <future>
#include <map>
#include <memory>
#include <thread>

#include "bench_util.h"
#include "crypto/envelope.h"
#include "crypto/uuid.h"
#include "service/agent_store.h"
#include "service/received_message.h"
#include "store/stats_cells.h"
#include "util/clock.h"
#include "util/json_output.h"

namespace relais::bench {
namespace {

// One thread's agents: every sender's context and the recipient's.
struct FillAgents {
  std::map<std::string, std::unique_ptr<AgentContext>> senders;
  std::unique_ptr<AgentContext> recipient;
};

Result<FillAgents> fill_load_agents(const FillPlan& plan) {
  FillAgents a;
  for (const auto& s : plan.senders) {
    auto c = load_agent_context(plan.dir + "/agents/" + s + ".toml");
    if (!c.ok()) return c.status();
    a.senders[s] = std::move(*c);
  }
  auto r = load_agent_context(plan.dir + "/agents/" + plan.recipient + ".toml");
  if (!r.ok()) return r.status();
  a.recipient = std::move(*r);
  return a;
}

struct FillChunk {
  std::vector<Store::Incoming> rows;
  std::vector<StatsCell> cells;
};

// Seals (sender) and opens (recipient) items [begin, end) of the plan, the
// way a delivery reaches the agent service.
Result<FillChunk> fill_make_chunk(const FillPlan& plan, std::vector<FillAgents>& agents, size_t begin, size_t end,
                                  int64_t newest_ms) {
  const size_t n = end - begin;
  const size_t threads = agents.size();
  std::vector<Store::Incoming> rows(n);
  std::vector<std::vector<StatsCell>> cells(threads);
  std::vector<Status> errors(threads, Status::Ok());
  auto work = [&](size_t t) {
    FillAgents& a = agents[t];
    for (size_t k = t; k < n; k += threads) {
      const size_t i = begin + k;
      FillItem item = plan.item(i);
      auto it = a.senders.find(item.sender);
      if (it == a.senders.end()) {
        errors[t] = Status::Invalid("fill: sender " + item.sender + " is not in the plan's senders");
        return;
      }
      auto env = prepare_envelope(*it->second, item.request);
      if (!env.ok()) {
        errors[t] = Status::Invalid("fill: " + item.sender + " on " + item.request.topic + ": " + env.status().message());
        return;
      }
      auto decoded = decode_envelope(*env);
      if (!decoded.ok()) {
        errors[t] = decoded.status();
        return;
      }
      auto opened = open_delivery(*a.recipient, *env, i + 1);
      if (!opened.ok()) {
        errors[t] = Status::Invalid("fill: " + plan.recipient + " cannot open it: " + opened.status().message());
        return;
      }
      OpenedDelivery d;
      d.id = uuid_to_string(decoded->header.id);
      d.ts_ms = decoded->header.ts_ms;
      d.expires_ms = decoded->header.expires_ms;
      d.message = std::move(*opened);
      const int64_t received = newest_ms - static_cast<int64_t>(plan.count - 1 - i) * plan.spacing_ms;
      StoredMessage meta = stored_message_of(d, "@mailbox", received);
      meta.status = item.status;
      if (meta.type == "statistics-report") {
        auto body = d.message.find("body");
        if (body != d.message.end()) {
          auto c = stats_cells_of(meta.id, meta.sender, nlohmann::json::parse(json_text(*body)));
          cells[t].insert(cells[t].end(), c.begin(), c.end());
        }
      }
      rows[k] = Store::Incoming{std::move(meta), json_text(d.message), {}};
    }
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  for (const Status& s : errors)
    if (!s.ok()) return s;
  FillChunk out;
  out.rows = std::move(rows);
  for (auto& c : cells) out.cells.insert(out.cells.end(), c.begin(), c.end());
  return out;
}

}  // namespace

Result<std::unique_ptr<Store>> open_participant_store(const std::string& dir, const std::string& name) {
  auto ctx = load_agent_context(dir + "/agents/" + name + ".toml");
  if (!ctx.ok()) return ctx.status();
  return open_agent_store(**ctx);
}

Result<FillResult> fill_received_store(const FillPlan& plan) {
  const int64_t t0 = mono_ns();
  auto store = open_participant_store(plan.dir, plan.recipient);
  if (!store.ok()) return store.status();
  std::vector<FillAgents> agents;
  for (int t = 0; t < std::max(1, plan.threads); ++t) {
    auto a = fill_load_agents(plan);
    if (!a.ok()) return a.status();
    agents.push_back(std::move(*a));
  }
  const int64_t newest = now_ms();
  FillResult result;
  // Sealing the next burst overlaps storing this one.
  std::future<Result<FillChunk>> next;
  auto start_chunk = [&](size_t begin) {
    const size_t end = std::min(plan.count, begin + plan.burst);
    return std::async(std::launch::async, [&plan, &agents, begin, end, newest] {
      return fill_make_chunk(plan, agents, begin, end, newest);
    });
  };
  if (plan.count > 0) next = start_chunk(0);
  for (size_t begin = 0; begin < plan.count; begin += plan.burst) {
    auto chunk = next.get();
    if (!chunk.ok()) return chunk.status();
    if (begin + plan.burst < plan.count) next = start_chunk(begin + plan.burst);
    auto batch = (*store)->begin_batch("fill the bench store");
    if (!batch.ok()) return batch.status();
    auto put = (*store)->put_messages(chunk->rows);
    if (!put.ok()) return put.status();
    for (bool stored : *put) result.stored += stored ? 1 : 0;
    if (!chunk->cells.empty()) {
      if (Status s = (*store)->put_stats_cells(chunk->cells); !s.ok()) return s;
      result.stats_cells += chunk->cells.size();
    }
    if (Status s = batch->commit(); !s.ok()) return s;
  }
  result.seconds = static_cast<double>(mono_ns() - t0) / 1e9;
  return result;
}

}  // namespace relais::bench
