// Broker lifecycle and the poll loop. The ingest checks are in ingest.cpp,
// subscriptions and delivery in delivery.cpp.
#include "broker/broker.h"

#include <filesystem>
#include <algorithm>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "broker/broker_impl.h"
#include "net/framing.h"
#include "util/clock.h"
#include "util/files.h"

namespace relais {
namespace {

SyncPolicy sync_policy(const std::string& s) {
  if (s == "always") return SyncPolicy::kAlways;
  if (s == "none") return SyncPolicy::kNone;
  return SyncPolicy::kBatch;
}

// zmq_msg_gets without cppzmq's throwing wrapper: nullptr when absent.
const char* frame_property(const zmq::message_t& m, const char* name) {
  return zmq_msg_gets(m.handle(), name);
}

std::string frame_string(const zmq::message_t& m) { return std::string(static_cast<const char*>(m.data()), m.size()); }

ByteView frame_view(const zmq::message_t& m) { return ByteView(static_cast<const uint8_t*>(m.data()), m.size()); }

// Secrets must not end up in core files.
void disable_core_dumps() {
  struct rlimit rl {0, 0};
  setrlimit(RLIMIT_CORE, &rl);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

}  // namespace

Status BrokerImpl::open() {
  disable_core_dumps();
  auto id = load_identity(config_.identity);
  if (!id.ok()) return id.status();
  identity_ = std::move(id).value();
  auto b = load_bundle(config_.bundle, config_.authority_key);
  if (!b.ok()) return Status::Config(b.status().message());
  bundle_ = std::move(b).value();
  const PublicCard* me = bundle_.broker();
  if (me == nullptr || me->link_pk != identity_.card.link_pk || me->sign_pk != identity_.card.sign_pk)
    return Status::Config("broker: the identity " + config_.identity +
                          " is not the broker card of bundle " + config_.bundle + "; use the matching key or bundle");
  RELAIS_RETURN_IF_ERROR(make_dirs(config_.data_dir, 0700));
  RELAIS_RETURN_IF_ERROR(check_and_record_serial(config_.data_dir + "/bundle.serial", bundle_.serial, config_.bundle)
                             .with_prefix("broker"));
  LogOptions lo;
  lo.dir = config_.data_dir;
  lo.sync = sync_policy(config_.sync);
  lo.segment_bytes = static_cast<uint64_t>(config_.segment_bytes);
  lo.checkpoint_every = static_cast<uint64_t>(config_.checkpoint_every);
  lo.checkpoint_interval_ms = config_.checkpoint_seconds * 1000;
  // For records no segment summary covers (the last segment): the same key
  // the broker handed the log when it appended them.
  lo.message_key = envelope_dedup_key;
  auto log = Log::open(lo, identity_.sign_sk);
  if (!log.ok()) return log.status();
  log_ = std::move(log).value();
  durable_horizon_ = log_->last_durable_seq();
  verify_pool_ = std::make_unique<VerifyPool>(static_cast<unsigned>(config_.verify_threads));
  pending_.reserve(4096);
  pending_by_key_.reserve(4096);
  return rebuild_dedup();
}

Status BrokerImpl::start() {
  ctx_ = std::make_unique<zmq::context_t>(1);
  zap_events_ = std::make_unique<zmq::socket_t>(*ctx_, zmq::socket_type::pull);
  zap_events_->set(zmq::sockopt::linger, 0);
  zap_events_->bind(kZapEventsEndpoint);
  std::map<PublicKey, std::string> allow;
  for (const auto& c : bundle_.participants) {
    if (c.revoked || c.role == Role::kAuthority || c.role == Role::kBroker) continue;
    allow.emplace(c.link_pk, c.name);
  }
  zap_ = std::make_unique<ZapHandler>(*ctx_, std::move(allow));
  RELAIS_RETURN_IF_ERROR(zap_->start());  // before the bind, always
  router_ = std::make_unique<zmq::socket_t>(*ctx_, zmq::socket_type::router);
  RELAIS_RETURN_IF_ERROR(configure_curve_server(*router_, identity_.link_sk.data()));
  try {
    router_->set(zmq::sockopt::linger, 0);
    router_->set(zmq::sockopt::maxmsgsize, config_.max_frame_bytes + 4096);
    router_->set(zmq::sockopt::sndhwm, 100000);
    router_->set(zmq::sockopt::rcvhwm, 100000);
    router_->bind(config_.endpoint);
    bound_endpoint_ = router_->get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return Status::Config("broker: cannot bind " + config_.endpoint + ": " + e.what() +
                          " (is another broker running on that port?)");
  }
  event_.begin("broker_start", 2).str("version", RELAIS_VERSION).str("endpoint", bound_endpoint_);
  log_event(event_.bytes());
  event_.begin("bundle_loaded", 2).u64("serial", bundle_.serial).bin("hash", bundle_.hash);
  log_event(event_.bytes());
  spdlog::info("relais-broker ready on {} (bundle serial {}, {} participants, data {})", bound_endpoint_,
               bundle_.serial, bundle_.participants.size(), config_.data_dir);
  return Status::Ok();
}

void BrokerImpl::log_event(const Bytes& body) { log_->submit_event(0, now_ms(), body); }

void BrokerImpl::send(const std::string& rid, Command cmd, const Bytes& args, ByteView extra) {
  // Answer in the framing the peer speaks: its session's, or that of the
  // message being handled when there is no session yet.
  auto it = sessions_.find(rid);
  const bool packed = it != sessions_.end() ? it->second.packed : inbound_packed_;
  try {
    router_->send(zmq::buffer(rid), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    if (packed) {
      zmq::message_t frame(packed_frame_size(cmd, args, extra));
      pack_frame_into(cmd, args, extra, static_cast<uint8_t*>(frame.data()));
      router_->send(frame, zmq::send_flags::dontwait);
      return;
    }
    const std::string_view name = command_name(cmd);
    router_->send(zmq::buffer(name), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    const bool has_extra = !extra.empty();
    router_->send(zmq::buffer(args.data(), args.size()),
                  has_extra ? zmq::send_flags::sndmore | zmq::send_flags::dontwait : zmq::send_flags::dontwait);
    if (has_extra) router_->send(zmq::buffer(extra.data(), extra.size()), zmq::send_flags::dontwait);
  } catch (const zmq::error_t& e) {
    spdlog::debug("broker: send failed: {}", e.what());
  }
}

void BrokerImpl::send_error(const std::string& rid, uint64_t req_id, ErrorCode code, const std::string& reason) {
  ErrorArgs e;
  e.req_id = req_id;
  e.code = code;
  e.reason = reason;
  encode_args(e, &args_buf_);
  send(rid, Command::kError, args_buf_);
}

void BrokerImpl::refuse(const Session* s, const std::string& rid, uint64_t req_id, ErrorCode code,
                        const std::string& reason, std::string_view topic, const Uuid* id) {
  send_error(rid, req_id, code, reason);
  uint32_t fields = 3 + (topic.empty() ? 0 : 1) + (id ? 1 : 0);
  event_.begin("refusal", fields)
      .str("who", s ? std::string_view(s->name) : std::string_view("?"))
      .str("code", error_code_name(code))
      .str("why", reason);
  if (!topic.empty()) event_.str("topic", topic);
  if (id) event_.bin("id", ByteView(id->data(), id->size()));
  log_event(event_.bytes());
  spdlog::info("refused {}: {}", s ? s->name : std::string("?"), reason);
}

void BrokerImpl::handle_router() {
  // Bounded burst: other work (completions, timers) gets its turn.
  for (int burst = 0; burst < 256; ++burst) {
    std::vector<zmq::message_t>& frames = frames_;
    frames.clear();
    try {
      zmq::message_t m;
      if (!router_->recv(m, zmq::recv_flags::dontwait)) return;
      frames.push_back(std::move(m));
      while (frames.back().more() && frames.size() < 8) {
        zmq::message_t part;
        if (!router_->recv(part, zmq::recv_flags::none)) break;
        frames.push_back(std::move(part));
      }
      while (frames.back().more()) {  // drain an over-long message
        zmq::message_t part;
        if (!router_->recv(part, zmq::recv_flags::none)) break;
        if (!part.more()) break;
      }
    } catch (const zmq::error_t& e) {
      spdlog::warn("broker: receive failed: {}", e.what());
      return;
    }
    // Packed framing: routing id + one frame. Legacy: routing id + command,
    // arguments and (PUB) envelope frames. framing.h has both.
    inbound_packed_ = frames.size() == 2;
    const std::string rid = frame_string(frames[0]);
    if (frames.size() < 2) continue;
    std::string_view name;
    ByteView args, envelope;
    bool has_envelope = false;
    if (inbound_packed_) {
      auto packed = split_packed_frame(frame_view(frames[1]));
      if (!packed.ok()) {
        if (frame_property(frames[1], "User-Id") != nullptr) send_error(rid, 0, ErrorCode::kMalformed, packed.status().message());
        continue;
      }
      name = packed->name;
      args = packed->args;
      envelope = packed->envelope;
      has_envelope = !envelope.empty();
    } else {
      name = std::string_view(static_cast<const char*>(frames[1].data()), frames[1].size());
      args = frame_view(frames[2]);
      if (frames.size() == 4) {
        envelope = frame_view(frames[3]);
        has_envelope = true;
      }
    }
    // Fail closed: every message must carry the ZAP User-Id.
    const char* user = frame_property(frames[1], "User-Id");
    if (user == nullptr || *user == '\0') {
      spdlog::warn("broker: dropped a message without User-Id");
      continue;
    }
    const int64_t now = now_ms();
    auto cmd = parse_command(name);
    auto it = sessions_.find(rid);
    if (cmd == Command::kHello) {
      HelloArgs h;
      if (Status st = decode_args(args, &h); !st.ok()) {
        send_error(rid, 0, ErrorCode::kMalformed, st.message());
        continue;
      }
      if (it != sessions_.end()) detach_session(it->second, "hello again");
      if (sessions_.size() >= static_cast<size_t>(config_.max_connections)) {
        refuse(nullptr, rid, 0, ErrorCode::kLimit, "broker: too many connections (limit " +
                                                         std::to_string(config_.max_connections) + ")");
        continue;
      }
      Session s;
      s.rid = rid;
      s.packed = inbound_packed_;
      s.name = user;
      s.card = bundle_.find(s.name);
      s.last_seen_ms = now;
      if (s.card == nullptr || s.card->revoked) {
        refuse(nullptr, rid, 0, ErrorCode::kForbidden, s.name + " is not an active participant");
        continue;
      }
      const char* addr = frame_property(frames[1], "Peer-Address");
      event_.begin("connect", 2).str("who", s.name).str("addr", addr ? addr : "");
      log_event(event_.bytes());
      auto [pos, _] = sessions_.emplace(rid, std::move(s));
      WelcomeArgs w;
      w.name = pos->second.name;
      w.bundle_serial = bundle_.serial;
      w.heartbeat_ms = static_cast<uint32_t>(config_.heartbeat_ms);
      encode_args(w, &args_buf_);
      send(rid, Command::kWelcome, args_buf_);
      continue;
    }
    if (it == sessions_.end()) {
      send_error(rid, 0, ErrorCode::kNotAuthenticated, "protocol: send HELLO first (session unknown or expired)");
      continue;
    }
    Session& s = it->second;
    if (s.name != user) {  // cannot happen with CURVE; fail closed anyway
      spdlog::warn("broker: User-Id changed on a session; dropping it");
      continue;
    }
    s.last_seen_ms = now;
    if (!cmd) {
      refuse(&s, rid, 0, ErrorCode::kMalformed, "protocol: unknown command");
      continue;
    }
    switch (*cmd) {
      case Command::kPing:
        encode_empty_args(&args_buf_);
        send(rid, Command::kPong, args_buf_);
        break;
      case Command::kPub:
        if (!has_envelope) {
          refuse(&s, rid, 0, ErrorCode::kMalformed, "protocol: PUB needs an envelope");
          break;
        }
        on_pub(s, args, envelope);
        break;
      case Command::kSub: on_sub(s, args); break;
      case Command::kUnsub: on_unsub(s, args); break;
      case Command::kAck: on_ack(s, args, false); break;
      case Command::kNack: on_ack(s, args, true); break;
      case Command::kBye: detach_session(s, "bye"); sessions_.erase(rid); break;
      default: refuse(&s, rid, 0, ErrorCode::kMalformed, "protocol: command not accepted by the broker"); break;
    }
  }
}

void BrokerImpl::handle_zap_events() {
  for (int i = 0; i < 256; ++i) {
    std::vector<std::string> parts;
    try {
      zmq::message_t m;
      if (!zap_events_->recv(m, zmq::recv_flags::dontwait)) return;
      parts.push_back(frame_string(m));
      while (m.more() && parts.size() < 3) {
        if (!zap_events_->recv(m, zmq::recv_flags::none)) break;
        parts.push_back(frame_string(m));
      }
    } catch (const zmq::error_t&) {
      return;
    }
    parts.resize(3);
    event_.begin("auth_failure", 3).str("key", parts[0]).str("addr", parts[1]).str("why", parts[2]);
    log_event(event_.bytes());
    spdlog::warn("authentication refused for key {} from {}: {}", parts[0], parts[1], parts[2]);
  }
}

void BrokerImpl::detach_session(Session& s, const char* why) {
  for (auto& [id, sub] : s.subs) {
    sub->attached = false;
    sub->rid.clear();
    if (!sub->durable.empty()) persist_cursor(*sub, true);
  }
  s.subs.clear();
  event_.begin("disconnect", 2).str("who", s.name).str("why", why);
  log_event(event_.bytes());
}

void BrokerImpl::sweep_sessions(int64_t now) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (now - it->second.last_seen_ms > config_.heartbeat_timeout_ms) {
      spdlog::info("{} silent for {} ms: session closed", it->second.name, now - it->second.last_seen_ms);
      detach_session(it->second, "heartbeat timeout");
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
  dedup_.expire(now);
}

void BrokerImpl::flush_event_batches(bool force) {
  if (delivered_.empty() && acked_.empty()) return;
  const int64_t now = monotonic_ms();
  if (events_since_ms_ == 0) events_since_ms_ = now;
  if (!force && now - events_since_ms_ < config_.event_batch_ms &&
      delivered_.size() + acked_.size() < kEventBatchItems)
    return;
  events_since_ms_ = 0;
  if (!delivered_.empty()) {
    event_.begin("delivery", 1).array("items", static_cast<uint32_t>(delivered_.size()));
    for (const auto& d : delivered_) {
      auto& p = event_.raw();
      p.pack_array(4);
      p.pack_str(static_cast<uint32_t>(d.who.size()));
      p.pack_str_body(d.who.data(), static_cast<uint32_t>(d.who.size()));
      p.pack_uint32(d.sub_id);
      p.pack_uint64(d.seq);
      p.pack_uint32(d.count);
    }
    log_event(event_.bytes());
    delivered_.clear();
  }
  if (!acked_.empty()) {
    event_.begin("ack", 1).array("items", static_cast<uint32_t>(acked_.size()));
    for (const auto& [who, seq] : acked_) {
      auto& p = event_.raw();
      p.pack_array(2);
      p.pack_str(static_cast<uint32_t>(who.size()));
      p.pack_str_body(who.data(), static_cast<uint32_t>(who.size()));
      p.pack_uint64(seq);
    }
    log_event(event_.bytes());
    acked_.clear();
  }
}

Status BrokerImpl::run(int stop_fd) {
  int64_t next_sweep = monotonic_ms() + 250;
  while (true) {
    // Wake in time to write the pending delivery and ack events.
    int timeout_ms = 20;
    if (events_since_ms_ != 0)
      timeout_ms = static_cast<int>(std::clamp<int64_t>(events_since_ms_ + config_.event_batch_ms - monotonic_ms(), 0, 20));
    zmq::pollitem_t items[] = {
        {router_->handle(), 0, ZMQ_POLLIN, 0},
        {zap_events_->handle(), 0, ZMQ_POLLIN, 0},
        {nullptr, log_->completion_fd(), ZMQ_POLLIN, 0},
        {nullptr, stop_fd, ZMQ_POLLIN, 0},
        {nullptr, verify_pool_->fd(), ZMQ_POLLIN, 0},
    };
    try {
      zmq::poll(items, 5, std::chrono::milliseconds(timeout_ms));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      return Status::IOError(std::string("broker: poll failed: ") + e.what());
    }
    if (items[3].revents & ZMQ_POLLIN) break;
    if (items[4].revents & ZMQ_POLLIN) handle_verified();
    if (items[2].revents & ZMQ_POLLIN) handle_completions();
    if (items[0].revents & ZMQ_POLLIN) handle_router();
    if (items[1].revents & ZMQ_POLLIN) handle_zap_events();
    const int64_t now = now_ms();
    pump_all(now);
    flush_event_batches(false);
    if (monotonic_ms() >= next_sweep) {
      sweep_sessions(now);
      next_sweep = monotonic_ms() + 250;
    }
  }
  spdlog::info("relais-broker stopping: syncing the log");
  // Authentication failures the ZAP thread is reporting go on record too.
  {
    zmq::pollitem_t item{zap_events_->handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(20));
    handle_zap_events();
  }
  // Messages already accepted are appended, and their acks go out, before we leave.
  verify_pool_->stop();  // joins the workers: every submitted check has a result
  handle_verified();
  const int64_t give_up = monotonic_ms() + 2000;
  while (!pending_.empty() && monotonic_ms() < give_up) {
    zmq::pollitem_t item{nullptr, log_->completion_fd(), ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(50));
    handle_completions();
  }
  for (auto& [key, sub] : durable_) persist_cursor(*sub, true);
  flush_event_batches(true);
  event_.begin("broker_stop", 0);
  log_event(event_.bytes());
  log_.reset();  // drains, syncs, final commit + checkpoint
  router_.reset();
  zap_events_.reset();
  if (zap_) zap_->stop();
  zap_.reset();
  ctx_.reset();
  spdlog::info("relais-broker stopped cleanly");
  return Status::Ok();
}

Broker::Broker(std::unique_ptr<BrokerImpl> impl) : impl_(std::move(impl)) {}
Broker::~Broker() = default;

Result<std::unique_ptr<Broker>> Broker::create(const BrokerConfig& config) {
  auto impl = std::make_unique<BrokerImpl>();
  impl->config_ = config;
  RELAIS_RETURN_IF_ERROR(impl->open());
  return std::unique_ptr<Broker>(new Broker(std::move(impl)));
}

Status Broker::start() { return impl_->start(); }
Status Broker::run(int stop_fd) { return impl_->run(stop_fd); }
std::string Broker::endpoint() const { return impl_->bound_endpoint_; }

Status check_broker_config(const std::string& config_path) {
  auto c = load_broker_config(config_path);
  if (!c.ok()) return c.status();
  std::vector<std::string> errors;
  auto id = load_identity(c->identity);
  if (!id.ok()) errors.push_back(config_path + ": broker.identity: " + id.status().message());
  auto b = load_bundle(c->bundle, c->authority_key);
  if (!b.ok()) errors.push_back(config_path + ": broker.bundle: " + b.status().message());
  if (id.ok() && b.ok()) {
    const PublicCard* me = b->broker();
    if (me == nullptr || me->link_pk != id->card.link_pk)
      errors.push_back(config_path + ": broker.identity is not the broker card of the bundle");
  }
  if (errors.empty()) return Status::Ok();
  std::string msg;
  for (const auto& e : errors) msg += (msg.empty() ? "" : "\n") + e;
  return Status::Config(msg);
}

}  // namespace relais
