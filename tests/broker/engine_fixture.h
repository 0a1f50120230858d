// An in-process broker engine for tests: real identities, a real signed
// bundle, a real Log in a temporary folder, and, in place of ZeroMQ and the
// system clock, a transport that records what the engine sends, a verifier
// that can hold its jobs, and a clock the test moves by hand.
//
// Waiting is on conditions only: run_until(fn) feeds the engine the log's
// completions and the verifier's results until fn() holds, polling the log's
// completion fd, and fails the test after a bounded real-time deadline.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <poll.h>
#include <string>
#include <unistd.h>
#include <vector>

#include "broker/engine.h"
#include "broker/event.h"
#include "broker/verify_pool.h"
#include "crypto/envelope.h"
#include "log/log.h"
#include "policy/sample_policy.h"
#include "receipt/receipt.h"
#include "util/clock.h"
#include "util/json_msgpack.h"

namespace relais::engine_test {

// The routing ids the engine tests give their sessions.
inline const std::string kPolice = "rid-police";
inline const std::string kCommission = "rid-commission";
inline const std::string kCommittee = "rid-committee";
inline const std::string kKozah = "rid-kozah";
inline const std::string kSocial = "rid-social";

namespace fs = std::filesystem;

inline constexpr int64_t kStartWall = 1796083200000;  // 2026-12-01T00:00:00Z

class FakeClock final : public Clock {
 public:
  int64_t now_ms() const override { return wall_; }
  int64_t monotonic_ms() const override { return mono_; }
  void advance(int64_t ms) {
    wall_ += ms;
    mono_ += ms;
  }

 private:
  int64_t wall_ = kStartWall;
  int64_t mono_ = 1000000;
};

struct Sent {
  std::string rid;
  Command cmd = Command::kError;
  Bytes args;
  Bytes extra;
};

class RecordingTransport final : public Transport {
 public:
  void send(const std::string& rid, Command cmd, ByteView args, ByteView extra) override {
    sent.push_back(Sent{rid, cmd, Bytes(args.begin(), args.end()), Bytes(extra.begin(), extra.end())});
  }
  std::vector<Sent> sent;
};

// Checks signatures for real (VerifyPool::check), at once or, while held,
// only when released: a publish then stays pending as long as the test wants.
class HeldVerifier final : public SignatureVerifier {
 public:
  void submit(const VerifyJob& job) override {
    if (hold) {
      held_.push_back(job);
    } else {
      done_.push_back(VerifyPool::check(job));
    }
  }
  void drain(std::vector<VerifyResult>* out) override {
    out->insert(out->end(), done_.begin(), done_.end());
    done_.clear();
  }
  void stop() override { release(); }
  void release() {
    for (const auto& j : held_) done_.push_back(VerifyPool::check(j));
    held_.clear();
  }
  size_t held() const { return held_.size(); }
  bool hold = false;

