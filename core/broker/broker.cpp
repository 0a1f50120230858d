// The broker's ZeroMQ adapter: it opens what the engine needs (identity,
// bundle, log, verifier), binds the CURVE ROUTER behind the ZAP handler, and
// runs the poll loop that feeds received frames, ZAP failures, verifier
// results, log completions and time into the BrokerEngine and sends what the
// engine answers. Everything the broker decides is in the engine.
#include "broker/broker.h"

#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <zmq.hpp>

#include "broker/broker_trust.h"
#include "broker/dedup_key.h"
#include "broker/engine.h"
#include "broker/metrics.h"
#include "broker/metrics_endpoint.h"
#include "broker/reload_control.h"
#include "broker/verify_pool.h"
#include "net/framing.h"
#include "net/zap_handler.h"
#include "policy/serial_state.h"
#include "util/clock.h"
#include "broker/log_options.h"
#include "util/files.h"
#include "util/no_core_dumps.h"

namespace relais {
namespace {

// zmq_msg_gets without cppzmq's throwing wrapper: nullptr when absent.
const char* frame_property(const zmq::message_t& m, const char* name) { return zmq_msg_gets(m.handle(), name); }

ByteView frame_view(const zmq::message_t& m) { return ByteView(static_cast<const uint8_t*>(m.data()), m.size()); }

// Sends on the ROUTER, never blocking: a peer that cannot take more is
// dropped by ZeroMQ, and the agent retries.
class ZmqTransport final : public Transport {
 public:
  void bind_socket(zmq::socket_t* router) { router_ = router; }
  // Counts what it sends (BrokerCounters::count_sent).
  void bind_counters(BrokerCounters* c) { counters_ = c; }
  void send(const std::string& rid, Command cmd, ByteView args, ByteView extra) override {
    if (counters_ != nullptr) counters_->count_sent(cmd, args);
    try {
      router_->send(zmq::buffer(rid), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
      zmq::message_t frame(packed_frame_size(cmd, args, extra));
      pack_frame_into(cmd, args, extra, static_cast<uint8_t*>(frame.data()));
      router_->send(frame, zmq::send_flags::dontwait);
    } catch (const zmq::error_t& e) {
      spdlog::debug("broker: send failed: {}", e.what());
    }
  }

 private:
  zmq::socket_t* router_ = nullptr;
  BrokerCounters* counters_ = nullptr;
};

// Reads every pending siginfo of a signalfd; true if there was one.
bool drain_signals(int fd) {
  bool any = false;
  signalfd_siginfo info;
  while (::read(fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) any = true;
  return any;
}

}  // namespace

// The ZAP handler as the engine's Gatekeeper.
class ZapGatekeeper final : public Gatekeeper {
 public:
  void bind(ZapHandler* zap) { zap_ = zap; }
  void allow(std::map<PublicKey, std::string> allowlist) override {
    if (zap_ != nullptr) zap_->set_allowlist(std::move(allowlist));
  }

 private:
  ZapHandler* zap_ = nullptr;
};

class BrokerImpl {
 public:
  explicit BrokerImpl(const BrokerConfig& config) : config_(config) {}
  ~BrokerImpl();
  BrokerImpl(const BrokerImpl&) = delete;
  BrokerImpl& operator=(const BrokerImpl&) = delete;

  Status open();
  Status start();
  Status run(int stop_fd, int reload_fd);
  const std::string& endpoint() const { return endpoint_; }
  void set_listener(LifecycleListener* l) { listener_ = l; }
  void set_bundle_reader(Broker::BundleReader r) { bundle_reader_ = std::move(r); }

 private:
  void receive_frames();
  void receive_auth_failures();
  // A reload (SIGHUP): the bundle is read and checked on reload_thread_
  // (BrokerEngine::prepare_reload), then put in force on this thread when
  // reload_done_fd_ is readable. One at a time; a SIGHUP meanwhile asks for
  // another once this one is done.
  void begin_reload();
  void finish_reload();
  Status start_metrics();
  // fresh_list: re-read the per-subscription list now (a scrape asked),
  // else it is re-read at most every kDurablesRefreshMs.
  MetricsSnapshot snapshot(bool fresh_list);
  void publish_metrics(bool force);

