// Delivery: subscriptions, per-subscriber credit, explicit acks, redelivery
// on ack timeout and on return, dead letters after max_deliver, durable
// cursors, replay. Every subscription reads from the log by cursor, so a slow
// or stuck subscriber costs a cursor, never memory: its backlog stays on disk.
// The policy is checked again on every delivery.
#include <filesystem>
#include <spdlog/spdlog.h>

#include "broker/broker_impl.h"
#include "policy/topic.h"
#include "util/clock.h"
#include "util/files.h"

namespace relais {
namespace {

constexpr uint64_t kScanPerPump = 2048;    // bounded work per subscription per turn
constexpr int64_t kCursorPersistMs = 200;

bool valid_durable_name(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

}  // namespace

std::string BrokerImpl::cursor_path(const std::string& owner, const std::string& durable) const {
  return config_.data_dir + "/subscriptions/" + owner + "/" + durable + ".cursor";
}

uint64_t BrokerImpl::load_cursor(const std::string& owner, const std::string& durable) {
  auto text = read_text_file(cursor_path(owner, durable), 4096);
  if (!text.ok()) return 0;
  try {
    return std::stoull(*text);
  } catch (const std::exception&) {
    spdlog::warn("broker: unreadable cursor for {}/{}; resuming from the first record", owner, durable);
    return 1;
  }
}

void BrokerImpl::persist_cursor(Subscription& sub, bool force) {
  if (sub.durable.empty()) return;
  const uint64_t floor = sub.floor();
  if (floor == sub.persisted_floor) return;
  const int64_t now = monotonic_ms();
  if (!force && now < sub.persist_due_ms) return;
  const std::string dir = config_.data_dir + "/subscriptions/" + sub.owner;
  std::string text = std::to_string(floor) + "\n" + sub.pattern + "\n";
  Status s = make_dirs(dir, 0700);
  if (s.ok()) s = write_file_durable(cursor_path(sub.owner, sub.durable), as_bytes(text), 0600);
  if (!s.ok()) {
    spdlog::warn("broker: cannot save the cursor of {}/{}: {}", sub.owner, sub.durable, s.message());
    return;
  }
  sub.persisted_floor = floor;
  sub.persist_due_ms = now + kCursorPersistMs;
}

void BrokerImpl::cache_message(uint64_t seq, std::shared_ptr<CachedMessage> m) {
  recent_[seq] = std::move(m);
  recent_order_.push_back(seq);
  while (recent_order_.size() > static_cast<size_t>(config_.cache_messages)) {
    recent_.erase(recent_order_.front());
    recent_order_.pop_front();
  }
}

std::shared_ptr<CachedMessage> BrokerImpl::load_message(uint64_t seq, bool* is_message) {
  if (auto it = recent_.find(seq); it != recent_.end()) {
    *is_message = it->second != nullptr;
    return it->second;
  }
  *is_message = false;
  auto rec = log_->read(seq);
  if (!rec.ok()) {
    spdlog::error("broker: cannot read record {} from the log: {}", seq, rec.status().message());
    return nullptr;
  }
  if (rec->kind != RecordKind::kMessage) return nullptr;
  auto env = decode_envelope(rec->payload);
  if (!env.ok()) {
    spdlog::error("broker: logged record {} does not decode: {}", seq, env.status().message());
    return nullptr;
  }
  // Its own route: the readers are the envelope's `to`, which a bundle
  // changed since it was logged does not change.
  auto route = std::make_shared<TopicRoute>();
  route->topic = env->header.topic;
  route->readers.reserve(env->header.to.size());
  for (const auto& r : env->header.to) route->readers.push_back(r.name);
  auto m = std::make_shared<CachedMessage>();
  m->seq = seq;
  m->route = std::move(route);
  m->envelope = std::move(rec->payload);
  *is_message = true;
  return m;
}

void BrokerImpl::on_sub(Session& s, ByteView args) {
  SubArgs a;
  if (Status st = decode_args(args, &a); !st.ok()) return refuse(&s, s.rid, 0, ErrorCode::kMalformed, st.message());
  if (Status st = validate_pattern(a.pattern); !st.ok())
    return refuse(&s, s.rid, a.req_id, ErrorCode::kMalformed, st.message());
  if (!a.durable.empty() && !valid_durable_name(a.durable))
    return refuse(&s, s.rid, a.req_id, ErrorCode::kMalformed,
                  "durable subscription names are 1-64 characters of [a-z0-9_-]");
  if (s.subs.count(a.sub_id))
    return refuse(&s, s.rid, a.req_id, ErrorCode::kMalformed, "subscription id already in use in this session");
  if (s.subs.size() >= static_cast<size_t>(config_.max_subscriptions))
    return refuse(&s, s.rid, a.req_id, ErrorCode::kLimit,
                  "too many subscriptions (limit " + std::to_string(config_.max_subscriptions) + ")");
  if (!bundle_.policy.may_subscribe_pattern(*s.card, a.pattern))
    return refuse(&s, s.rid, a.req_id, ErrorCode::kForbidden,
                  s.name + " may not subscribe to " + a.pattern + ": it matches no topic the policy lets it read",
                  a.pattern);
  auto start = parse_start_position_wire(a.from);
  if (!start.ok()) return refuse(&s, s.rid, a.req_id, ErrorCode::kMalformed, start.status().message());
  const int64_t now = now_ms();
  const uint64_t horizon = durable_horizon_;
  std::shared_ptr<Subscription> sub;
  const std::string durable_key = s.name + "/" + a.durable;
  if (!a.durable.empty()) {
    if (auto it = durable_.find(durable_key); it != durable_.end()) {
      sub = it->second;
      if (sub->attached) {  // the same durable taken over by a new session
        if (auto old = sessions_.find(sub->rid); old != sessions_.end()) old->second.subs.erase(sub->sub_id);
      }
      for (auto& [seq, f] : sub->in_flight) f.deadline_ms = now;  // redeliver on return
      sub->next_deadline_ms = now;
    }
  }
  if (!sub) {
    sub = std::make_shared<Subscription>();
    sub->owner = s.name;
    sub->durable = a.durable;
    uint64_t cursor = a.durable.empty() ? 0 : load_cursor(s.name, a.durable);
    if (cursor > 0) {
      sub->next_seq = cursor;
      sub->persisted_floor = cursor;
    } else {
      switch (start->kind) {
        case StartPosition::Kind::kNew: sub->next_seq = horizon + 1; break;
        case StartPosition::Kind::kFirst: sub->next_seq = 1; break;
        case StartPosition::Kind::kSeq: sub->next_seq = static_cast<uint64_t>(start->value); break;
        case StartPosition::Kind::kTime: {
          auto f = log_->first_seq_at_or_after_time(start->value);
          sub->next_seq = f.ok() ? *f : horizon + 1;
          break;
        }
      }
    }
    if (!a.durable.empty()) durable_[durable_key] = sub;
  }
  sub->pattern = a.pattern;
  sub->sub_id = a.sub_id;
  sub->rid = s.rid;
  sub->attached = true;
  s.subs[a.sub_id] = sub;
  event_.begin("subscribe", 3).str("who", s.name).str("pattern", a.pattern).str("durable", a.durable);
  log_event(event_.bytes());
  SubOkArgs ok{a.req_id, a.sub_id};
  encode_args(ok, &args_buf_);
  send(s.rid, Command::kSubOk, args_buf_);
}

void BrokerImpl::on_unsub(Session& s, ByteView args) {
  UnsubArgs a;
  if (Status st = decode_args(args, &a); !st.ok()) return refuse(&s, s.rid, 0, ErrorCode::kMalformed, st.message());
  auto it = s.subs.find(a.sub_id);
  if (it == s.subs.end()) return;
  if (!it->second->durable.empty()) {
    persist_cursor(*it->second, true);
    it->second->attached = false;
  }
  s.subs.erase(it);
}

void BrokerImpl::on_ack(Session& s, ByteView args, bool nack) {
  if (nack) {
    NackArgs a;
    if (Status st = decode_args(args, &a); !st.ok()) return refuse(&s, s.rid, 0, ErrorCode::kMalformed, st.message());
    auto it = s.subs.find(a.sub_id);
    if (it == s.subs.end()) return send_error(s.rid, 0, ErrorCode::kUnknownSubscription, "unknown subscription");
    if (it->second->in_flight.erase(a.seq) == 0) return;  // late or duplicate: harmless
    // A NACK is the reader's evidence that a message failed its checks; it
    // is recorded and not redelivered (the same bytes would fail again).
    event_.begin("nack", 3).str("who", s.name).u64("seq", a.seq).str("why", a.reason);
    log_event(event_.bytes());
    spdlog::warn("{} rejected record {}: {}", s.name, a.seq, a.reason);
    return;
  }
  AckArgs& a = ack_args_;  // reused: it holds a whole batch
  if (Status st = decode_args(args, &a); !st.ok()) return refuse(&s, s.rid, 0, ErrorCode::kMalformed, st.message());
  auto it = s.subs.find(a.sub_id);
  if (it == s.subs.end()) return send_error(s.rid, 0, ErrorCode::kUnknownSubscription, "unknown subscription");
  Subscription& sub = *it->second;
  for (uint32_t i = 0; i <= a.more_count; ++i) {
    const uint64_t seq = i == 0 ? a.seq : a.more[i - 1];
    if (sub.in_flight.erase(seq) != 0) acked_.emplace_back(s.name, seq);  // else late or duplicate: harmless
  }
}

void BrokerImpl::pump(Subscription& sub, Session& s, int64_t now) {
  const size_t max_in_flight = static_cast<size_t>(config_.max_in_flight);
  // Redelivery and dead letters.
  if (now >= sub.next_deadline_ms) {
    int64_t next = INT64_MAX;
    for (auto it = sub.in_flight.begin(); it != sub.in_flight.end();) {
      InFlight& f = it->second;
      if (f.deadline_ms > now) {
        next = std::min(next, f.deadline_ms);
        ++it;
        continue;
      }
      if (f.deliveries >= static_cast<uint32_t>(config_.max_deliver)) {
        event_.begin("dead_letter", 3).str("who", s.name).u64("seq", it->first).u64("deliveries", f.deliveries);
        log_event(event_.bytes());
        spdlog::warn("record {} dead-lettered for {} after {} deliveries", it->first, s.name, f.deliveries);
        it = sub.in_flight.erase(it);
        continue;
      }
      bool is_message = false;
      auto m = load_message(it->first, &is_message);
      if (!m) { it = sub.in_flight.erase(it); continue; }
      ++f.deliveries;
      f.deadline_ms = now + config_.ack_timeout_ms;
      next = std::min(next, f.deadline_ms);
      MsgArgs ma{sub.sub_id, it->first, f.deliveries};
      encode_args(ma, &args_buf_);
      send(s.rid, Command::kMsg, args_buf_, m->envelope);
      delivered_.push_back({s.name, sub.sub_id, it->first, f.deliveries});
      ++it;
    }
    sub.next_deadline_ms = next;
  }
  // New deliveries, up to the credit, reading forward from the cursor.
  uint64_t scanned = 0;
  while (sub.in_flight.size() < max_in_flight && sub.next_seq <= durable_horizon_ && scanned < kScanPerPump) {
    const uint64_t seq = sub.next_seq++;
    ++scanned;
    bool is_message = false;
    auto m = load_message(seq, &is_message);
    if (!is_message || !m) continue;
    const TopicRoute& route = *m->route;
    if (!pattern_matches(sub.pattern, route.topic)) continue;
    // Checked again at delivery: the reader must be among the envelope's
    // readers and still allowed by the policy.
    if (!std::binary_search(route.readers.begin(), route.readers.end(), s.name)) continue;
    PolicyMemo& memo = sub.may_read;
    if (memo.route != m->route) {
      if (!memo.route || memo.route->topic != route.topic)
        memo.allowed = bundle_.policy.may_subscribe(*s.card, route.topic);
      memo.route = m->route;
    }
    if (!memo.allowed) continue;
    InFlight f{now + config_.ack_timeout_ms, 1};
    sub.in_flight.emplace(seq, f);
    sub.next_deadline_ms = std::min(sub.next_deadline_ms, f.deadline_ms);
    MsgArgs ma{sub.sub_id, seq, 1};
    encode_args(ma, &args_buf_);
    send(s.rid, Command::kMsg, args_buf_, m->envelope);
    delivered_.push_back({s.name, sub.sub_id, seq, 1});
  }
  persist_cursor(sub, false);
}

void BrokerImpl::pump_all(int64_t now) {
  for (auto& [rid, s] : sessions_)
    for (auto& [id, sub] : s.subs) pump(*sub, s, now);
}

}  // namespace relais