 private:
  std::vector<VerifyJob> held_;
  std::vector<VerifyResult> done_;
};

struct Event {
  uint64_t seq = 0;
  nlohmann::json body;
  std::string kind() const { return body.value("event", ""); }
};

class EngineFixture {
 public:
  // extra_rules are appended to the sample policy of every bundle the
  // fixture signs.
  explicit EngineFixture(const std::function<void(BrokerConfig&)>& tweak = {}, std::string extra_rules = {})
      : policy_extra(std::move(extra_rules)),
        authority(make("authority", Role::kAuthority, "", "")),
        broker(make("broker", Role::kBroker, "", "")),
        police(make("police.golfe", Role::kPolice, "maritime", "golfe")),
        commission(make("commission", Role::kCommission, "", "")),
        committee(make("committee.golfe", Role::kCommittee, "maritime", "golfe")),
        kozah(make("committee.kozah", Role::kCommittee, "kara", "kozah")),
        social(make("social.golfe", Role::kSocial, "maritime", "golfe")),
        stranger(make("ngo.unknown", Role::kNgo, "maritime", "golfe")) {
    bundle = std::make_shared<const TrustBundle>(parsed(signed_bundle(7, {})));
    std::string tmpl = (fs::temp_directory_path() / "relais-engine-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
    config.data_dir = dir + "/data";
    config.authority_key = authority.card.sign_pk;
    config.verify_threads = 0;
    config.event_batch_ms = 0;
    if (tweak) tweak(config);
    open();
  }
  ~EngineFixture() {
    close();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  // The bundle file of the fixture's participants at `serial`, signed by
  // the authority, with `revoked` marked revoked (and `cards` in place of
  // the usual ones when given).
  Bytes signed_bundle(uint64_t serial, const std::vector<std::string>& revoked,
                      std::vector<PublicCard> cards = {}, const std::string& extra_policy = {}) const {
    if (cards.empty()) cards = {broker.card, police.card, commission.card, committee.card, kozah.card, social.card};
    const std::string policy = std::string(sample_policy_toml()) + policy_extra + extra_policy;
    auto bytes = build_bundle(authority, cards, policy, serial, kStartWall - 86400000, revoked);
    REQUIRE(bytes.ok());
    return std::move(*bytes);
  }
  TrustBundle parsed(const Bytes& file) const {
    auto b = parse_bundle(file, authority.card.sign_pk, "test.bundle");
    REQUIRE(b.ok());
    return std::move(*b);
  }

  static Identity make(const char* name, Role role, const char* region, const char* prefecture) {
    auto id = generate_identity(name, role, region, prefecture);
    REQUIRE(id.ok());
    return std::move(*id);
  }

  void open() {
    std::error_code ec;
    fs::create_directories(config.data_dir, ec);
    LogOptions lo;
    lo.dir = config.data_dir;
    lo.sync = SyncPolicy::kNone;
    auto l = Log::open(lo, broker.sign_sk);
    REQUIRE(l.ok());
    log = std::move(*l);
    engine = std::make_unique<BrokerEngine>(config, broker, bundle, *log, transport, verifier, clock);
    REQUIRE(engine->start("inproc://test").ok());
  }

  // The clean stop of broker.cpp, then the log closed.
  void close() {
    if (!engine) return;
    engine->begin_stop();
    run_until([&] { return !engine->has_pending_publishes(); });
    engine->finish_stop();
    engine.reset();
    log.reset();
  }

  void restart() {
    close();
    transport.sent.clear();
    open();
  }

  // Feeds the engine until fn() holds; false after 10 s of real time.
  bool run_until(const std::function<bool()>& fn) {
    const int64_t deadline = relais::monotonic_ms() + 10000;
    while (true) {
      engine->on_verified();
      engine->on_proofs();
      engine->on_log_completions();
      engine->tick();
      if (fn()) return true;
      if (relais::monotonic_ms() > deadline) return false;
      pollfd p{log->completion_fd(), POLLIN, 0};
      ::poll(&p, 1, 20);
    }
  }

  void message(const std::string& rid, const std::string& user, Command cmd, const Bytes& args,
               const Bytes* envelope = nullptr) {
    InboundMessage m;
    m.rid = rid;
    m.user = user;
    m.peer_address = "127.0.0.1";
    m.command = command_name(cmd);
    m.args = args;
    if (envelope) {
      m.envelope = *envelope;
      m.has_envelope = true;
    }
    engine->on_message(m);
  }
  template <class Args>
  void command(const std::string& rid, const std::string& user, Command cmd, const Args& a,
               const Bytes* envelope = nullptr) {
    Bytes args;
    encode_args(a, &args);
    message(rid, user, cmd, args, envelope);
  }
  void hello(const std::string& rid, const std::string& user) {
    command(rid, user, Command::kHello, HelloArgs{kProtocolVersion, bundle->serial});
  }
  void publish(const std::string& rid, const std::string& user, uint64_t req_id, const Bytes& envelope) {
    command(rid, user, Command::kPub, PubArgs{req_id}, &envelope);
  }
  void subscribe(const std::string& rid, const std::string& user, uint32_t sub_id, const std::string& pattern,
                 const std::string& from = "first", const std::string& durable = "", uint32_t flags = 0) {
    SubArgs a;
    a.req_id = 100 + sub_id;
    a.sub_id = sub_id;
    a.pattern = pattern;
    a.from = from;
    a.durable = durable;
    a.flags = flags;
    command(rid, user, Command::kSub, a);
  }
  void ack(const std::string& rid, const std::string& user, uint32_t sub_id, uint64_t seq) {
    AckArgs a;
    a.sub_id = sub_id;
    a.seq = seq;
    command(rid, user, Command::kAck, a);
  }

  // An alert from `from` on alert.<kind>.maritime.golfe, sealed to the
  // policy's readers of that topic under the bundle.
  Bytes alert(const Identity& from, const std::function<void(SealParams&)>& tweak = {},
              const SecretBytes* signer = nullptr, size_t note_bytes = 4) {
    SealParams p;
    p.from = from.card.name;
    p.topic = "alert.missing_child.maritime.golfe";
    p.type = "alert/1";
    p.ts_ms = clock.now_ms();
    p.expires_ms = p.ts_ms + 86400000;
    p.bundle_serial = bundle->serial;
    if (tweak) tweak(p);
    if (p.readers.empty())
      for (const auto& name : bundle->policy.readers(p.topic, bundle->participants))
        p.readers.emplace_back(name, bundle->find(name)->seal_pk);
    auto body = json_to_msgpack(nlohmann::json{{"note", std::string(note_bytes, 'n')}}.dump());
    REQUIRE(body.ok());
    auto env = seal_envelope(p, *body, signer ? *signer : from.sign_sk);
    REQUIRE(env.ok());
    return std::move(*env);
  }

  // What was sent to rid with cmd, decoded.
  template <class Args>
  std::vector<Args> replies(const std::string& rid, Command cmd) const {
    std::vector<Args> out;
    for (const auto& s : transport.sent) {
      if (s.rid != rid || s.cmd != cmd) continue;
      Args a;
      REQUIRE(decode_args(s.args, &a).ok());
      out.push_back(std::move(a));
    }
    return out;
  }
  size_t count(const std::string& rid, Command cmd) const {
    size_t n = 0;
    for (const auto& s : transport.sent) n += s.rid == rid && s.cmd == cmd;
    return n;
  }
  std::vector<ErrorArgs> errors(const std::string& rid) const { return replies<ErrorArgs>(rid, Command::kError); }
  std::vector<MsgArgs> msgs(const std::string& rid) const { return replies<MsgArgs>(rid, Command::kMsg); }
  std::vector<PubAckArgs> pubacks(const std::string& rid) const {
    return replies<PubAckArgs>(rid, Command::kPubAck);
  }

  // Every durable event record, decoded.
  std::vector<Event> events() const {
    std::vector<Event> out;
    for (uint64_t seq = 1; seq <= log->last_durable_seq(); ++seq) {
      auto rec = log->read(seq);
      if (!rec.ok() || rec->kind != RecordKind::kEvent) continue;
      auto j = msgpack_to_json(rec->payload);
      REQUIRE(j.ok());
      out.push_back(Event{seq, std::move(*j)});
    }
    return out;
  }
  std::vector<Event> events_of(const std::string& kind) const {
    std::vector<Event> out;
    for (auto& e : events())
      if (e.kind() == kind) out.push_back(std::move(e));
    return out;
  }

  std::string policy_extra;
  Identity authority, broker, police, commission, committee, kozah, social, stranger;
  std::shared_ptr<const TrustBundle> bundle;
  std::string dir;
  BrokerConfig config;
  FakeClock clock;
  RecordingTransport transport;
  HeldVerifier verifier;
  std::unique_ptr<Log> log;
  std::unique_ptr<BrokerEngine> engine;
};

}  // namespace relais::engine_test