  BrokerConfig config_;
  SystemClock clock_;
  Identity identity_;
  std::shared_ptr<const TrustBundle> bundle_;
  std::unique_ptr<Log> log_;
  std::unique_ptr<VerifyPool> verify_pool_;
  ZmqTransport transport_;
  std::unique_ptr<BrokerEngine> engine_;  // after what it refers to
  std::unique_ptr<zmq::context_t> ctx_;
  std::unique_ptr<zmq::socket_t> router_;
  std::unique_ptr<zmq::socket_t> zap_events_;
  std::unique_ptr<ZapHandler> zap_;
  ZapGatekeeper gatekeeper_;
  LifecycleListener* listener_ = nullptr;
  Broker::BundleReader bundle_reader_ = [](const std::string& path) { return read_file(path, kMaxBundleBytes); };
  uint64_t reloads_ = 0;  // reloads handled by this process
  std::thread reload_thread_;
  int reload_done_fd_ = -1;  // eventfd, written by reload_thread_ when it is done
  BrokerEngine::PreparedReload prepared_;  // written by reload_thread_, read after join
  bool reload_in_flight_ = false;
  bool reload_again_ = false;
  // Metrics (metrics.h): counted here, published to the board for the HTTP
  // server's thread at most every kMetricsPublishMs or when a scrape asks.
  static constexpr int64_t kMetricsPublishMs = 500;
  BrokerCounters counters_;
  MetricsBoard board_;
  std::unique_ptr<MetricsEndpoint> metrics_;
  static constexpr int64_t kDurablesRefreshMs = 5000;
  std::vector<DurableStatus> durables_;  // the last list snapshot() took
  int64_t next_durables_ms_ = 0;
  uint64_t durables_generation_ = 0;  // durable_names_generation() when taken
  int64_t started_ms_ = 0;
  int64_t next_publish_ms_ = 0;
  std::string endpoint_;
  std::vector<zmq::message_t> frames_;  // one received message, reused
  InboundMessage inbound_;              // reused
};

BrokerImpl::~BrokerImpl() {
  if (reload_thread_.joinable()) reload_thread_.join();
  if (reload_done_fd_ >= 0) ::close(reload_done_fd_);
}

Status BrokerImpl::open() {
  // Secrets must not end up in core files (util/no_core_dumps.h).
  if (Status s = disable_core_dumps(); !s.ok()) spdlog::warn("broker: {}", s.message());
  reload_done_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (reload_done_fd_ < 0) return Status::IOError(std::string("broker: cannot create an eventfd: ") + std::strerror(errno));
  auto trust = load_broker_trust(config_);
  if (!trust.ok()) return trust.status();
  identity_ = std::move(trust->identity);
  bundle_ = std::move(trust->bundle);
  RELAIS_RETURN_IF_ERROR(make_dirs(config_.data_dir, 0700));
  RELAIS_RETURN_IF_ERROR(
      check_and_record_serial(bundle_serial_file(config_), bundle_->serial, config_.bundle).with_prefix("broker"));
  LogOptions lo = broker_log_options(config_);
  auto log = Log::open(lo, identity_.sign_sk);
  if (!log.ok()) return log.status();
  log_ = std::move(log).value();
  verify_pool_ = std::make_unique<VerifyPool>(static_cast<unsigned>(config_.verify_threads));
  engine_ = std::make_unique<BrokerEngine>(config_, identity_, bundle_, *log_, transport_, *verify_pool_, clock_);
  return Status::Ok();
}

Status BrokerImpl::start() {
  started_ms_ = clock_.now_ms();
  transport_.bind_counters(&counters_);
  ctx_ = std::make_unique<zmq::context_t>(1);
  zap_events_ = std::make_unique<zmq::socket_t>(*ctx_, zmq::socket_type::pull);
  zap_events_->set(zmq::sockopt::linger, 0);
  zap_events_->bind(kZapEventsEndpoint);
  zap_ = std::make_unique<ZapHandler>(*ctx_, zap_allowlist(*bundle_));
  RELAIS_RETURN_IF_ERROR(zap_->start());  // before the bind, always
  gatekeeper_.bind(zap_.get());
  engine_->set_gatekeeper(&gatekeeper_);
  router_ = std::make_unique<zmq::socket_t>(*ctx_, zmq::socket_type::router);
  RELAIS_RETURN_IF_ERROR(configure_curve_server(*router_, identity_.link_sk.data()));
  try {
    router_->set(zmq::sockopt::linger, 0);
    router_->set(zmq::sockopt::maxmsgsize, config_.max_frame_bytes + 4096);
    router_->set(zmq::sockopt::sndhwm, 100000);
    router_->set(zmq::sockopt::rcvhwm, 100000);
    router_->bind(config_.endpoint);
    endpoint_ = router_->get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return Status::Config("broker: cannot bind " + config_.endpoint + ": " + e.what() +
                          " (is another broker running on that port?)");
  }
  transport_.bind_socket(router_.get());
  RELAIS_RETURN_IF_ERROR(engine_->start(endpoint_));
  if (Status st = write_broker_pid(config_); !st.ok())
    spdlog::warn("broker: {} (relais-broker --reload will not find this broker; SIGHUP still reloads)", st.message());
  RELAIS_RETURN_IF_ERROR(start_metrics());  // logged before "ready on"
  spdlog::info("relais-broker ready on {} (bundle serial {}, {} participants, data {})", endpoint_, bundle_->serial,
               bundle_->participants.size(), config_.data_dir);
  if (listener_ != nullptr) listener_->ready(endpoint_, bundle_->serial);
  return Status::Ok();
}

void BrokerImpl::receive_frames() {
  // Bounded burst: other work (completions, timers) gets its turn.
  for (int burst = 0; burst < 256; ++burst) {
    std::vector<zmq::message_t>& frames = frames_;
    frames.clear();
    try {
      zmq::message_t m;
      if (!router_->recv(m, zmq::recv_flags::dontwait)) return;
      frames.push_back(std::move(m));
      while (frames.back().more() && frames.size() < 3) {
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
    if (frames.size() < 2) continue;
    // Routing id + one packed frame (net/framing.h); anything longer is
    // answered malformed.
    InboundMessage& in = inbound_;
    in.rid.assign(static_cast<const char*>(frames[0].data()), frames[0].size());
    const char* user = frame_property(frames[1], "User-Id");
    if (frames.size() != 2) {
      engine_->on_undecodable(in.rid, user != nullptr, "protocol: send each command as one frame (docs/protocol.md)");
      continue;
    }
    in.user = user ? std::string_view(user) : std::string_view();
    const char* addr = frame_property(frames[1], "Peer-Address");
    in.peer_address = addr ? std::string_view(addr) : std::string_view();
    auto packed = split_packed_frame(frame_view(frames[1]));
    if (!packed.ok()) {
      engine_->on_undecodable(in.rid, user != nullptr, packed.status().message());
      continue;
    }
    in.command = packed->name;
    if (in.command == "ACK") ++counters_.acks;
    else if (in.command == "NACK") ++counters_.nacks;
    in.args = packed->args;
    in.envelope = packed->envelope;
    in.has_envelope = !in.envelope.empty();
    engine_->on_message(in);
  }
}

void BrokerImpl::receive_auth_failures() {
  for (int i = 0; i < 256; ++i) {
    std::vector<std::string> parts;
    try {
      zmq::message_t m;
      if (!zap_events_->recv(m, zmq::recv_flags::dontwait)) return;
      parts.emplace_back(static_cast<const char*>(m.data()), m.size());
      while (m.more() && parts.size() < 3) {
        if (!zap_events_->recv(m, zmq::recv_flags::none)) break;
        parts.emplace_back(static_cast<const char*>(m.data()), m.size());
      }
    } catch (const zmq::error_t&) {
      return;
    }
    parts.resize(3);
    ++counters_.auth_failures;
    engine_->on_auth_failure(parts[0], parts[1], parts[2]);
  }
}

MetricsSnapshot BrokerImpl::snapshot(bool fresh_list) {
  MetricsSnapshot m;
  m.counters = counters_;
  m.taken_ms = clock_.now_ms();
  m.started_ms = started_ms_;
  m.sessions = engine_->session_count();
  const BrokerEngine::ByteAccounting b = engine_->bytes();
  m.cache_bytes = b.cache;
  m.pending_bytes = b.pending;
  m.in_flight_bytes = b.in_flight;
  m.bundle_serial = engine_->bundle().serial;
  m.dead_letters = engine_->dead_letters();
  // The per-subscription list may read cursor files: read when a scrape asks,
  // else every kDurablesRefreshMs at most.
  const int64_t mono = clock_.monotonic_ms();
  // A name created or removed (a mailbox opened with a bundle) is listed at
  // once.
  const uint64_t generation = engine_->durable_names_generation();
  if (fresh_list || mono >= next_durables_ms_ || generation != durables_generation_) {
    durables_ = engine_->durable_status();
    durables_generation_ = generation;
    next_durables_ms_ = mono + kDurablesRefreshMs;
  }
  m.durables = durables_;
  m.last_durable_seq = log_->last_durable_seq();
  if (auto cp = log_->latest_checkpoint()) m.checkpoint_ts_ms = cp->ts_ms;
  return m;
}

void BrokerImpl::publish_metrics(bool force) {
  if (!metrics_) return;
  const int64_t now = clock_.monotonic_ms();
  const bool asked = board_.take_request();
  if (!force && !asked && now < next_publish_ms_) return;
  next_publish_ms_ = now + kMetricsPublishMs;
  board_.publish(snapshot(asked));
}

Status BrokerImpl::start_metrics() {
  if (config_.metrics_listen.empty()) return Status::Ok();
  metrics_ =
      std::make_unique<MetricsEndpoint>(board_, *log_, engine_->publish_stages(), config_.data_dir, kMetricsPublishMs);
  publish_metrics(true);
  Status st = metrics_->start(config_.metrics_listen);
  if (!st.ok()) metrics_.reset();
  return st;
}

void BrokerImpl::begin_reload() {
  if (reload_in_flight_) {
    reload_again_ = true;
    return;
  }
  spdlog::info("broker: reloading {}", config_.bundle);
  if (listener_ != nullptr) listener_->reloading();
  reload_in_flight_ = true;
  reload_thread_ = std::thread([this, base = engine_->bundle_in_force()]() mutable {
    prepared_ = engine_->prepare_reload(bundle_reader_(config_.bundle), config_.bundle, std::move(base));
    const uint64_t one = 1;
    while (::write(reload_done_fd_, &one, sizeof one) < 0 && errno == EINTR) {
    }
  });
}

void BrokerImpl::finish_reload() {
  if (!reload_in_flight_) return;
  reload_thread_.join();
  uint64_t n = 0;
  while (::read(reload_done_fd_, &n, sizeof n) < 0 && errno == EINTR) {
  }
  reload_in_flight_ = false;
  const BrokerEngine::ReloadOutcome out = engine_->apply_reload(std::move(prepared_));
  prepared_ = {};
  write_reload_status(config_, ++reloads_, out.accepted, out.serial, out.why);
  if (listener_ != nullptr) listener_->reloaded(out.accepted, engine_->bundle().serial);
  if (reload_again_) {
    reload_again_ = false;
    begin_reload();
  }
}

Status BrokerImpl::run(int stop_fd, int reload_fd) {
  while (true) {
    zmq::pollitem_t items[] = {
        {router_->handle(), 0, ZMQ_POLLIN, 0},
        {zap_events_->handle(), 0, ZMQ_POLLIN, 0},
        {nullptr, log_->completion_fd(), ZMQ_POLLIN, 0},
        {nullptr, stop_fd, ZMQ_POLLIN, 0},
        {nullptr, verify_pool_->fd(), ZMQ_POLLIN, 0},
        {nullptr, engine_->proof_fd(), ZMQ_POLLIN, 0},
        {nullptr, reload_done_fd_, ZMQ_POLLIN, 0},
        {nullptr, reload_fd, ZMQ_POLLIN, 0},
    };
    try {
      zmq::poll(items, reload_fd >= 0 ? 8 : 7, std::chrono::milliseconds(engine_->poll_timeout_ms(20)));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      return Status::IOError(std::string("broker: poll failed: ") + e.what());
    }
    if (items[3].revents & ZMQ_POLLIN) break;
    // A reload is a barrier between two inbound messages (engine.h); signals
    // that came together are one reload.
    if (reload_fd >= 0 && (items[7].revents & ZMQ_POLLIN) && drain_signals(reload_fd)) begin_reload();
    if (items[6].revents & ZMQ_POLLIN) finish_reload();
    if (items[4].revents & ZMQ_POLLIN) engine_->on_verified();
    if (items[5].revents & ZMQ_POLLIN) engine_->on_proofs();
    if (items[2].revents & ZMQ_POLLIN) engine_->on_log_completions();
    if (items[0].revents & ZMQ_POLLIN) receive_frames();
    if (items[1].revents & ZMQ_POLLIN) receive_auth_failures();
    engine_->tick();
    publish_metrics(false);
  }
  // A reload under way when the stop came is finished (its serial is
  // already on record), so that the log says which bundle was in force.
  reload_again_ = false;
  finish_reload();
  if (listener_ != nullptr) listener_->stopping();
  metrics_.reset();  // its handlers read log_ and board_
  spdlog::info("relais-broker stopping: syncing the log");
  // Authentication failures the ZAP thread is reporting go on record too.
  {
    zmq::pollitem_t item{zap_events_->handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(20));
    receive_auth_failures();
  }
  // Messages already accepted are appended, and their acks go out, before we leave.
  engine_->begin_stop();
  const int64_t give_up = clock_.monotonic_ms() + 2000;
  while (engine_->has_pending_publishes() && clock_.monotonic_ms() < give_up) {
    zmq::pollitem_t item{nullptr, log_->completion_fd(), ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(50));
    engine_->on_log_completions();
  }
  engine_->finish_stop();
  engine_->set_gatekeeper(nullptr);
  engine_.reset();
  log_.reset();  // drains, syncs, final commit + checkpoint
  router_.reset();
  zap_events_.reset();
  if (zap_) zap_->stop();
  zap_.reset();
  ctx_.reset();
  remove_broker_pid(config_);
  spdlog::info("relais-broker stopped cleanly");
  return Status::Ok();
}

Broker::Broker(std::unique_ptr<BrokerImpl> impl) : impl_(std::move(impl)) {}
Broker::~Broker() = default;

Result<std::unique_ptr<Broker>> Broker::create(const BrokerConfig& config) {
  auto impl = std::make_unique<BrokerImpl>(config);
  RELAIS_RETURN_IF_ERROR(impl->open());
  return std::unique_ptr<Broker>(new Broker(std::move(impl)));
}

Status Broker::start() { return impl_->start(); }
Status Broker::run(int stop_fd, int reload_fd) { return impl_->run(stop_fd, reload_fd); }
std::string Broker::endpoint() const { return impl_->endpoint(); }
void Broker::set_lifecycle_listener(LifecycleListener* listener) { impl_->set_listener(listener); }
void Broker::set_bundle_reader(BundleReader reader) { impl_->set_bundle_reader(std::move(reader)); }

Status check_broker_config(const std::string& config_path) {
  auto c = load_broker_config(config_path);
  if (!c.ok()) return c.status();
  auto t = load_broker_trust(*c);
  return t.ok() ? Status::Ok() : t.status();
}

}  // namespace relais
