#include "service/connection.h"

#include "util/clock.h"

namespace relais {
namespace {

std::string seconds_text(int64_t ms) {
  const int64_t tenths = (ms + 50) / 100;
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
}

}  // namespace

Connection::Connection(AgentContext& ctx, ServiceLog log)
    : ctx_(ctx),
      log_(std::move(log)),
      backoff_(ctx.config.service.reconnect_min_ms, ctx.config.service.reconnect_max_ms) {
  const ServiceConfig& sc = ctx.config.service;
  Sub mailbox{SubArgs{}, std::string(kMailboxDurable), false, false, Backoff(sc.reconnect_min_ms, sc.reconnect_max_ms), 0};
  mailbox.args.sub_id = kMailboxSubId;
  mailbox.args.durable = std::string(kMailboxDurable);
  subs_.push_back(std::move(mailbox));
  uint32_t id = kMailboxSubId + 1;
  for (const ConfiguredSubscription& c : sc.subscriptions) {
    Sub s{SubArgs{}, c.durable, false, c.from == "first", Backoff(sc.reconnect_min_ms, sc.reconnect_max_ms), 0};
    s.args.sub_id = id++;
    s.args.pattern = c.topic;
    s.args.durable = c.durable;
    s.args.from = c.from;
    subs_.push_back(std::move(s));
  }
}

bool Connection::ensure(int64_t mono_ms) {
  if (client_ && client_->session_lost()) lost("the broker at " + ctx_.config.broker + " went away");
  if (!client_) {
    if (mono_ms < next_attempt_) return false;
    auto c = make_broker_client(ctx_);
    c->on_log(log_);  // the client's own failure notes go to the service's log
    Status s = open_broker_session(ctx_, *c, mono_ms + kAttemptMs);
    if (!s.ok()) {
      c->close();
      const int64_t wait = s.code() == Code::kTimeout
                               ? backoff_.next()
                               : backoff_delay(64, ctx_.config.service.reconnect_min_ms,
                                               ctx_.config.service.reconnect_max_ms);
      next_attempt_ = monotonic_ms() + wait;
      if (!said_unreachable_ || s.code() != Code::kTimeout)
        log_("cannot reach the broker: " + s.message() + "; retrying in " + seconds_text(wait) +
             " (the outbox keeps what is sent meanwhile)");
      said_unreachable_ = s.code() == Code::kTimeout;
      return false;
    }
    client_ = std::move(c);
    backoff_.reset();
    said_unreachable_ = false;
    new_session_ = true;
    for (Sub& sub : subs_) {
      sub.attached = false;
      sub.retry_at = 0;
    }
    log_("connected to " + ctx_.config.broker + " as " + ctx_.identity.card.name + " (bundle serial " +
         std::to_string(ctx_.bundle.serial) + ")");
  }
  for (Sub& s : subs_) {
    if (!client_) break;
    if (!s.attached && monotonic_ms() >= s.retry_at) attach(s, monotonic_ms());
  }
  return client_ != nullptr;
}

void Connection::attach(Sub& s, int64_t mono_ms) {
  SubArgs args = s.args;
  if (!s.ask_from) args.from.clear();
  Status st = client_->subscribe(args, mono_ms + kAttemptMs);
  if (st.ok()) {
    s.attached = true;
    s.ask_from = false;
    s.backoff.reset();
    log_(s.args.durable == kMailboxDurable ? "reading the mailbox of " + ctx_.identity.card.name
                                             : "reading " + s.args.pattern + " as durable subscription " + s.label);
    return;
  }
  const auto code = client_->last_error_code();
  if (code == ErrorCode::kMalformed && s.ask_from && st.message().find("already exists") != std::string::npos) {
    s.ask_from = false;  // the name exists: it resumes at its cursor
    attach(s, mono_ms);
    return;
  }
  if (st.code() == Code::kTimeout || code == ErrorCode::kRevoked) {
    lost(describe_broker_refusal(*client_, st).message());
    return;
  }
  const ServiceConfig& sc = ctx_.config.service;
  const int64_t wait = code == ErrorCode::kDurableInUse ? s.backoff.next()
                                                         : backoff_delay(64, sc.reconnect_min_ms, sc.reconnect_max_ms);
  s.retry_at = monotonic_ms() + wait;
  const std::string what = s.args.durable == kMailboxDurable ? std::string("the mailbox") : "durable subscription " + s.label;
  if (code == ErrorCode::kDurableInUse)
    log_("another process holds " + what + " (a relais-agent subscribe, or a second service?): retrying in " +
         seconds_text(wait));
  else
    log_("the broker refused " + what + ": " + st.message() + "; retrying in " + seconds_text(wait));
}

void Connection::lost(const std::string& why) {
  if (client_) client_->close();
  client_.reset();
  const int64_t wait = backoff_.next();
  next_attempt_ = monotonic_ms() + wait;
  log_("lost the broker session (" + why + "); reconnecting in " + seconds_text(wait));
}

bool Connection::take_new_session() {
  const bool n = new_session_;
  new_session_ = false;
  return n;
}

std::string Connection::subscription_name(uint32_t sub_id) const {
  for (const Sub& s : subs_)
    if (s.args.sub_id == sub_id) return s.label;
  return "sub " + std::to_string(sub_id);
}

std::string Connection::describe() const {
  if (!client_) return "broker " + ctx_.config.broker + " unreachable, retrying";
  size_t attached = 0;
  for (const Sub& s : subs_) attached += s.attached ? 1 : 0;
  return "connected to " + ctx_.config.broker + ", " + std::to_string(attached) + " of " + std::to_string(subs_.size()) +
         " subscriptions attached (bundle serial " + std::to_string(ctx_.bundle.serial) + ")";
}

void Connection::close() {
  if (client_) client_->close();
  client_.reset();
}

}  // namespace relais
