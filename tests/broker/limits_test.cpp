// Fair limits against hostile insiders, in the engine: sessions per
// participant and the global reserve, bytes held in caches and queues,
// refused handshakes, durable names, and client text in the text log.
#include "engine_fixture.h"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sstream>

#include <sodium.h>

#include "crypto/hashing.h"

namespace relais::engine_test {
namespace {

std::string rid(int i) { return "rid-" + std::to_string(i); }

}  // namespace

TEST_CASE("one participant cannot take every session: its ninth is refused, naming the cap", "[engine][limits]") {
  EngineFixture f;
  for (int i = 0; i < 8; ++i) f.hello(rid(i), "police.golfe");
  CHECK(f.engine->session_count() == 8);
  f.hello(rid(8), "police.golfe");
  REQUIRE(f.errors(rid(8)).size() == 1);
  CHECK(f.errors(rid(8))[0].code == ErrorCode::kLimit);
  CHECK(f.errors(rid(8))[0].reason.find("limit per participant is 8") != std::string::npos);
  // Another agency still gets in.
  f.hello("rid-c", "commission");
  CHECK(f.replies<WelcomeArgs>("rid-c", Command::kWelcome).size() == 1);
  CHECK(f.engine->session_count() == 9);
}

TEST_CASE("at the cap a new session replaces one silent for more than two heartbeats", "[engine][limits]") {
  EngineFixture f([](BrokerConfig& c) {
    c.heartbeat_ms = 2000;
    c.heartbeat_timeout_ms = 60000;
  });
  for (int i = 0; i < 8; ++i) f.hello(rid(i), "police.golfe");
  f.clock.advance(4001);
  for (int i = 1; i < 8; ++i) f.message(rid(i), "police.golfe", Command::kPing, Bytes{0x90});
  f.hello(rid(8), "police.golfe");
  CHECK(f.replies<WelcomeArgs>(rid(8), Command::kWelcome).size() == 1);
  CHECK(f.engine->session_count() == 8);
  // The silent one (rid-0) was the one replaced.
  f.message(rid(0), "police.golfe", Command::kPing, Bytes{0x90});
  REQUIRE(f.errors(rid(0)).size() == 1);
  CHECK(f.errors(rid(0))[0].code == ErrorCode::kNotAuthenticated);
  REQUIRE(f.run_until([&] {
    for (const auto& d : f.events_of("disconnect"))
      if (d.body["why"] == "replaced by a new session") return true;
    return false;
  }));
  // None silent long enough now: refused.
  f.hello(rid(9), "police.golfe");
  REQUIRE(f.errors(rid(9)).size() == 1);
  CHECK(f.errors(rid(9))[0].code == ErrorCode::kLimit);
}

TEST_CASE("the last sessions are kept for participants that have none", "[engine][limits]") {
  EngineFixture f([](BrokerConfig& c) {
    c.max_connections = 100;
    c.max_sessions_per_participant = 100;
  });
  // max(64, 10%) = 64 of 100 are kept: a participant with sessions stops at 36.
  for (int i = 0; i < 36; ++i) f.hello(rid(i), "police.golfe");
  CHECK(f.engine->session_count() == 36);
  f.hello(rid(36), "police.golfe");
  REQUIRE(f.errors(rid(36)).size() == 1);
  CHECK(f.errors(rid(36))[0].code == ErrorCode::kLimit);
  for (const char* name : {"commission", "committee.golfe", "committee.kozah", "social.golfe"}) {
    f.hello(std::string("rid-") + name, name);
    CHECK(f.replies<WelcomeArgs>(std::string("rid-") + name, Command::kWelcome).size() == 1);
  }
}

TEST_CASE("a flood of large messages stays within the broker's own byte bounds", "[engine][limits]") {
  EngineFixture f([](BrokerConfig& c) {
    c.cache_bytes = 2 << 20;
    c.max_in_flight_bytes = 1 << 20;
  });
  f.hello("rid-p", "police.golfe");
  f.hello("rid-c", "committee.golfe");
  f.subscribe("rid-c", "committee.golfe", 1, "alert.>");
  const int n = 24;
  for (int i = 1; i <= n; ++i) f.publish("rid-p", "police.golfe", static_cast<uint64_t>(i), f.alert(f.police, {}, nullptr, 300000));
  REQUIRE(f.run_until([&] { return f.pubacks("rid-p").size() == static_cast<size_t>(n); }));
  auto bytes = f.engine->bytes();
  CHECK(bytes.cache <= size_t{2} << 20);
  CHECK(bytes.cache > 0);
  CHECK(bytes.pending == 0);
  // 1 MiB in flight: three 300 KB messages, not a fourth, until an ack.
  REQUIRE(f.run_until([&] { return f.msgs("rid-c").size() == 3; }));
  f.engine->tick();
  CHECK(f.msgs("rid-c").size() == 3);
  CHECK(f.engine->bytes().in_flight <= size_t{1} << 20);
  CHECK(f.engine->bytes().in_flight > 0);
  // Acked one by one, every message arrives, and nothing stays in flight.
  size_t acked = 0;
  REQUIRE(f.run_until([&] {
    auto m = f.msgs("rid-c");
    while (acked < m.size()) f.ack("rid-c", "committee.golfe", 1, m[acked++].seq);
    return acked == static_cast<size_t>(n);
  }));
  f.engine->tick();
  CHECK(f.engine->bytes().in_flight == 0);
  CHECK(f.engine->bytes().cache <= size_t{2} << 20);
}

namespace {

// An alert from police to its policy readers whose body is `size` random
// bytes (the broker never looks inside: a body with attachments, as far as it
// can tell), sealed with the real keys.
Bytes sealed_alert(EngineFixture& f, size_t size) {
  SealParams p;
  p.from = f.police.card.name;
  p.topic = "alert.missing_child.maritime.golfe";
  p.type = "alert/1";
  p.ts_ms = f.clock.now_ms();
  p.expires_ms = p.ts_ms + 86400000;
  p.bundle_serial = f.bundle->serial;
  for (const auto& name : f.bundle->policy.readers(p.topic, f.bundle->participants))
    p.readers.emplace_back(name, f.bundle->find(name)->seal_pk);
  Bytes body(size);
  randombytes_buf(body.data(), body.size());
  auto env = seal_envelope(p, body, f.police.sign_sk);
  REQUIRE(env.ok());
  return std::move(*env);
}

// The envelopes delivered to rid, in order (MSG payloads).
std::vector<Bytes> delivered(const EngineFixture& f, const std::string& rid) {
  std::vector<Bytes> out;
  for (const auto& s : f.transport.sent)
    if (s.rid == rid && s.cmd == Command::kMsg) out.push_back(s.extra);
  return out;
}

}  // namespace

TEST_CASE("a body over limits.max_body is refused too_large, naming the limit", "[engine][limits]") {
  EngineFixture f([](BrokerConfig& c) { c.max_body = 64 << 10; });
  f.hello("rid-p", "police.golfe");
  f.publish("rid-p", "police.golfe", 1, sealed_alert(f, 70000));
  REQUIRE(f.run_until([&] { return !f.errors("rid-p").empty(); }));
  const ErrorArgs e = f.errors("rid-p")[0];
  CHECK(e.code == ErrorCode::kTooLarge);
  CHECK(e.req_id == 1);
  CHECK_THAT(e.reason, Catch::Contains("limit of 65536 bytes (limits.max_body)"));
  // At the limit: accepted.
  f.publish("rid-p", "police.golfe", 2, sealed_alert(f, 64 << 10));
  REQUIRE(f.run_until([&] { return f.pubacks("rid-p").size() == 1; }));
  CHECK(f.errors("rid-p").size() == 1);
}

TEST_CASE("an envelope over limits.max_frame_bytes is refused too_large, naming the limit", "[engine][limits]") {
  EngineFixture f([](BrokerConfig& c) { c.max_frame_bytes = 1 << 20; });
  f.hello("rid-p", "police.golfe");
  f.publish("rid-p", "police.golfe", 1, sealed_alert(f, 2 << 20));
  REQUIRE(f.run_until([&] { return !f.errors("rid-p").empty(); }));
  CHECK(f.errors("rid-p")[0].code == ErrorCode::kTooLarge);
  CHECK_THAT(f.errors("rid-p")[0].reason, Catch::Contains("limit of 1048576 bytes (limits.max_frame_bytes)"));
}

TEST_CASE("a message larger than max_pending_bytes and max_in_flight_bytes is still accepted and delivered",
          "[engine][limits]") {
  EngineFixture f([](BrokerConfig& c) {
    c.max_pending_bytes = 1 << 20;
    c.max_in_flight_bytes = 1 << 16;
  });
  f.hello("rid-p", "police.golfe");
  f.hello("rid-c", "committee.golfe");
  f.subscribe("rid-c", "committee.golfe", 1, "alert.>");
  const Bytes env = sealed_alert(f, 2 << 20);
  f.publish("rid-p", "police.golfe", 1, env);
  REQUIRE(f.run_until([&] { return f.msgs("rid-c").size() == 1; }));
  CHECK(f.errors("rid-p").empty());
  CHECK(delivered(f, "rid-c")[0] == env);
  f.ack("rid-c", "committee.golfe", 1, f.msgs("rid-c")[0].seq);
  f.engine->tick();
  CHECK(f.engine->bytes().in_flight == 0);
}

TEST_CASE("16 MiB messages keep the cache, pending and in-flight bytes within their bounds", "[engine][limits]") {
  constexpr size_t kBound = 40u << 20;  // each bound holds two such messages, not three
  EngineFixture f([&](BrokerConfig& c) {
    c.cache_bytes = kBound;
    c.max_pending_bytes = kBound;
    c.max_in_flight_bytes = kBound;
  });
  f.hello("rid-p", "police.golfe");
  f.hello("rid-c", "committee.golfe");
  f.subscribe("rid-c", "committee.golfe", 1, "alert.>");
  const int n = 5;
  std::vector<Hash256> sent;
  size_t peak_cache = 0, peak_pending = 0, peak_in_flight = 0;
  auto watch = [&] {
    const auto b = f.engine->bytes();
    peak_cache = std::max(peak_cache, b.cache);
    peak_pending = std::max(peak_pending, b.pending);
    peak_in_flight = std::max(peak_in_flight, b.in_flight);
  };
  f.verifier.hold = true;  // all five pending at once: the pending bound refuses the third
  for (int i = 1; i <= n; ++i) {
    const Bytes env = sealed_alert(f, 16u << 20);
    REQUIRE(env.size() <= static_cast<size_t>(f.config.max_frame_bytes));
    sent.push_back(blake2b_256(env));
    f.publish("rid-p", "police.golfe", static_cast<uint64_t>(i), env);
    watch();
  }
  CHECK(f.errors("rid-p").size() == 3);
  for (const auto& e : f.errors("rid-p")) CHECK(e.code == ErrorCode::kLimit);
  f.verifier.hold = false;
  f.verifier.release();
  REQUIRE(f.run_until([&] {
    watch();
    return f.pubacks("rid-p").size() == 2;
  }));
  // The three refused are sent again, one by one as a publisher retries.
  for (int i = 3; i <= n; ++i) {
    const Bytes env = sealed_alert(f, 16u << 20);
    sent[static_cast<size_t>(i - 1)] = blake2b_256(env);
    f.publish("rid-p", "police.golfe", static_cast<uint64_t>(i), env);
    REQUIRE(f.run_until([&] {
      watch();
      return f.pubacks("rid-p").size() == static_cast<size_t>(i);
    }));
  }
  // The subscriber acks as messages arrive; at most two are in flight.
  size_t acked = 0;
  REQUIRE(f.run_until([&] {
    watch();
    auto m = f.msgs("rid-c");
    while (acked < m.size()) f.ack("rid-c", "committee.golfe", 1, m[acked++].seq);
    return acked == static_cast<size_t>(n);
  }));
  f.engine->tick();
  watch();
  CHECK(peak_cache <= kBound);
  CHECK(peak_cache > 0);
  CHECK(peak_pending <= kBound);
  CHECK(peak_pending > 0);
  CHECK(peak_in_flight <= kBound);
  CHECK(peak_in_flight > 0);
  CHECK(f.engine->bytes().in_flight == 0);
  CHECK(f.engine->bytes().pending == 0);
  // Every message arrived once, in order, byte for byte.
  const std::vector<Bytes> got = delivered(f, "rid-c");
  REQUIRE(got.size() == static_cast<size_t>(n));
  for (size_t i = 0; i < got.size(); ++i) CHECK(blake2b_256(got[i]) == sent[i]);
  // And the last one opens for its reader, with its 16 MiB body.
  auto env = decode_envelope(got.back());
  REQUIRE(env.ok());
  auto body = open_envelope(*env, "committee.golfe", f.committee.card.seal_pk, f.committee.seal_sk);
  REQUIRE(body.ok());
  CHECK(body->size() == (16u << 20));
}

TEST_CASE("publishes beyond max_pending_bytes are refused with limit until the log catches up", "[engine][limits]") {
  EngineFixture f([](BrokerConfig& c) { c.max_pending_bytes = 1 << 20; });
  f.hello("rid-p", "police.golfe");
  f.verifier.hold = true;
  for (int i = 1; i <= 4; ++i) f.publish("rid-p", "police.golfe", static_cast<uint64_t>(i), f.alert(f.police, {}, nullptr, 300000));
  REQUIRE(f.errors("rid-p").size() == 1);
  CHECK(f.errors("rid-p")[0].code == ErrorCode::kLimit);
  CHECK(f.errors("rid-p")[0].req_id == 4);
  CHECK(f.engine->bytes().pending <= size_t{1} << 20);
  f.verifier.release();
  REQUIRE(f.run_until([&] { return f.pubacks("rid-p").size() == 3; }));
  CHECK(f.engine->bytes().pending == 0);
  f.verifier.hold = false;
  f.publish("rid-p", "police.golfe", 5, f.alert(f.police, {}, nullptr, 300000));
  REQUIRE(f.run_until([&] { return f.pubacks("rid-p").size() == 4; }));
}

TEST_CASE("an auth-failure flood writes at most 120 records a minute", "[engine][limits]") {
  EngineFixture f([](BrokerConfig& c) { c.auth_failure_interval_ms = 10000; });
  const uint64_t before = f.log->last_durable_seq();
  // 2,000 refused handshakes from 1,500 addresses over one minute.
  for (int i = 0; i < 2000; ++i) {
    f.engine->on_auth_failure("key" + std::to_string(i), "10.0." + std::to_string(i % 1500 / 250) + "." + std::to_string(i % 250),
                              i % 3 ? "unknown key" : "revoked key");
    f.clock.advance(30);
    if (i % 10 == 0) f.engine->tick();
  }
  f.clock.advance(10001);
  f.engine->tick();
  REQUIRE(f.run_until([&] {
    uint64_t total = 0;
    for (const auto& e : f.events_of("auth_failure")) total += e.body["count"].get<uint64_t>();
    return total == 2000;
  }));
  const auto events = f.events_of("auth_failure");
  CHECK(events.size() <= 120);
  CHECK(f.log->last_durable_seq() - before <= 130);
  bool other = false;
  for (const auto& e : events) other = other || e.body["addr"] == "other";
  CHECK(other);  // the pairs beyond an interval's share are summed
}

TEST_CASE("3000 new durable names: 32 are kept, the rest refused, and one can be removed", "[engine][limits]") {
  EngineFixture f([](BrokerConfig& c) { c.max_subscriptions = 100000; });
  f.hello("rid-c", "committee.golfe");
  for (uint32_t i = 1; i <= 3000; ++i) f.subscribe("rid-c", "committee.golfe", i, "alert.>", "new", "d" + std::to_string(i));
  CHECK(f.replies<SubOkArgs>("rid-c", Command::kSubOk).size() == 32);
  auto errors = f.errors("rid-c");
  REQUIRE(errors.size() == 2968);
  CHECK(errors[0].code == ErrorCode::kLimit);
  CHECK(errors[0].reason.find("relais-agent unsubscribe --durable") != std::string::npos);
  f.engine->cursors().flush();
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(f.config.data_dir + "/subscriptions/committee.golfe")) files += e.path().extension() == ".cursor";
  CHECK(files == 32);
  CHECK(f.engine->cursors().writes() <= 64);
  // Removing one frees a place, and its cursor file goes.
  f.transport.sent.clear();
  UnsubArgs u;
  u.durable = "d1";
  u.req_id = 77;
  f.command("rid-c", "committee.golfe", Command::kUnsub, u);
  auto ok = f.replies<SubOkArgs>("rid-c", Command::kSubOk);
  REQUIRE(ok.size() == 1);
  CHECK(ok[0].req_id == 77);
  f.engine->cursors().flush();
  CHECK_FALSE(fs::exists(f.config.data_dir + "/subscriptions/committee.golfe/d1.cursor"));
  f.subscribe("rid-c", "committee.golfe", 5000, "alert.>", "new", "fresh");
  CHECK(f.replies<SubOkArgs>("rid-c", Command::kSubOk).size() == 2);
  // Removing a name that does not exist says so.
  u.durable = "nothing";
  f.command("rid-c", "committee.golfe", Command::kUnsub, u);
  REQUIRE_FALSE(f.errors("rid-c").empty());
  CHECK(f.errors("rid-c").back().code == ErrorCode::kUnknownSubscription);
  // The cap holds across a restart (names on disk count).
  f.restart();
  f.hello("rid-c", "committee.golfe");
  f.subscribe("rid-c", "committee.golfe", 1, "alert.>", "new", "another");
  REQUIRE(f.errors("rid-c").size() == 1);
  CHECK(f.errors("rid-c")[0].code == ErrorCode::kLimit);
}

TEST_CASE("a subscription pattern with a newline cannot forge a line of the text log", "[engine][limits]") {
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  {
    EngineFixture f;
    f.hello("rid-c", "committee.golfe");
    f.subscribe("rid-c", "committee.golfe", 1, "alert.>\n2026-11-30T10:00:00.000 info relais-broker stopped cleanly");
    REQUIRE(f.errors("rid-c").size() == 1);
  }
  spdlog::set_default_logger(previous);
  const std::string text = captured.str();
  CHECK(text.find("stopped cleanly") != std::string::npos);  // the line is there, escaped
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) CHECK(line.rfind("2026-11-30T10:00:00.000 info relais-broker", 0) != 0);
}

}  // namespace relais::engine_test
