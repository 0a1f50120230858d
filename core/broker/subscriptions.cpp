#include "broker/subscriptions.h"

#include <algorithm>
#include <spdlog/spdlog.h>

#include "policy/topic.h"
#include "util/log_text.h"

namespace relais {
namespace {

constexpr uint64_t kScanPerPump = 2048;  // bounded work per subscription per turn
constexpr int64_t kCursorPersistMs = 200;

bool valid_durable_name(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

}  // namespace

SubscriptionManager::SubscriptionManager(const BrokerConfig& config, const Clock& clock, const Log& log,
                                         SessionTable& sessions, MessageCache& cache, RouteCache& routes,
                                         Replies& replies, EventRecorder& events)
    : config_(config),
      clock_(clock),
      log_(log),
      sessions_(sessions),
      cache_(cache),
      routes_(routes),
      replies_(replies),
      events_(events),
      cursors_(config.data_dir) {}

void SubscriptionManager::persist_cursor(Subscription& sub, bool force) {
  if (sub.durable.empty()) return;
  const uint64_t floor = sub.floor();
  if (floor == sub.persisted_floor) return;
  const int64_t now = clock_.monotonic_ms();
  if (!force && now < sub.persist_due_ms) return;
  cursors_.put(sub.owner, sub.durable, floor, sub.pattern);
  sub.persisted_floor = floor;
  sub.persist_due_ms = now + kCursorPersistMs;
}

void SubscriptionManager::persist_all() {
  for (auto& [key, sub] : durable_) persist_cursor(*sub, true);
  cursors_.flush();
}

std::vector<DurableStatus> SubscriptionManager::durable_status(uint64_t horizon) {
  const int64_t now = clock_.monotonic_ms();
  std::vector<DurableStatus> out;
  out.reserve(durable_.size());
  for (const auto& [key, sub] : durable_) {
    DurableStatus d;
    d.owner = sub->owner;
    d.name = sub->durable;
    d.attached = sub->attached;
    const uint64_t floor = sub->floor();
    d.backlog_records = horizon >= floor ? horizon - floor + 1 : 0;
    d.in_flight = sub->in_flight.size();
    for (const auto& [seq, f] : sub->in_flight) d.oldest_unacked_ms = std::max(d.oldest_unacked_ms, now - f.first_ms);
    out.push_back(std::move(d));
  }
  // Those known only on disk: never attached since the start (a mailbox
  // waiting for an agency that has not connected yet), or removed from memory.
  for (auto& [owner, name] : cursors_.all_names()) {
    if (durable_.count(owner + '/' + name) != 0) continue;
    DurableStatus d;
    d.owner = std::move(owner);
    d.name = std::move(name);
    const uint64_t floor = std::max<uint64_t>(1, cursors_.load(d.owner, d.name));
    d.backlog_records = horizon >= floor ? horizon - floor + 1 : 0;
    out.push_back(std::move(d));
  }
  return out;
}

size_t SubscriptionManager::in_flight_bytes() const {
  size_t total = 0;
  sessions_.for_each([&](const Session& s) {
    for (const auto& [id, sub] : s.subs) total += sub->in_flight_bytes;
  });
  return total;
}

std::optional<SubscriptionManager::Refusal> SubscriptionManager::subscribe(Session& s, const TrustBundle& bundle,
                                                                           ByteView args, uint64_t horizon) {
  SubArgs a;
  if (Status st = decode_args(args, &a); !st.ok()) return Refusal{0, ErrorCode::kMalformed, st.message(), {}};
  const bool mailbox = a.durable == kMailboxDurable;
  if (mailbox) {
    if (!a.pattern.empty())
      return Refusal{a.req_id, ErrorCode::kMalformed,
                     "the mailbox (@mailbox) is attached with an empty pattern: it holds the topics the policy "
                     "addresses to " + s.name,
                     {}};
    if (!a.from.empty()) {
      const uint64_t at = cursors_.load(s.name, a.durable);
      return Refusal{a.req_id, ErrorCode::kMalformed,
                     "the mailbox of " + s.name + " takes no start position: it starts where " + s.name +
                         " was first listed in a trust bundle and resumes at its cursor" +
                         (at > 0 ? " (now at seq " + std::to_string(at) + ")" : std::string()) +
                         "; attach it without --from",
                     {}};
    }
  } else {
    if (Status st = validate_pattern(a.pattern); !st.ok())
      return Refusal{a.req_id, ErrorCode::kMalformed, st.message(), {}};
    if (!a.durable.empty() && !valid_durable_name(a.durable))
      return Refusal{a.req_id, ErrorCode::kMalformed, "durable subscription names are 1-64 characters of [a-z0-9_-]",
                     {}};
  }
  if (s.subs.count(a.sub_id))
    return Refusal{a.req_id, ErrorCode::kMalformed, "subscription id already in use in this session", {}};
  if (s.subs.size() >= static_cast<size_t>(config_.max_subscriptions))
    return Refusal{a.req_id, ErrorCode::kLimit,
                   "too many subscriptions (limit " + std::to_string(config_.max_subscriptions) + ")", {}};
  const PublicCard* card = bundle.find(s.name);
  if (card == nullptr || card->revoked || (!mailbox && !bundle.policy.may_subscribe_pattern(*card, a.pattern)))
    return Refusal{a.req_id, ErrorCode::kForbidden,
                   s.name + " may not subscribe to " + a.pattern + ": it matches no topic the policy lets it read",
                   a.pattern};
  auto start = parse_start_position_wire(a.from.empty() ? std::string_view("new") : std::string_view(a.from));
  if (!start.ok()) return Refusal{a.req_id, ErrorCode::kMalformed, start.status().message(), {}};
  const int64_t now = clock_.monotonic_ms();
  std::shared_ptr<Subscription> sub;
  const std::string durable_key = s.name + "/" + a.durable;
  if (!a.durable.empty()) {
    auto it = durable_.find(durable_key);
    // An existing name resumes at its cursor: a start given for it is refused.
    if (!a.from.empty() && (it != durable_.end() || cursors_.exists(s.name, a.durable))) {
      const uint64_t at = it != durable_.end() ? it->second->floor() : cursors_.load(s.name, a.durable);
      return Refusal{a.req_id, ErrorCode::kMalformed,
                     "durable subscription " + a.durable + " already exists, at seq " + std::to_string(at) +
                         ": subscribe without --from to resume there, or remove it first "
                         "(relais-agent unsubscribe --durable " + a.durable + ")",
                     a.pattern};
    }
    if (it != durable_.end()) {
      sub = it->second;
      Session* holder = sub->attached ? sessions_.find(sub->rid) : nullptr;
      // A holder silent for longer than the heartbeat timeout is gone (its
      // process may have been killed): the name is free.
      const bool live = holder != nullptr && now - holder->last_seen_ms <= config_.heartbeat_timeout_ms;
      if (live && holder != &s && (a.flags & kSubTakeOver) == 0)
        return Refusal{a.req_id, ErrorCode::kDurableInUse,
                       (mailbox ? "the mailbox of " + s.name + " is in use: another process holds this mailbox"
                                : "durable subscription " + a.durable + " is in use by another session of " + s.name) +
                           "; take it over (take_over flag) or wait for that session to end",
                       a.pattern};
      if (holder != nullptr) holder->subs.erase(sub->sub_id);  // taken over, or resumed under a new id: it leaves where it was
      for (auto& [seq, f] : sub->in_flight) f.deadline_ms = now;  // redeliver on return
      sub->next_deadline_ms = now;
    }
  }
  if (!sub && !mailbox && !a.durable.empty() && !cursors_.exists(s.name, a.durable) &&
      cursors_.count(s.name) >= static_cast<size_t>(config_.max_durable_per_participant))
    return Refusal{a.req_id, ErrorCode::kLimit,
                   s.name + " already keeps " + std::to_string(cursors_.count(s.name)) +
                       " durable subscriptions (the limit); remove one with: relais-agent unsubscribe --durable NAME",
                   a.pattern};
  if (!sub) {
    sub = std::make_shared<Subscription>();
    sub->owner = s.name;
    sub->durable = a.durable;
    sub->mailbox = mailbox;
    const uint64_t cursor = a.durable.empty() ? 0 : cursors_.load(s.name, a.durable);
    if (cursor > 0) {
      sub->next_seq = cursor;
      sub->persisted_floor = cursor;
    } else if (mailbox) {
      // Not opened yet: the bundle_loaded that lists the owner is not durable
      // yet (its seq is above the horizon), or no mailbox exists at all.
      sub->next_seq = cursors_.any_named(std::string(kMailboxDurable)) ? horizon + 1 : 1;
    } else {
      switch (start->kind) {
        case StartPosition::Kind::kNew: sub->next_seq = horizon + 1; break;
        case StartPosition::Kind::kFirst: sub->next_seq = 1; break;
        case StartPosition::Kind::kSeq: sub->next_seq = static_cast<uint64_t>(start->value); break;
        case StartPosition::Kind::kTime: {
          auto f = log_.first_seq_at_or_after_time(start->value);
          sub->next_seq = f.ok() ? *f : horizon + 1;
          break;
        }
      }
    }
    if (!a.durable.empty()) {
      durable_[durable_key] = sub;
      if (cursor == 0) {  // a new name: on record at once, so that it counts against the cap
        cursors_.put(s.name, a.durable, sub->next_seq, a.pattern);
        sub->persisted_floor = sub->next_seq;
        ++names_generation_;
      }
    }
  }
  sub->pattern = a.pattern;
  sub->sub_id = a.sub_id;
  sub->rid = s.rid;
  sub->attached = true;
  s.subs[a.sub_id] = sub;
  events_.begin("subscribe", 3).str("who", s.name).str("pattern", a.pattern).str("durable", a.durable);
  events_.commit();
  replies_.send(s.rid, Command::kSubOk, SubOkArgs{a.req_id, a.sub_id});
  return std::nullopt;
}

std::optional<SubscriptionManager::Refusal> SubscriptionManager::unsubscribe(Session& s, ByteView args) {
  UnsubArgs a;
  if (Status st = decode_args(args, &a); !st.ok()) return Refusal{0, ErrorCode::kMalformed, st.message(), {}};
  if (a.sub_id == 0 && a.durable == kMailboxDurable)
    return Refusal{a.req_id, ErrorCode::kForbidden,
                   "the mailbox of " + s.name + " cannot be removed: the messages addressed to " + s.name +
                       " wait in it. To stop reading it, end the subscription or the session",
                   {}};
  if (a.sub_id == 0 && !a.durable.empty()) return remove_durable(s, a);
  auto it = s.subs.find(a.sub_id);
  if (it == s.subs.end()) return std::nullopt;
  Subscription& sub = *it->second;
  if (!sub.durable.empty()) persist_cursor(sub, true);
  sub.attached = false;
  sub.rid.clear();
  s.subs.erase(it);
  return std::nullopt;
}

std::optional<SubscriptionManager::Refusal> SubscriptionManager::remove_durable(Session& s, const UnsubArgs& a) {
  const std::string key = s.name + "/" + a.durable;
  auto it = durable_.find(key);
  const bool known = it != durable_.end() || cursors_.exists(s.name, a.durable);
  if (!known) {
    replies_.error(s.rid, a.req_id, ErrorCode::kUnknownSubscription,
                   s.name + " has no durable subscription named " + a.durable);
    return std::nullopt;
  }
  if (it != durable_.end()) {
    Subscription& sub = *it->second;
    if (sub.attached)
      if (Session* holder = sessions_.find(sub.rid)) holder->subs.erase(sub.sub_id);
    sub.attached = false;
    durable_.erase(it);
  }
  cursors_.remove(s.name, a.durable);
  ++names_generation_;
  events_.begin("unsubscribe", 2).str("who", s.name).str("durable", a.durable);
  events_.commit();
  replies_.send(s.rid, Command::kSubOk, SubOkArgs{a.req_id, 0});
  return std::nullopt;
}

std::optional<SubscriptionManager::Refusal> SubscriptionManager::settle(Session& s, ByteView args, bool nack) {
  if (nack) {
    NackArgs a;
    if (Status st = decode_args(args, &a); !st.ok()) return Refusal{0, ErrorCode::kMalformed, st.message(), {}};
    auto it = s.subs.find(a.sub_id);
    if (it == s.subs.end()) {
      replies_.error(s.rid, 0, ErrorCode::kUnknownSubscription, "unknown subscription");
      return std::nullopt;
    }
    if (!it->second->settle(a.seq)) return std::nullopt;  // late or duplicate: harmless
    // A NACK is the reader's evidence that a message failed its checks; it
    // is recorded and not redelivered (the same bytes would fail again).
    events_.begin("nack", 4)
        .str("who", s.name)
        .u64("seq", a.seq)
        .str("code", error_code_name(a.code))
        .str("why", log_text(a.detail, kMaxNackDetail));
    events_.commit();
    spdlog::warn("{} rejected record {} ({}): {}", s.name, a.seq, error_code_name(a.code), log_text(a.detail));
    return std::nullopt;
  }
  AckArgs& a = ack_args_;  // reused: it holds a whole batch
  if (Status st = decode_args(args, &a); !st.ok()) return Refusal{0, ErrorCode::kMalformed, st.message(), {}};
  auto it = s.subs.find(a.sub_id);
  if (it == s.subs.end()) {
    replies_.error(s.rid, 0, ErrorCode::kUnknownSubscription, "unknown subscription");
    return std::nullopt;
  }
  Subscription& sub = *it->second;
  for (uint32_t i = 0; i <= a.more_count; ++i) {
    const uint64_t seq = i == 0 ? a.seq : a.more[i - 1];
    if (sub.settle(seq)) events_.acked(s.name, seq);  // else late or duplicate: harmless
  }
  return std::nullopt;
}

void SubscriptionManager::detach(Session& s) {
  for (auto& [id, sub] : s.subs) {
    sub->attached = false;
    sub->rid.clear();
    if (!sub->durable.empty()) persist_cursor(*sub, true);
  }
  s.subs.clear();
}

size_t SubscriptionManager::end_disallowed(const TrustBundle& bundle) {
  size_t ended = 0;
  sessions_.for_each([&](Session& s) {
    const PublicCard* card = bundle.find(s.name);
    for (auto it = s.subs.begin(); it != s.subs.end();) {
      Subscription& sub = *it->second;
      if (card != nullptr && !card->revoked && (sub.mailbox || bundle.policy.may_subscribe_pattern(*card, sub.pattern))) {
        ++it;
        continue;
      }
      const std::string why = "subscription " + std::to_string(sub.sub_id) + " to " + sub.pattern +
                              " ended: bundle serial " + std::to_string(bundle.serial) + " no longer lets " + s.name +
                              " read it";
      replies_.error(s.rid, 0, ErrorCode::kForbidden, why);
      events_.refusal(s.name, ErrorCode::kForbidden, why, sub.pattern);
      spdlog::info("{}", log_text(why));
      sub.attached = false;
      sub.rid.clear();
      if (!sub.durable.empty()) persist_cursor(sub, true);
      it = s.subs.erase(it);
      ++ended;
    }
  });
  return ended;
}

void SubscriptionManager::deliver(Subscription& sub, Session& s, uint64_t seq, uint32_t count,
                                  const CachedMessage& m) {
  replies_.send(s.rid, Command::kMsg, MsgArgs{sub.sub_id, seq, count}, m.envelope);
  events_.delivered(s.name, sub.sub_id, seq, count);
}

bool SubscriptionManager::addressed_to(Subscription& sub, const TrustBundle& bundle,
                                       const std::shared_ptr<CachedMessage>& m) {
  PolicyMemo& memo = sub.addressed;
  if (memo.route != m->route || memo.serial != bundle.serial) {
    if (!memo.route || memo.route->topic != m->route->topic || memo.serial != bundle.serial)
      memo.allowed = routes_.mailbox_owner(bundle, m->route->topic) == sub.owner;
    memo.route = m->route;
    memo.serial = bundle.serial;
  }
  return memo.allowed;
}

void SubscriptionManager::record_expired(const Session& s, uint64_t seq) {
  events_.begin("expired", 2).str("who", s.name).u64("seq", seq);
  events_.commit();
}

void SubscriptionManager::record_erased_unread(const Session& s, uint64_t seq) {
  events_.begin("erased_unread", 2).str("who", s.name).u64("seq", seq);
  events_.commit();
}

size_t SubscriptionManager::open_mailboxes(const TrustBundle& bundle, uint64_t seq) {
  const std::string name(kMailboxDurable);
  const uint64_t start = cursors_.any_named(name) ? seq : 1;
  std::vector<std::string> owners;
  for (const PublicCard& c : bundle.participants) {
    if (c.revoked || c.role == Role::kBroker || c.role == Role::kAuthority) continue;
    if (durable_.count(c.name + "/" + name) != 0 || cursors_.exists(c.name, name)) continue;
    owners.push_back(c.name);
  }
  // One round of the cursor thread for them all (CursorStore: two syncs, not two per mailbox).
  cursors_.put_many(owners, name, start, "");
  if (!owners.empty()) ++names_generation_;
  return owners.size();
}

void SubscriptionManager::pump(Subscription& sub, Session& s, const TrustBundle& bundle, uint64_t horizon,
                               int64_t now, size_t& session_bytes) {
  const size_t max_in_flight = static_cast<size_t>(config_.max_in_flight);
  const int64_t wall = clock_.now_ms();
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
        ++dead_letters_;
        events_.begin("dead_letter", 3).str("who", s.name).u64("seq", it->first).u64("deliveries", f.deliveries);
        events_.commit();
        spdlog::warn("record {} dead-lettered for {} after {} deliveries", it->first, s.name, f.deliveries);
        sub.in_flight_bytes -= f.bytes;
        session_bytes -= f.bytes;
        it = sub.in_flight.erase(it);
        continue;
      }
      bool is_message = false;
      auto m = cache_.load(it->first, &is_message);
      const bool erased = m && m->erased;
      const bool expired = m && !erased && m->expires_ms != 0 && m->expires_ms <= wall;
      if (expired) record_expired(s, it->first);
      if (erased) record_erased_unread(s, it->first);
      if (!m || expired || erased) {
        sub.in_flight_bytes -= f.bytes;
        session_bytes -= f.bytes;
        it = sub.in_flight.erase(it);
        continue;
      }
      ++f.deliveries;
      f.deadline_ms = now + config_.ack_timeout_ms;
      next = std::min(next, f.deadline_ms);
      deliver(sub, s, it->first, f.deliveries, *m);
      ++it;
    }
    sub.next_deadline_ms = next;
  }
  // New deliveries, up to the credit, reading forward from the cursor.
  uint64_t scanned = 0;
  while (sub.in_flight.size() < max_in_flight && sub.next_seq <= horizon && scanned < kScanPerPump) {
    const uint64_t seq = sub.next_seq++;
    ++scanned;
    bool is_message = false;
    auto m = cache_.load(seq, &is_message);
    if (!is_message || !m) continue;
    const TopicRoute& route = *m->route;
    if (sub.mailbox ? !addressed_to(sub, bundle, m) : !pattern_matches(sub.pattern, route.topic)) continue;
    // Checked again at delivery: the reader must be among the envelope's
    // readers and still allowed by the policy in force.
    if (!std::binary_search(route.readers.begin(), route.readers.end(), s.name)) continue;
    PolicyMemo& memo = sub.may_read;
    if (memo.route != m->route || memo.serial != bundle.serial) {
      if (!memo.route || memo.route->topic != route.topic || memo.serial != bundle.serial) {
        const PublicCard* card = bundle.find(s.name);
        memo.allowed = card != nullptr && !card->revoked && bundle.policy.may_subscribe(*card, route.topic);
      }
      memo.route = m->route;
      memo.serial = bundle.serial;
    }
    if (!memo.allowed) continue;
    // Erased before it could be delivered: a durable subscription's (and a
    // mailbox's) entry is settled on record; a live one just passes it.
    if (m->erased) {
      if (!sub.durable.empty()) record_erased_unread(s, seq);
      continue;
    }
    // Expired before it could be delivered: settled as if acknowledged.
    if (m->expires_ms != 0 && m->expires_ms <= wall) {
      record_expired(s, seq);
      continue;
    }
    const size_t size = m->envelope.size();
    if (session_bytes > 0 && session_bytes + size > static_cast<size_t>(config_.max_in_flight_bytes)) {
      sub.next_seq = seq;  // not taken: delivered once acks make room
      break;
    }
    InFlight f{now + config_.ack_timeout_ms, 1, static_cast<uint32_t>(size), now};
    sub.in_flight.emplace(seq, f);
    sub.in_flight_bytes += size;
    session_bytes += size;
    sub.next_deadline_ms = std::min(sub.next_deadline_ms, f.deadline_ms);
    deliver(sub, s, seq, 1, *m);
  }
  persist_cursor(sub, false);
}

void SubscriptionManager::pump_all(const TrustBundle& bundle, uint64_t horizon) {
  const int64_t now = clock_.monotonic_ms();
  sessions_.for_each([&](Session& s) {
    size_t bytes = 0;
    for (const auto& [id, sub] : s.subs) bytes += sub->in_flight_bytes;
    for (auto& [id, sub] : s.subs) pump(*sub, s, bundle, horizon, now, bytes);
  });
}

}  // namespace relais
