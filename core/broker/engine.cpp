#include "broker/engine.h"

#include <spdlog/spdlog.h>

#include "util/clock.h"
#include "util/log_text.h"

namespace relais {
namespace {

constexpr int64_t kSweepEveryMs = 250;

}  // namespace

int64_t SystemClock::now_ms() const { return relais::now_ms(); }
int64_t SystemClock::monotonic_ms() const { return relais::monotonic_ms(); }

BrokerEngine::BrokerEngine(const BrokerConfig& config, const Identity& identity,
                           std::shared_ptr<const TrustBundle> bundle, Log& log, Transport& transport,
                           SignatureVerifier& verifier, const Clock& clock)
    : config_(config),
      identity_(identity),
      clock_(clock),
      log_(log),
      verifier_(verifier),
      bundle_(std::move(bundle)),
      sessions_(static_cast<size_t>(config.max_connections), static_cast<size_t>(config.max_sessions_per_participant)),
      replies_(transport),
      events_(log, clock, config.event_batch_ms),
      cache_(log, static_cast<size_t>(config.cache_messages), static_cast<size_t>(config.cache_bytes)),
      ingest_(config, clock, log, verifier, routes_, cache_, replies_, events_, identity.sign_sk),
      subs_(config, clock, log, sessions_, cache_, replies_, events_),
      auth_failures_(events_, clock, config.auth_failure_interval_ms) {
  horizon_ = log_.last_durable_seq();
  next_sweep_ms_ = clock_.monotonic_ms() + kSweepEveryMs;
}

BrokerEngine::~BrokerEngine() { verifier_.stop(); }

Status BrokerEngine::start(const std::string& endpoint) {
  RELAIS_RETURN_IF_ERROR(ingest_.rebuild_dedup());
  events_.begin("broker_start", 2).str("version", RELAIS_VERSION).str("endpoint", endpoint);
  events_.commit();
  events_.begin("bundle_loaded", 2).u64("serial", bundle_->serial).bin("hash", bundle_->hash);
  events_.commit();
  return Status::Ok();
}

void BrokerEngine::refuse(const std::string& rid, std::string_view who, uint64_t req_id, ErrorCode code,
                          const std::string& reason, std::string_view topic, const Uuid* id) {
  replies_.error(rid, req_id, code, reason);
  events_.refusal(who, code, reason, topic, id);
  spdlog::info("refused {}: {}", log_text(who, 64), log_text(reason));
}

void BrokerEngine::on_undecodable(const std::string& rid, bool authenticated, const std::string& reason) {
  if (!authenticated) return;
  replies_.error(rid, 0, ErrorCode::kMalformed, reason);
}

void BrokerEngine::on_hello(const InboundMessage& m) {
  HelloArgs h;
  if (Status st = decode_args(m.args, &h); !st.ok()) return replies_.error(m.rid, 0, ErrorCode::kMalformed, st.message());
  if (Session* old = sessions_.find(m.rid)) {
    end_session(*old, "hello again");
    sessions_.erase(m.rid);
  }
  const std::string name(m.user);
  const PublicCard* card = bundle_->find(name);
  if (card == nullptr || card->revoked)
    return refuse(m.rid, "?", 0, ErrorCode::kForbidden, name + " is not an active participant");
  const int64_t mono = clock_.monotonic_ms();
  SessionTable::Admission admission = sessions_.check_admit(name, mono, 2 * config_.heartbeat_ms);
  if (!admission.status.ok()) return refuse(m.rid, name, 0, ErrorCode::kLimit, admission.status.message());
  if (!admission.evict.empty()) {
    if (Session* old = sessions_.find(admission.evict)) {
      spdlog::info("{}: a new session replaces one silent for {} ms", name, mono - old->last_seen_ms);
      end_session(*old, "replaced by a new session");
      sessions_.erase(admission.evict);
    }
  }
  sessions_.admit(m.rid, name, card->sign_pk, mono);
  events_.begin("connect", 2).str("who", name).str("addr", m.peer_address);
  events_.commit();
  WelcomeArgs w;
  w.name = name;
  w.bundle_serial = bundle_->serial;
  w.heartbeat_ms = static_cast<uint32_t>(config_.heartbeat_ms);
  replies_.send(m.rid, Command::kWelcome, w);
}

void BrokerEngine::on_message(const InboundMessage& m) {
  // Fail closed: every message must carry the ZAP User-Id.
  if (m.user.empty()) {
    spdlog::warn("broker: dropped a message without User-Id");
    return;
  }
  const auto cmd = parse_command(m.command);
  if (cmd == Command::kHello) return on_hello(m);
  Session* s = sessions_.find(m.rid);
  if (s == nullptr)
    return replies_.error(m.rid, 0, ErrorCode::kNotAuthenticated,
                          "protocol: send HELLO first (session unknown or expired)");
  if (s->name != m.user) {  // cannot happen with CURVE; fail closed anyway
    spdlog::warn("broker: User-Id changed on a session; dropping it");
    return;
  }
  s->last_seen_ms = clock_.monotonic_ms();
  if (!cmd) return refuse(m.rid, s->name, 0, ErrorCode::kMalformed, "protocol: unknown command");
  switch (*cmd) {
    case Command::kPing: replies_.send_empty(m.rid, Command::kPong); break;
    case Command::kPub: {
      if (!m.has_envelope) return refuse(m.rid, s->name, 0, ErrorCode::kMalformed, "protocol: PUB needs an envelope");
      IngestPipeline::Verdict v = ingest_.publish(*s, *bundle_, m.args, m.envelope);
      if (v.outcome == IngestPipeline::Outcome::kRefused)
        refuse(m.rid, s->name, v.req_id, v.code, v.reason, v.topic, v.id ? &*v.id : nullptr);
      break;
    }
    case Command::kSub:
      if (auto r = subs_.subscribe(*s, *bundle_, m.args, horizon_))
        refuse(m.rid, s->name, r->req_id, r->code, r->reason, r->pattern);
      break;
    case Command::kUnsub:
      if (auto r = subs_.unsubscribe(*s, m.args)) refuse(m.rid, s->name, r->req_id, r->code, r->reason);
      break;
    case Command::kAck:
    case Command::kNack:
      if (auto r = subs_.settle(*s, m.args, *cmd == Command::kNack))
        refuse(m.rid, s->name, r->req_id, r->code, r->reason);
      break;
    case Command::kBye:
      end_session(*s, "bye");
      sessions_.erase(m.rid);
      break;
    default: refuse(m.rid, s->name, 0, ErrorCode::kMalformed, "protocol: command not accepted by the broker"); break;
  }
}

void BrokerEngine::on_auth_failure(std::string_view key, std::string_view addr, std::string_view why) {
  auth_failures_.record(key, addr, why);
}

void BrokerEngine::end_session(Session& s, const char* why) {
  subs_.detach(s);
  events_.begin("disconnect", 2).str("who", s.name).str("why", why);
  events_.commit();
}

void BrokerEngine::on_verified() { ingest_.on_verified(); }

void BrokerEngine::on_log_completions() {
  completions_.clear();
  log_.drain_completions(&completions_);
  for (const Completion& c : completions_) {
    if (c.status.ok()) horizon_ = std::max(horizon_, c.seq);
    if (c.token == 0) {
      if (!c.status.ok())
        spdlog::error("broker: an event record could not be written: {}", c.status.message());
      else
        cache_.insert(c.seq, nullptr);  // not a message: delivery never reads it back
      continue;
    }
    ingest_.on_completion(c);
  }
  ingest_.finish_completions();
}

void BrokerEngine::tick() {
  subs_.pump_all(*bundle_, horizon_);
  events_.flush(false);
  const int64_t mono = clock_.monotonic_ms();
  if (mono >= next_sweep_ms_) {
    sessions_.expire(mono, config_.heartbeat_timeout_ms, [&](Session& s) {
      spdlog::info("{} silent for {} ms: session closed", s.name, mono - s.last_seen_ms);
      end_session(s, "heartbeat timeout");
    });
    ingest_.expire(clock_.now_ms());
    auth_failures_.flush(false);
    next_sweep_ms_ = mono + kSweepEveryMs;
  }
}

void BrokerEngine::begin_stop() {
  verifier_.stop();  // every submitted check has a result
  ingest_.on_verified();
}

void BrokerEngine::finish_stop() {
  auth_failures_.flush(true);
  subs_.persist_all();
  events_.flush(true);
  events_.begin("broker_stop", 0);
  events_.commit();
}

}  // namespace relais
