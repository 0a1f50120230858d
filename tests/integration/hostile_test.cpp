// A running broker under attack while a legitimate publisher and
// subscriber keep exchanging messages. Their traffic must keep flowing and
// none of it may be lost; the broker answers or drops each attack, records
// it, and stays up.
#include <arpa/inet.h>
#include <atomic>
#include <catch2/catch.hpp>
#include <netinet/in.h>
#include <set>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <zmq.hpp>

#include "agent/agent.h"
#include "agent/broker_client.h"
#include "crypto/envelope.h"
#include "deployment.h"
#include "util/clock.h"
#include "util/json_msgpack.h"

using namespace relais;
using namespace relais::test;

namespace {


Bytes sealed(const AgentContext& ctx, const std::string& tag, const std::function<void(SealParams&)>& tweak) {
  SealParams p;
  p.from = ctx.identity.card.name;
  p.topic = kAlertTopic;
  p.type = "alert/1";
  p.bundle_serial = ctx.bundle.serial;
  p.ts_ms = now_ms();
  p.expires_ms = p.ts_ms + 60000;
  tweak(p);
  // The policy's readers of whatever topic the tweak chose.
  for (const auto& n : ctx.bundle.policy.readers(p.topic, ctx.bundle.participants))
    p.readers.emplace_back(n, ctx.bundle.find(n)->seal_pk);
  auto body = json_to_msgpack(alert_with(tag));
  REQUIRE(body.ok());
  auto env = seal_envelope(p, *body, ctx.identity.sign_sk);
  REQUIRE(env.ok());
  return std::move(env).value();
}

void raw_tcp_garbage(int port) {
  for (int i = 0; i < 20; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
      std::string junk(4096, static_cast<char>(0xff));
      for (size_t k = 0; k < junk.size(); ++k) junk[k] = static_cast<char>((k * 7919 + i) & 0xff);
      (void)!write(fd, junk.data(), junk.size());
    }
    close(fd);
  }
}

// One packed frame by hand (docs/protocol.md §Frames), with any name.
std::string packed(const std::string& name, const std::string& args, const std::string& envelope = {}) {
  std::string f(1, static_cast<char>(name.size()));
  f += name;
  for (int i = 0; i < 4; ++i) f += static_cast<char>((args.size() >> (8 * i)) & 0xff);
  return f + args + envelope;
}

// Sends raw frames (one message) as an authorised DEALER (CURVE with a real participant
// key) and waits until the broker has dealt with them: it answers (WELCOME,
// ERROR) or drops the connection (a frame over its size limit).
void send_frames(const AgentContext& ctx, const std::vector<std::string>& frames) {
  zmq::context_t zctx;
  zmq::socket_t s(zctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 500);
  s.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(ctx.bundle.broker()->link_pk.data(), 32));
  s.set(zmq::sockopt::curve_publickey, zmq::const_buffer(ctx.identity.card.link_pk.data(), 32));
  s.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(ctx.identity.link_sk.data(), 32));
  s.set(zmq::sockopt::reconnect_ivl, -1);  // one connection: a drop is the broker's answer
  REQUIRE(zmq_socket_monitor(s.handle(), "inproc://send-frames-monitor", ZMQ_EVENT_DISCONNECTED) == 0);
  zmq::socket_t monitor(zctx, zmq::socket_type::pair);
  monitor.set(zmq::sockopt::linger, 0);
  monitor.connect("inproc://send-frames-monitor");
  s.connect(ctx.config.broker);
  for (size_t i = 0; i < frames.size(); ++i)
    s.send(zmq::buffer(frames[i]), i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  const bool handled = eventually(10000, 0, [&] {
    zmq::pollitem_t items[] = {{s.handle(), 0, ZMQ_POLLIN, 0}, {monitor.handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 2, std::chrono::milliseconds(50));
    return ((items[0].revents | items[1].revents) & ZMQ_POLLIN) != 0;
  });
  INFO("frames starting with " << frames.front());
  CHECK(handled);
  zmq_socket_monitor(s.handle(), nullptr, 0);
}

}  // namespace

