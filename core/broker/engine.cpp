#include "broker/engine.h"

#include <charconv>
#include <chrono>
#include <filesystem>
#include <spdlog/spdlog.h>

#include "broker/broker_trust.h"
#include "policy/serial_state.h"
#include "util/clock.h"
#include "util/files.h"
#include "util/log_text.h"

namespace relais {
namespace {

constexpr int64_t kSweepEveryMs = 250;

std::string archive_path(const BrokerConfig& config, uint64_t serial) {
  return bundle_archive_dir(config) + "/" + std::to_string(serial) + ".bundle";
}

// Keeps a copy of a loaded bundle (once per serial). A failure is logged,
// not fatal: the log's bundle_loaded event holds the same bytes.
void archive_bundle(const BrokerConfig& config, const TrustBundle& b) {
  const std::string path = archive_path(config, b.serial);
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return;
  Status st = make_dirs(bundle_archive_dir(config), 0700);
  if (st.ok()) st = write_file_durable(path, b.file, 0600);
  if (!st.ok())
    spdlog::warn("broker: cannot keep a copy of bundle serial {} in {}: {} (FETCH bundle:{} will not find it)",
                 b.serial, bundle_archive_dir(config), st.message(), b.serial);
}

bool parse_serial(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20 || s.find_first_not_of("0123456789") != std::string_view::npos) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

int64_t SystemClock::now_ms() const { return relais::now_ms(); }
int64_t SystemClock::monotonic_ms() const { return relais::monotonic_ms(); }
int64_t SystemClock::monotonic_us() const { return relais::monotonic_us(); }

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
      subs_(config, clock, log, sessions_, cache_, routes_, replies_, events_),
      auth_failures_(events_, clock, config.auth_failure_interval_ms),
      proofs_(log, config.verify_threads > 0 ? 1u : 0u),
      shredder_(Shredder::Options{config.data_dir, config.shred_interval_ms}, log, clock, events_, cache_) {
  horizon_ = log_.last_durable_seq();
  next_sweep_ms_ = clock_.monotonic_ms() + kSweepEveryMs;
}

BrokerEngine::~BrokerEngine() {
  verifier_.stop();
  proofs_.stop();
  shredder_.stop();
}

Status BrokerEngine::start(const std::string& endpoint) {
  RELAIS_RETURN_IF_ERROR(ingest_.rebuild_dedup());
  // The checkpoint settings go on record: relais-audit verify holds the log
  // to them (every record covered by a signed checkpoint within those bounds).
  events_.begin("broker_start", 4)
      .str("version", RELAIS_VERSION)
      .str("endpoint", endpoint)
      .u64("checkpoint_every", static_cast<uint64_t>(config_.checkpoint_every))
      .u64("checkpoint_interval_ms", static_cast<uint64_t>(config_.checkpoint_seconds) * 1000);
  events_.commit();
  record_bundle_loaded();
  archive_bundle(config_, *bundle_);
  shredder_.start();
  return Status::Ok();
}

void BrokerEngine::record_bundle_loaded() {
  const uint64_t token = kBundleLoadedToken | next_bundle_token_++;
  events_.begin("bundle_loaded", 3).u64("serial", bundle_->serial).bin("hash", bundle_->hash).bin("bundle", bundle_->file);
  events_.commit(token);
  bundles_on_way_.emplace(token, bundle_);
}

void BrokerEngine::remember_revoked(const std::string& rid) {
  if (!revoked_rids_.insert(rid).second) return;
  revoked_order_.push_back(rid);
  if (revoked_order_.size() > kMaxRevokedRids) {
    revoked_rids_.erase(revoked_order_.front());
    revoked_order_.pop_front();
  }
}

bool BrokerEngine::was_revoked(const std::string& rid) const { return revoked_rids_.count(rid) != 0; }

BrokerEngine::ReloadOutcome BrokerEngine::refuse_reload(std::string why, uint64_t serial) {
  spdlog::error("broker: reload refused, bundle serial {} stays in force: {}", bundle_->serial, why);
  auto& e = events_.begin("reload_refused", serial ? 2 : 1).str("why", why);
  if (serial) e.u64("serial", serial);
  events_.commit();
  return ReloadOutcome{false, serial, std::move(why)};
}

BrokerEngine::ReloadOutcome BrokerEngine::reload(const Result<Bytes>& file, const std::string& origin) {
  return apply_reload(prepare_reload(file, origin, bundle_));
}

BrokerEngine::PreparedReload BrokerEngine::prepare_reload(const Result<Bytes>& file, const std::string& origin,
                                                          std::shared_ptr<const TrustBundle> base) const {
  const auto t0 = std::chrono::steady_clock::now();
  PreparedReload p;
  p.base = std::move(base);
  p.origin = origin;
  auto done = [&] {
    p.prepare_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    return std::move(p);
  };
  if (!file.ok()) {
    p.why = file.status().message();
    return done();
  }
  auto parsed = parse_bundle(*file, config_.authority_key, origin);
  if (!parsed.ok()) {
    p.why = parsed.status().message();
    return done();
  }
  auto next = std::make_shared<const TrustBundle>(std::move(parsed).value());
  p.serial = next->serial;
  if (Status st = check_reload(*p.base, *next, identity_); !st.ok()) {
    p.why = origin + ": " + st.message();
    return done();
  }
  // Anti-downgrade: the serial is on record before it is in force.
  if (Status st = check_and_record_serial(bundle_serial_file(config_), next->serial, origin); !st.ok()) {
    p.why = st.message();
    return done();
  }
  archive_bundle(config_, *next);
  p.next = std::move(next);
  return done();
}

BrokerEngine::ReloadOutcome BrokerEngine::apply_reload(PreparedReload p) {
  if (p.next == nullptr) return refuse_reload(std::move(p.why), p.serial);
  if (p.base != bundle_) {
    if (Status st = check_reload(*bundle_, *p.next, identity_); !st.ok())
      return refuse_reload(p.origin + ": " + st.message(), p.next->serial);
  }
  const auto t0 = std::chrono::steady_clock::now();
  const std::shared_ptr<const TrustBundle> next = std::move(p.next);

  // The barrier: nothing else runs on this thread until it is done.
  // 1. Handshakes from now on are judged by the new bundle.
  if (gatekeeper_ != nullptr) gatekeeper_->allow(zap_allowlist(*next));
  // 2. Sessions whose keys are no longer current are forgotten.
  std::vector<std::string> gone;
  std::unordered_set<std::string> revoked_names;
  sessions_.for_each([&](Session& s) {
    const PublicCard* card = next->find(s.name);
    if (card != nullptr && !card->revoked && card->sign_pk == s.sign_pk && card->link_pk == s.link_pk) {
      s.key_serial = next->serial;
      return;
    }
    gone.push_back(s.rid);
    revoked_names.insert(s.name);
  });
  for (const std::string& rid : gone) {
    Session* s = sessions_.find(rid);
    const std::string name = s->name;
    replies_.error(rid, 0, ErrorCode::kRevoked,
                   name + "'s key is no longer valid in bundle serial " + std::to_string(next->serial) +
                       " (revoked, retired or removed): session ended");
    end_session(*s, "revoked");
    sessions_.erase(rid);
    remember_revoked(rid);
    spdlog::info("{}: session ended by bundle serial {} (key revoked, retired or removed)", name, next->serial);
  }
  // Every name whose card the new bundle revokes or drops, connected or not.
  for (const auto& c : bundle_->participants) {
    const PublicCard* now = next->find(c.name);
    if (now == nullptr || now->revoked || now->sign_pk != c.sign_pk) revoked_names.insert(c.name);
  }
  // 3. Their publishes still waiting for the verifier are refused.
  const size_t refused = ingest_.refuse_pending_of(
      [&](const std::string& from) { return revoked_names.count(from) != 0; }, next->serial);
  // 4. Subscriptions the new policy no longer allows end.
  const size_t ended = subs_.end_disallowed(*next);
  // 5. Routes, reader sets and memos: routes are dropped, memos carry the
  // serial they were computed under and are recomputed on next use.
  routes_.reset();
  bundle_ = next;
  // 6. On record with the whole bundle (participants it lists first get
  // their mailbox once it is durable), then every session is told.
  record_bundle_loaded();
  const NoticeArgs notice = NoticeArgs::bundle_serial(bundle_->serial);
  sessions_.for_each([&](Session& s) { replies_.send(s.rid, Command::kNotice, notice); });
  const auto barrier_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
  spdlog::info("broker: bundle serial {} in force ({} sessions ended, {} pending publishes refused, {} subscriptions "
               "ended; checked in {} ms, put in force in {:.1f} ms)",
               bundle_->serial, gone.size(), refused, ended, p.prepare_ms, static_cast<double>(barrier_us) / 1000.0);
  return ReloadOutcome{true, bundle_->serial, {}};
}

void BrokerEngine::on_fetch(const Session& s, ByteView args) {
  FetchArgs f;
  if (Status st = decode_args(args, &f); !st.ok()) return replies_.error(s.rid, 0, ErrorCode::kMalformed, st.message());
  const std::string what = log_text(f.kind, 32) + ":" + log_text(f.arg, 32);
  if (f.kind == kFetchBundle) {
    uint64_t serial = 0;
    if (f.arg == "latest") {
      serial = bundle_->serial;
    } else if (!parse_serial(f.arg, &serial)) {
      return replies_.error(s.rid, f.req_id, ErrorCode::kMalformed,
                            "FETCH " + what + ": a bundle is fetched by \"latest\" or a decimal serial");
    }
    Bytes stored;
    ByteView payload;
    if (serial == bundle_->serial) {
      payload = bundle_->file;
    } else {
      std::error_code ec;
      const std::string path = archive_path(config_, serial);
      auto r = serial > bundle_->serial || !std::filesystem::exists(path, ec)
                   ? Result<Bytes>(Status::NotFound("absent"))
                   : read_file(path, kMaxBundleBytes);
      if (!r.ok())
        return replies_.error(s.rid, f.req_id, ErrorCode::kMalformed,
                              "FETCH " + what + ": this broker holds no bundle serial " + std::to_string(serial) +
                                  " (its newest is " + std::to_string(bundle_->serial) + ")");
      stored = std::move(r).value();
      payload = stored;
    }
    if (payload.size() > static_cast<size_t>(config_.max_frame_bytes))
      return replies_.error(s.rid, f.req_id, ErrorCode::kTooLarge,
                            "FETCH " + what + ": the bundle (" + std::to_string(payload.size()) +
                                " bytes) exceeds max_frame_bytes; raise it in broker.toml");
    replies_.send(s.rid, Command::kData, DataArgs{f.req_id, f.kind, f.arg}, payload);
    return;
  }
  if (f.kind == kFetchCheckpoint || f.kind == kFetchConsistency || f.kind == kFetchInclusion ||
      f.kind == kFetchRestored) {
    if (!proofs_.submit(ProofRequest{s.rid, f.req_id, std::move(f.kind), std::move(f.arg)}))
      replies_.error(s.rid, f.req_id, ErrorCode::kLimit, "FETCH " + what + ": the broker is busy with proofs; retry shortly");
    return;
  }
  replies_.error(s.rid, f.req_id, ErrorCode::kMalformed,
                 "FETCH " + what + ": unknown kind (known: bundle, checkpoint, consistency, inclusion, restored)");
}

void BrokerEngine::on_proofs() {
  proof_answers_.clear();
  proofs_.drain(&proof_answers_);
  for (ProofAnswer& a : proof_answers_) {
    if (sessions_.find(a.rid) == nullptr) continue;  // the asker left meanwhile
    if (a.ok)
      replies_.send(a.rid, Command::kData, DataArgs{a.req_id, std::move(a.kind), std::move(a.arg)}, a.payload);
    else
      replies_.error(a.rid, a.req_id, a.code, a.reason);
  }
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
  if (h.version < kProtocolVersion)
    return replies_.error(m.rid, 0, ErrorCode::kMalformed,
                          "protocol version " + std::to_string(h.version) + " is no longer served (this broker speaks " +
                              std::to_string(kProtocolVersion) + "): upgrade relais-agent");
  if (Session* old = sessions_.find(m.rid)) {
    end_session(*old, "hello again");
    sessions_.erase(m.rid);
  }
  const std::string name(m.user);
  // A connection whose session a reload ended stays ended: its key was
  // admitted under the old bundle (a new handshake is judged by the new one).
  if (was_revoked(m.rid))
    return refuse(m.rid, name, 0, ErrorCode::kRevoked,
                  name + "'s key is no longer valid in bundle serial " + std::to_string(bundle_->serial) +
                      " (revoked, retired or removed)");
  const PublicCard* card = bundle_->find(name);
  if (card == nullptr)
    return refuse(m.rid, "?", 0, ErrorCode::kForbidden, name + " is not an active participant");
  if (card->revoked)
    return refuse(m.rid, name, 0, ErrorCode::kRevoked,
                  name + " is revoked in bundle serial " + std::to_string(bundle_->serial));
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
  Session* admitted = sessions_.admit(m.rid, name, card->sign_pk, mono);
  admitted->link_pk = card->link_pk;
  admitted->key_serial = bundle_->serial;
  events_.begin("connect", 2).str("who", name).str("addr", m.peer_address);
  events_.commit();
  WelcomeArgs w;
  w.name = name;
  w.bundle_serial = bundle_->serial;
  w.heartbeat_ms = static_cast<uint32_t>(config_.heartbeat_ms);
  replies_.send(m.rid, Command::kWelcome, w);
  // While the log's epoch began with a restore, every agent hears of it: its
  // messages logged after the backup's last seq are lost and must be sent again.
  if (log_.epoch() > 0)
    replies_.send(m.rid, Command::kNotice, NoticeArgs::restored(log_.epoch(), log_.epoch_began_after()));
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
  if (s == nullptr) {
    if (was_revoked(m.rid)) {
      const std::string why = std::string(m.user) + "'s key is no longer valid in bundle serial " +
                              std::to_string(bundle_->serial) + " (revoked, retired or removed)";
      if (cmd == Command::kPing) return replies_.error(m.rid, 0, ErrorCode::kRevoked, why);
      return refuse(m.rid, m.user, 0, ErrorCode::kRevoked, why);  // on record: a frame of an ended session
    }
    return replies_.error(m.rid, 0, ErrorCode::kNotAuthenticated,
                          "protocol: send HELLO first (session unknown or expired)");
  }
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
    case Command::kFetch: on_fetch(*s, m.args); break;
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
    if (Shredder::owns(c.token)) {
      if (c.status.ok()) cache_.insert(c.seq, nullptr);  // an event: never delivered
      shredder_.on_event_logged(c);
      continue;
    }
    if (c.token == 0 || (c.token & kBundleLoadedToken) != 0) {
      if (!c.status.ok())
        spdlog::error("broker: an event record could not be written: {}", c.status.message());
      else
        cache_.insert(c.seq, nullptr);  // not a message: delivery never reads it back
      if (c.token != 0) {
        auto it = bundles_on_way_.find(c.token);
        if (it != bundles_on_way_.end()) {
          if (c.status.ok()) {
            const size_t opened = subs_.open_mailboxes(*it->second, c.seq);
            if (opened > 0)
              spdlog::info("broker: {} mailboxes opened with bundle serial {} (record {})", opened,
                           it->second->serial, c.seq);
          }
          bundles_on_way_.erase(it);
        }
      }
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
    shredder_.tick(bundle_, horizon_);
    next_sweep_ms_ = mono + kSweepEveryMs;
  }
}

void BrokerEngine::begin_stop() {
  verifier_.stop();  // every submitted check has a result
  ingest_.on_verified();
}

void BrokerEngine::finish_stop() {
  shredder_.stop();  // an erasure in progress finishes; one not started is planned again at the next start
  auth_failures_.flush(true);
  subs_.persist_all();
  events_.flush(true);
  events_.begin("broker_stop", 0);
  events_.commit();
}

}  // namespace relais
