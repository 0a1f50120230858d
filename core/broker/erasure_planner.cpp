#include "broker/erasure_planner.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include "broker/event.h"
#include "crypto/envelope.h"
#include "crypto/uuid.h"
#include "util/files.h"

namespace relais {
namespace {

// Appends seq to the open batch of ground `g` (starting a new one when full).
struct BatchSet {
  std::vector<ErasureBatch>* out;
  std::map<std::pair<int, uint64_t>, size_t> open;  // (kind, order or period) -> index in out
  void add(const ErasureGround& g, uint64_t key, uint64_t seq, int64_t due) {
    const auto k = std::make_pair(static_cast<int>(g.kind), key);
    auto it = open.find(k);
    if (it == open.end() || (*out)[it->second].seqs.size() >= ErasureBatch::kMaxSeqsPerEvent) {
      out->push_back(ErasureBatch{g, {}, 0});
      it = open.insert_or_assign(k, out->size() - 1).first;
    }
    ErasureBatch& b = (*out)[it->second];
    b.seqs.push_back(seq);
    b.due_ms = std::max(b.due_ms, due);
  }
};

// The header of the message at seq, or nullopt (an event, an erased record,
// a record that does not read: the last is logged).
std::optional<std::pair<int64_t, EnvelopeHeader>> message_at(const Log& log, uint64_t seq) {
  auto rec = log.read(seq);
  if (!rec.ok()) {
    spdlog::error("shredder: cannot read record {}: {} (it is skipped; run relais-audit verify)", seq,
                  rec.status().message());
    return std::nullopt;
  }
  if (rec->kind != RecordKind::kMessage) return std::nullopt;
  auto v = decode_envelope_view(rec->payload);
  if (!v.ok()) return std::nullopt;
  return std::make_pair(rec->ts_ms, std::move(v->header));
}

}  // namespace

ErasurePlan plan_erasures(const Log& log, const Policy& policy, const ShredCursors& from, int64_t now_ms,
                          uint64_t horizon, uint64_t max_records) {
  ErasurePlan plan;
  BatchSet batches{&plan.batches, {}};
  auto budget_left = [&] { return plan.examined < max_records; };

  // Retention, one period at a time.
  std::set<int64_t> periods;
  for (const auto& [type, ms] : policy.retention_ms()) periods.insert(ms);
  for (int64_t period : periods) {
    uint64_t seq = 1;
    if (auto it = from.retention.find(period); it != from.retention.end()) seq = it->second;
    uint64_t bound = horizon + 1;  // first seq not yet old enough
    if (auto first = log.first_seq_at_or_after_time(now_ms - period + 1); first.ok()) bound = std::min(bound, *first);
    for (; seq < bound && budget_left(); ++seq) {
      ++plan.examined;
      auto m = message_at(log, seq);
      if (!m) continue;
      const auto p = policy.retention_for(m->second.type);
      if (!p || *p != period || m->first > now_ms - period) continue;
      batches.add(ErasureGround{ErasureGround::Kind::kRetention, 0}, static_cast<uint64_t>(period), seq,
                  m->first + period);
    }
    if (seq < bound) plan.more = true;
    plan.next.retention[period] = seq;
  }

  // Erasure orders: one pass from the lowest cursor, each record checked
  // against the orders whose cursor it has reached.
  const auto& orders = policy.erasure_orders();
  if (!orders.empty()) {
    std::map<uint64_t, uint64_t> cursor;
    uint64_t low = horizon + 1;
    for (const ErasureOrder& o : orders) {
      uint64_t c = 1;
      if (auto it = from.orders.find(o.number); it != from.orders.end()) c = it->second;
      cursor[o.number] = c;
      low = std::min(low, c);
    }
    uint64_t seq = low;
    for (; seq <= horizon && budget_left(); ++seq) {
      ++plan.examined;
      auto m = message_at(log, seq);
      if (!m) continue;
      const std::string id = uuid_to_string(m->second.id);
      for (const ErasureOrder& o : orders) {
        if (cursor[o.number] > seq) continue;
        const ErasureGround g{ErasureGround::Kind::kOrder, o.number};
        const ErasureSubject subject{m->second.type, &m->second.case_ref, id, m->first};
        if (erasure_ground_holds(policy, g, subject, now_ms).ok()) batches.add(g, o.number, seq, 0);
      }
    }
    if (seq <= horizon) plan.more = true;
    for (const auto& [number, c] : cursor) plan.next.orders[number] = std::max(c, seq);
  }
  return plan;
}

uint32_t erasure_event_fields(const ErasureBatch& b) { return b.ground.kind == ErasureGround::Kind::kOrder ? 4 : 3; }

void pack_erasure_event(EventBuilder& ev, const ErasureBatch& b, uint64_t bundle_serial) {
  const bool order = b.ground.kind == ErasureGround::Kind::kOrder;
  ev.str("ground", order ? "order" : "retention").u64("serial", bundle_serial);
  if (order) ev.u64("order", b.ground.order);
  ev.array("seqs", static_cast<uint32_t>(b.seqs.size()));
  for (uint64_t s : b.seqs) ev.raw().pack(s);
}

Bytes erasure_event_body(const ErasureBatch& b, uint64_t bundle_serial) {
  EventBuilder ev;
  ev.begin("erasure", erasure_event_fields(b));
  pack_erasure_event(ev, b, bundle_serial);
  return ev.bytes();
}

std::string shred_state_path(const std::string& data_dir) { return data_dir + "/shredder.state"; }
std::string shred_pause_path(const std::string& data_dir) { return data_dir + "/shredding.paused"; }

bool shredding_paused(const std::string& data_dir) {
  struct stat st {};
  return ::stat(shred_pause_path(data_dir).c_str(), &st) == 0;
}

Result<ShredCursors> load_shred_state(const std::string& data_dir) {
  const std::string path = shred_state_path(data_dir);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return ShredCursors{};
  auto text = read_text_file(path, 1u << 20);
  if (!text.ok()) return Status::Corruption("shredder: cannot read " + path + ": " + text.status().message());
  ShredCursors c;
  try {
    const auto j = nlohmann::json::parse(*text);
    for (const auto& [k, v] : j.at("retention_ms").items()) c.retention[std::stoll(k)] = v.get<uint64_t>();
    for (const auto& [k, v] : j.at("orders").items()) c.orders[std::stoull(k)] = v.get<uint64_t>();
  } catch (const std::exception&) {
    return Status::Corruption("shredder: " + path + " is malformed");
  }
  return c;
}

Status save_shred_state(const std::string& data_dir, const ShredCursors& c) {
  nlohmann::json j;
  j["format"] = "relais-shredder/1";
  j["retention_ms"] = nlohmann::json::object();
  j["orders"] = nlohmann::json::object();
  for (const auto& [p, s] : c.retention) j["retention_ms"][std::to_string(p)] = s;
  for (const auto& [n, s] : c.orders) j["orders"][std::to_string(n)] = s;
  const std::string text = j.dump(1) + "\n";
  return write_file_durable(shred_state_path(data_dir), as_bytes(text), 0600);
}

}  // namespace relais