TEST_CASE("legitimate traffic flows and nothing is lost while the broker is attacked", "[integration][hostile]") {
  Deployment d;
  d.set_broker_option("limits", "max_frame_bytes", "65536");
  d.set_broker_option("limits", "max_body", "32768");
  d.set_broker_option("limits", "max_subscriptions", "8");
  d.start_broker();
  auto police = context_for(d, "police.golfe");
  auto police_kozah = context_for(d, "police.kozah");
  auto commission = context_for(d, "commission");

  const int kMessages = 150;
  ChildProcess reader;
  const std::string out = d.dir() + "/commission.out";
  d.start_subscriber(reader, "commission",
                     {"--topic", "alert.>", "--durable", "legit", "--count", std::to_string(kMessages), "--timeout", "120"}, out);

  std::atomic<bool> publishing{true};
  std::set<std::string> acked;
  std::thread legit([&] {
    BrokerClient c(police->config.broker, police->identity, police->bundle.broker()->link_pk, police->bundle.serial, 500);
    if (!c.connect(monotonic_ms() + 10000).ok()) return;
    for (int i = 0; i < kMessages; ++i) {
      Bytes env = sealed(*police, "legit" + std::to_string(i), [](SealParams&) {});
      auto r = c.publish(env, monotonic_ms() + 20000);
      if (r.ok()) acked.insert(uuid_to_string(decode_envelope(env)->header.id));
      // Pacing, not a wait for a condition: spreads the legitimate traffic
      // over the whole time the attacks below run.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    publishing = false;
  });

  // The attacks, all while the legitimate exchange runs.
  raw_tcp_garbage(d.port());
  {  // a CURVE client with an unknown key
    auto rogue = generate_identity("police.rogue", Role::kPolice, "maritime", "golfe");
    REQUIRE(rogue.ok());
    BrokerClient c(police->config.broker, *rogue, police->bundle.broker()->link_pk, 1, 300);
    CHECK(c.connect(monotonic_ms() + 3000).code() == Code::kRefused);
  }
  // an authorised client sending malformed frames and an oversized frame
  send_frames(*police_kozah, {packed("HELLO", std::string("\x92\x01\x01", 3))});
  send_frames(*police_kozah, {packed("PUB", "")});
  send_frames(*police_kozah, {packed("PUB", std::string("\xc1", 1), "garbage")});
  send_frames(*police_kozah, {packed("NOPE", std::string("\x90", 1))});
  send_frames(*police_kozah, {std::string("\x05HEL", 4)});  // shorter than its own lengths
  // a command over several frames (the framing of early versions, removed): answered malformed
  send_frames(*police_kozah, {"HELLO", std::string("\x92\x01\x01", 3)});
  // a frame over max_frame_bytes: the connection is dropped
  send_frames(*police_kozah, {packed("PUB", std::string("\x91\x01", 2), std::string(200000, 'x'))});
  {
    auto client = client_for(*police_kozah);
    BrokerClient& c = *client;
    // an oversized envelope frame (over max_frame_bytes, under libzmq's cut-off)
    Bytes big(60000, 0x90);
    auto r = c.publish(Bytes(70000, 0x90), monotonic_ms() + 3000);
    CHECK_FALSE(r.ok());
    auto r2 = c.publish(big, monotonic_ms() + 3000);
    CHECK_FALSE(r2.ok());
    // a flood of subscriptions: the limit answers
    int refused = 0;
    for (uint32_t i = 1; i <= 20; ++i) {
      SubArgs a;
      a.sub_id = i;
      a.pattern = "alert.*.kara.kozah";
      Status s = c.subscribe(a, monotonic_ms() + 3000);
      if (!s.ok()) {
        ++refused;
        CHECK_THAT(s.message(), Catch::Contains("too many subscriptions"));
      }
    }
    CHECK(refused == 12);
    // publishes to forbidden topics
    auto f = c.publish(sealed(*police_kozah, "forbidden", [](SealParams& p) { p.topic = "stats.golfe"; }), monotonic_ms() + 3000);
    CHECK_THAT(f.status().message(), Catch::Contains("may not publish on stats.golfe"));
    // an envelope signed by another sender (police.golfe's envelope, sent by police.kozah)
    auto other = c.publish(sealed(*police, "other", [](SealParams&) {}), monotonic_ms() + 3000);
    CHECK_THAT(other.status().message(), Catch::Contains("does not match the authenticated sender"));
    // an expired message
    auto expired = c.publish(sealed(*police_kozah, "expired", [](SealParams& p) {
      p.topic = "alert.suspected_trafficking.kara.kozah";
      p.ts_ms -= 20000;
      p.expires_ms = p.ts_ms + 1000;
    }), monotonic_ms() + 3000);
    CHECK_THAT(expired.status().message(), Catch::Contains("expired"));
  }
  {  // replayed (duplicate) envelopes: answered with the original seq, delivered once
    auto client = client_for(*police);
    BrokerClient& c = *client;
    Bytes env = sealed(*police, "replayed", [](SealParams&) {});
    auto a = c.publish(env, monotonic_ms() + 5000);
    REQUIRE(a.ok());
    for (int i = 0; i < 10; ++i) {
      auto again = c.publish(env, monotonic_ms() + 5000);
      REQUIRE(again.ok());
      CHECK(again->seq == a->seq);
    }
  }
  legit.join();
  CHECK(acked.size() == static_cast<size_t>(kMessages));
  // The reader must see every acknowledged legitimate message (plus the one replayed message, once).
  ProcResult rest = d.agent("commission", {"subscribe", "--topic", "alert.>", "--durable", "legit", "--timeout", "3"});
  (void)reader.wait(60000);
  std::set<std::string> seen;
  size_t replayed = 0;
  for (const std::string& text : {read_all(out), rest.out})
    for (const auto& l : lines_of(text)) {
      if (l[0] != '{') continue;
      auto m = nlohmann::json::parse(l);
      seen.insert(m["id"].get<std::string>());
      if (m["body"]["description"] == "tag replayed") ++replayed;
    }
  for (const auto& id : acked) CHECK(seen.count(id) == 1);
  CHECK(replayed == 1);
  CHECK(d.broker().running());
  REQUIRE(d.stop_broker() == 0);
  const std::string log = d.broker_log();
  CHECK_THAT(log, Catch::Contains("authentication refused"));
  CHECK_THAT(log, Catch::Contains("refused police.kozah"));
}

TEST_CASE("the broker's --check-config reports configuration errors with file and line and exits 2", "[integration][hostile]") {
  Deployment d;
  ProcResult ok = run_process({bin("relais-broker"), "--config", d.dir() + "/broker.toml", "--check-config"});
  CHECK(ok.exit_code == 0);
  d.set_broker_option("log", "sync", "\"sometimes\"");
  d.set_broker_option("limits", "max_readers", "0");
  ProcResult bad = run_process({bin("relais-broker"), "--config", d.dir() + "/broker.toml", "--check-config"});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("broker.toml:"));
  CHECK_THAT(bad.err, Catch::Contains("log.sync must be one of"));
  CHECK_THAT(bad.err, Catch::Contains("limits.max_readers = 0 is out of range"));
  ProcResult usage = run_process({bin("relais-broker"), "--bogus"});
  CHECK(usage.exit_code == 2);
}
