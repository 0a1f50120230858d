// The broker engine, in-process: commands in, a fake clock, and assertions on
// what it sends and what it records in the log. No process, no socket, no
// sleep (see engine_fixture.h).
#include "engine_fixture.h"

#include <algorithm>
#include <optional>

#include "log/merkle.h"

namespace relais::engine_test {
namespace {


// The refusal event recorded for `code`, if any.
bool refusal_recorded(const EngineFixture& f, ErrorCode code) {
  for (const auto& e : f.events_of("refusal"))
    if (e.body.value("code", "") == error_code_name(code)) return true;
  return false;
}

// Publishes env from police and waits for the one ERROR it must get.
ErrorArgs refused(EngineFixture& f, const Bytes& env) {
  f.transport.sent.clear();
  f.publish(kPolice, "police.golfe", 9, env);
  REQUIRE(f.run_until([&] { return !f.errors(kPolice).empty(); }));
  CHECK(f.pubacks(kPolice).empty());
  return f.errors(kPolice).front();
}

}  // namespace

TEST_CASE("HELLO from a participant of the bundle is welcomed with its name and the bundle serial", "[engine]") {
  EngineFixture f;
  f.hello(kPolice, "police.golfe");
  auto w = f.replies<WelcomeArgs>(kPolice, Command::kWelcome);
  REQUIRE(w.size() == 1);
  CHECK(w[0].name == "police.golfe");
  CHECK(w[0].bundle_serial == 7);
  CHECK(f.engine->session_count() == 1);
  REQUIRE(f.run_until([&] { return !f.events_of("connect").empty(); }));
  CHECK(f.events_of("connect")[0].body["who"] == "police.golfe");
}

TEST_CASE("HELLO from a name outside the bundle is refused and recorded", "[engine]") {
  EngineFixture f;
  f.hello("rid-x", "ngo.unknown");
  auto e = f.errors("rid-x");
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == ErrorCode::kForbidden);
  CHECK(f.engine->session_count() == 0);
  REQUIRE(f.run_until([&] { return refusal_recorded(f, ErrorCode::kForbidden); }));
}

TEST_CASE("a command before HELLO gets not-authenticated and a message without User-Id gets nothing", "[engine]") {
  EngineFixture f;
  f.message("rid-a", "police.golfe", Command::kPing, Bytes{0x90});
  auto e = f.errors("rid-a");
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == ErrorCode::kNotAuthenticated);
  f.transport.sent.clear();
  f.message("rid-b", "", Command::kHello, Bytes{0x90});
  CHECK(f.transport.sent.empty());
}

TEST_CASE("the session cap refuses the HELLO beyond it, naming the limit", "[engine]") {
  EngineFixture f([](BrokerConfig& c) { c.max_connections = 2; });
  f.hello("r1", "police.golfe");
  f.hello("r2", "commission");
  f.hello("r3", "committee.golfe");
  auto e = f.errors("r3");
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == ErrorCode::kLimit);
  CHECK(e[0].reason.find("limit 2") != std::string::npos);
  CHECK(f.engine->session_count() == 2);
}

TEST_CASE("a silent session ends after the heartbeat timeout and its next command must HELLO again", "[engine]") {
  EngineFixture f([](BrokerConfig& c) { c.heartbeat_timeout_ms = 5000; });
  f.hello(kPolice, "police.golfe");
  f.clock.advance(4000);
  f.message(kPolice, "police.golfe", Command::kPing, Bytes{0x90});
  CHECK(f.count(kPolice, Command::kPong) == 1);
  f.clock.advance(5001);
  f.engine->tick();
  CHECK(f.engine->session_count() == 0);
  f.message(kPolice, "police.golfe", Command::kPing, Bytes{0x90});
  auto e = f.errors(kPolice);
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == ErrorCode::kNotAuthenticated);
  REQUIRE(f.run_until([&] {
    for (const auto& d : f.events_of("disconnect"))
      if (d.body["why"] == "heartbeat timeout") return true;
    return false;
  }));
}

TEST_CASE("an accepted publish is acknowledged only once durable, with a receipt the broker signed", "[engine]") {
  EngineFixture f;
  f.hello(kPolice, "police.golfe");
  f.verifier.hold = true;
  Bytes env = f.alert(f.police);
  f.publish(kPolice, "police.golfe", 1, env);
  CHECK(f.engine->has_pending_publishes());
  CHECK(f.verifier.held() == 1);
  // Nothing is acknowledged while the signature check is outstanding.
  f.engine->on_verified();
  f.engine->on_log_completions();
  f.engine->tick();
  CHECK(f.pubacks(kPolice).empty());
  f.verifier.release();
  REQUIRE(f.run_until([&] { return !f.pubacks(kPolice).empty(); }));
  auto acks = f.pubacks(kPolice);
  REQUIRE(acks.size() == 1);
  CHECK(acks[0].req_id == 1);
  CHECK(acks[0].seq <= f.log->last_durable_seq());
  auto receipt = decode_receipt(acks[0].receipt);
  REQUIRE(receipt.ok());
  CHECK(receipt->seq == acks[0].seq);
  CHECK(verify_receipt(*receipt, f.broker.card.sign_pk).ok());
  auto rec = f.log->read(acks[0].seq);
  REQUIRE(rec.ok());
  CHECK(rec->kind == RecordKind::kMessage);
  CHECK(rec->payload == env);
}

TEST_CASE("an acknowledged publish is timed through its stages, a duplicate answered again is not", "[engine]") {
  EngineFixture f;
  f.hello(kPolice, "police.golfe");
  f.verifier.hold = true;
  Bytes env = f.alert(f.police);
  f.publish(kPolice, "police.golfe", 1, env);
  f.clock.advance(7);  // the signature check takes 7 ms
  f.verifier.release();
  REQUIRE(f.run_until([&] { return !f.pubacks(kPolice).empty(); }));
  const PublishStages& st = f.engine->publish_stages();
  auto count = [](const LatencyHistogram& h) {
    uint64_t n = 0;
    for (size_t i = 0; i <= LatencyHistogram::kBoundsUs.size(); ++i) n += h.bucket(i);
    return n;
  };
  CHECK(count(st.verify) == 1);
  CHECK(count(st.log) == 1);
  CHECK(count(st.total) == 1);
  CHECK(st.verify.sum_us() == 7000);
  // In the bucket of (5 ms, 10 ms], found from the bounds rather than assumed.
  const auto* upper = std::find(LatencyHistogram::kBoundsUs.begin(), LatencyHistogram::kBoundsUs.end(), 10000u);
  REQUIRE(upper != LatencyHistogram::kBoundsUs.end());
  REQUIRE(upper != LatencyHistogram::kBoundsUs.begin());
  CHECK(*(upper - 1) == 5000u);
  CHECK(st.verify.bucket(static_cast<size_t>(upper - LatencyHistogram::kBoundsUs.begin())) == 1);
  CHECK(st.total.sum_us() == st.verify.sum_us() + st.log.sum_us());
  // The same message again: answered from the duplicate index, not timed.
  f.verifier.hold = false;
  f.publish(kPolice, "police.golfe", 2, env);
  REQUIRE(f.run_until([&] { return f.pubacks(kPolice).size() == 2; }));
  CHECK(count(st.total) == 1);
}

TEST_CASE("a retry while its publish is pending gets the same seq once it lands, and is logged once", "[engine]") {
  EngineFixture f;
  f.hello(kPolice, "police.golfe");
  f.verifier.hold = true;
  Bytes env = f.alert(f.police);
  f.publish(kPolice, "police.golfe", 1, env);
  f.publish(kPolice, "police.golfe", 2, env);
  CHECK(f.verifier.held() == 1);  // the retry joined the pending publish
  f.verifier.release();
  REQUIRE(f.run_until([&] { return f.pubacks(kPolice).size() == 2; }));
  auto acks = f.pubacks(kPolice);
  CHECK(acks[0].seq == acks[1].seq);
  CHECK(((acks[0].req_id == 1 && acks[1].req_id == 2) || (acks[0].req_id == 2 && acks[1].req_id == 1)));
  // A retry after it was logged is answered from the duplicate index.
  f.verifier.hold = false;
  f.publish(kPolice, "police.golfe", 3, env);
  REQUIRE(f.pubacks(kPolice).size() == 3);
  CHECK(f.pubacks(kPolice)[2].seq == acks[0].seq);
  int messages = 0;
  for (uint64_t s = 1; s <= f.log->last_durable_seq(); ++s)
    if (auto r = f.log->read(s); r.ok() && r->kind == RecordKind::kMessage) ++messages;
  CHECK(messages == 1);
}

TEST_CASE("the duplicate index survives a restart", "[engine]") {
  EngineFixture f;
  f.hello(kPolice, "police.golfe");
  Bytes env = f.alert(f.police);
  f.publish(kPolice, "police.golfe", 1, env);
  REQUIRE(f.run_until([&] { return f.pubacks(kPolice).size() == 1; }));
  const uint64_t seq = f.pubacks(kPolice)[0].seq;
  f.restart();
  f.hello(kPolice, "police.golfe");
  f.publish(kPolice, "police.golfe", 2, env);
  REQUIRE(f.run_until([&] { return f.pubacks(kPolice).size() == 1; }));
  CHECK(f.pubacks(kPolice)[0].seq == seq);
}

namespace {

// The receipt of an acknowledgement, checked under the broker's key.
Receipt receipt_of(const EngineFixture& f, const PubAckArgs& a) {
  auto r = decode_receipt(a.receipt);
  REQUIRE(r.ok());
  REQUIRE(verify_receipt(*r, f.broker.card.sign_pk).ok());
  return *r;
}

int message_records(const EngineFixture& f) {
  int n = 0;
  for (uint64_t s = 1; s <= f.log->last_durable_seq(); ++s)
    if (auto r = f.log->read(s); r.ok() && r->kind == RecordKind::kMessage) ++n;
  return n;
}

}  // namespace

TEST_CASE("a retry re-signed days later, within the 7-day window, gets the original seq and receipt, across a "
          "restart too",
          "[engine]") {
  EngineFixture f;
  CHECK(f.config.dedup_window_ms == 7ll * 86400000);
  f.hello(kPolice, "police.golfe");
  const Uuid id = new_uuid_v7(f.clock.now_ms());
  f.publish(kPolice, "police.golfe", 1, f.alert(f.police, [&](SealParams& p) { p.id = id; }));
  REQUIRE(f.run_until([&] { return f.pubacks(kPolice).size() == 1; }));
  const PubAckArgs first = f.pubacks(kPolice)[0];
  const Receipt original = receipt_of(f, first);

  // An outbox that retries after an outage signs the same id with a new ts.
  const bool restart = GENERATE(false, true);
  f.clock.advance(6ll * 86400000);
  if (restart) f.restart();
  f.transport.sent.clear();
  f.engine->tick();
  f.hello(kPolice, "police.golfe");
  f.publish(kPolice, "police.golfe", 2, f.alert(f.police, [&](SealParams& p) { p.id = id; }));
  REQUIRE(f.run_until([&] { return f.pubacks(kPolice).size() == 1; }));
  const PubAckArgs again = f.pubacks(kPolice)[0];
  CHECK(again.req_id == 2);
  CHECK(again.seq == first.seq);
  const Receipt r = receipt_of(f, again);
  CHECK(r.id == original.id);
  CHECK(r.seq == original.seq);
  CHECK(r.leaf_hash == original.leaf_hash);
  CHECK(r.ts_ms == original.ts_ms);
  CHECK(message_records(f) == 1);
}

TEST_CASE("an id older than the duplicate window is refused as stale, before the duplicate lookup", "[engine]") {
  EngineFixture f;
  f.hello(kPolice, "police.golfe");
  const std::string reason =
      "message id is older than the broker's duplicate window (7 days): send it again as a new message";

  SECTION("a fresh envelope carrying an old id") {
    auto e = refused(f, f.alert(f.police, [&](SealParams& p) {
      p.id = new_uuid_v7(f.clock.now_ms() - f.config.dedup_window_ms - 1000);
    }));
    CHECK(e.code == ErrorCode::kStaleId);
    CHECK(e.reason == reason);
    REQUIRE(f.run_until([&] { return refusal_recorded(f, ErrorCode::kStaleId); }));
    CHECK(message_records(f) == 0);
  }
  SECTION("a retry of a logged message after the window, across a restart or not") {
    const Uuid id = new_uuid_v7(f.clock.now_ms());
    f.publish(kPolice, "police.golfe", 1, f.alert(f.police, [&](SealParams& p) { p.id = id; }));
    REQUIRE(f.run_until([&] { return f.pubacks(kPolice).size() == 1; }));
    f.clock.advance(f.config.dedup_window_ms + 1000);
    if (GENERATE(false, true)) f.restart();
    f.engine->tick();
    f.hello(kPolice, "police.golfe");
    auto e = refused(f, f.alert(f.police, [&](SealParams& p) { p.id = id; }));
    CHECK(e.code == ErrorCode::kStaleId);
    CHECK(e.reason == reason);
    CHECK(message_records(f) == 1);
  }
  SECTION("an id minted ahead of the broker's clock is refused, so its entry cannot be pinned for years") {
    auto e = refused(f, f.alert(f.police, [&](SealParams& p) {
      p.id = new_uuid_v7(f.clock.now_ms() + f.config.max_clock_skew_ms + 60000);
    }));
    CHECK(e.code == ErrorCode::kClockSkew);
    CHECK(e.reason.find("ahead of the broker's clock") != std::string::npos);
    CHECK(message_records(f) == 0);
  }
  SECTION("an id just inside the window is accepted") {
    f.publish(kPolice, "police.golfe", 1, f.alert(f.police, [&](SealParams& p) {
      p.id = new_uuid_v7(f.clock.now_ms() - f.config.dedup_window_ms + 60000);
    }));
    REQUIRE(f.run_until([&] { return f.pubacks(kPolice).size() == 1; }));
  }
}

// Hidden (run by name): how long a start takes to rebuild the duplicate
// index over a 7-day window of 100,000 messages, from the segment summaries.
TEST_CASE("Bench duplicate index rebuild over 100k messages", "[.bench]") {
  EngineFixture f;
  f.close();
  constexpr uint64_t kMessages = 100000;
  LogOptions lo;
  lo.dir = f.config.data_dir;
  lo.sync = SyncPolicy::kNone;
  lo.segment_bytes = 4 << 20;
  {
    auto l = Log::open(lo, f.broker.sign_sk);
    REQUIRE(l.ok());
    const Bytes envelope(300, 0x5a);
    std::vector<Completion> done;
    const int64_t from = f.clock.now_ms() - 6ll * 86400000;
    for (uint64_t i = 0; i < kMessages; ++i) {
      RecordKey key{};
      for (size_t b = 0; b < 8; ++b) key[b] = static_cast<uint8_t>(i >> (8 * b));
      (*l)->submit_message(i + 1, from + static_cast<int64_t>(i) * 5, {}, {}, key, envelope);
    }
    const int64_t deadline = relais::monotonic_ms() + 60000;
    size_t n = 0;
    while (n < kMessages && relais::monotonic_ms() < deadline) {
      pollfd p{(*l)->completion_fd(), POLLIN, 0};
      ::poll(&p, 1, 20);
      done.clear();
      (*l)->drain_completions(&done);
      n += done.size();
    }
    REQUIRE(n == kMessages);
  }
  const int64_t t0 = relais::monotonic_ms();
  auto l = Log::open(lo, f.broker.sign_sk);
  REQUIRE(l.ok());
  const int64_t t1 = relais::monotonic_ms();
  f.log = std::move(*l);
  f.engine = std::make_unique<BrokerEngine>(f.config, f.broker, f.bundle, *f.log, f.transport, f.verifier, f.clock);
  REQUIRE(f.engine->start("inproc://test").ok());
  const int64_t t2 = relais::monotonic_ms();
  std::printf("bench: Log::open %lld ms, engine start (duplicate index of %llu messages) %lld ms\n",
              static_cast<long long>(t1 - t0), static_cast<unsigned long long>(kMessages),
              static_cast<long long>(t2 - t1));
}

TEST_CASE("every refusal of the ingest path answers its code and is recorded", "[engine]") {
  EngineFixture f([](BrokerConfig& c) { c.max_frame_bytes = 4096; });
  f.hello(kPolice, "police.golfe");

  SECTION("malformed arguments") {
    f.message(kPolice, "police.golfe", Command::kPub, Bytes{0xc1}, nullptr);
    auto e = f.errors(kPolice);
    REQUIRE(e.size() == 1);
    CHECK(e[0].code == ErrorCode::kMalformed);
  }
  SECTION("a PUB without an envelope") {
    f.command(kPolice, "police.golfe", Command::kPub, PubArgs{4});
    REQUIRE(f.errors(kPolice).size() == 1);
    CHECK(f.errors(kPolice)[0].code == ErrorCode::kMalformed);
  }
  SECTION("an envelope over the frame limit") {
    Bytes big(5000, 0x90);
    CHECK(refused(f, big).code == ErrorCode::kTooLarge);
    REQUIRE(f.run_until([&] { return refusal_recorded(f, ErrorCode::kTooLarge); }));
  }
  SECTION("an envelope that does not decode") {
    CHECK(refused(f, Bytes{0x93, 0x01, 0x02, 0x03}).code == ErrorCode::kMalformed);
    REQUIRE(f.run_until([&] { return refusal_recorded(f, ErrorCode::kMalformed); }));
  }
  SECTION("an envelope from another participant") {
    Bytes env = f.alert(f.commission);
    CHECK(refused(f, env).code == ErrorCode::kSenderMismatch);
    REQUIRE(f.run_until([&] { return refusal_recorded(f, ErrorCode::kSenderMismatch); }));
  }
  // (An older bundle serial is not refused for its age: tests/broker/reload_test.cpp.)
  SECTION("a newer bundle serial") {
    auto e = refused(f, f.alert(f.police, [](SealParams& p) { p.bundle_serial = 8; }));
    CHECK(e.code == ErrorCode::kStaleBundle);
    CHECK(e.reason.find("newer") != std::string::npos);
  }
  SECTION("a topic the sender may not publish on") {
    auto e = refused(f, f.alert(f.police, [&](SealParams& p) {
      p.topic = "stats.golfe";
      p.type = "statistics-report/1";
      p.readers = {{"commission", f.commission.card.seal_pk}};
    }));
    CHECK(e.code == ErrorCode::kForbidden);
    REQUIRE(f.run_until([&] { return refusal_recorded(f, ErrorCode::kForbidden); }));
  }
  SECTION("a type the topic does not allow") {
    auto e = refused(f, f.alert(f.police, [](SealParams& p) { p.type = "referral/1"; }));
    CHECK(e.code == ErrorCode::kTypeNotAllowed);
  }
  SECTION("readers that are not the policy's") {
    auto e = refused(f, f.alert(f.police, [&](SealParams& p) {
      p.readers = {{"commission", f.commission.card.seal_pk}, {"committee.kozah", f.kozah.card.seal_pk}};
    }));
    CHECK(e.code == ErrorCode::kReadersMismatch);
    CHECK(e.reason.find("extra committee.kozah") != std::string::npos);
  }
  SECTION("a message time beyond the clock skew") {
    auto e = refused(f, f.alert(f.police, [&](SealParams& p) {
      p.ts_ms = f.clock.now_ms() - f.config.max_clock_skew_ms - 1000;
      p.expires_ms = f.clock.now_ms() + 86400000;
    }));
    CHECK(e.code == ErrorCode::kClockSkew);
  }
  SECTION("an expired message") {
    auto e = refused(f, f.alert(f.police, [&](SealParams& p) {
      p.ts_ms = f.clock.now_ms() - 2000;
      p.expires_ms = f.clock.now_ms() - 1000;
    }));
    CHECK(e.code == ErrorCode::kClockSkew);
    CHECK(e.reason.find("expired") != std::string::npos);
  }
  SECTION("a bad signature") {
    auto e = refused(f, f.alert(f.police, {}, &f.commission.sign_sk));
    CHECK(e.code == ErrorCode::kBadSignature);
    REQUIRE(f.run_until([&] { return refusal_recorded(f, ErrorCode::kBadSignature); }));
    CHECK_FALSE(f.engine->has_pending_publishes());
  }
  // Nothing refused reached the log as a message.
  for (uint64_t s = 1; s <= f.log->last_durable_seq(); ++s)
    if (auto r = f.log->read(s); r.ok()) CHECK(r->kind != RecordKind::kMessage);
}

TEST_CASE("a reader gets only messages it may read, up to its credit, and more as it acks", "[engine]") {
  EngineFixture f([](BrokerConfig& c) { c.max_in_flight = 2; });
  f.hello(kPolice, "police.golfe");
  f.hello(kCommittee, "committee.golfe");
  f.hello(kKozah, "committee.kozah");
  f.subscribe(kCommittee, "committee.golfe", 1, "alert.>");
  f.subscribe(kKozah, "committee.kozah", 1, "alert.>");
  for (uint64_t i = 1; i <= 5; ++i) f.publish(kPolice, "police.golfe", i, f.alert(f.police));
  REQUIRE(f.run_until([&] { return f.pubacks(kPolice).size() == 5 && f.msgs(kCommittee).size() == 2; }));
  // Kozah's committee is not a reader of Golfe's alerts.
  CHECK(f.msgs(kKozah).empty());
  f.engine->tick();
  CHECK(f.msgs(kCommittee).size() == 2);  // credit 2: no more until an ack
  auto m = f.msgs(kCommittee);
  f.ack(kCommittee, "committee.golfe", 1, m[0].seq);
  REQUIRE(f.run_until([&] { return f.msgs(kCommittee).size() == 3; }));
  f.ack(kCommittee, "committee.golfe", 1, m[1].seq);
  f.ack(kCommittee, "committee.golfe", 1, f.msgs(kCommittee)[2].seq);
  REQUIRE(f.run_until([&] { return f.msgs(kCommittee).size() == 5; }));
  std::vector<uint64_t> seqs;
  for (const auto& x : f.msgs(kCommittee)) seqs.push_back(x.seq);
  std::vector<uint64_t> acked;
  for (const auto& a : f.pubacks(kPolice)) acked.push_back(a.seq);
  std::sort(acked.begin(), acked.end());
  CHECK(seqs == acked);
  CHECK(f.msgs(kKozah).empty());
}

TEST_CASE("an unacked delivery is redelivered after the ack timeout, then dead-lettered after max_deliver",
          "[engine]") {
  EngineFixture f([](BrokerConfig& c) {
    c.ack_timeout_ms = 1000;
    c.max_deliver = 2;
    c.heartbeat_timeout_ms = 1000000;
  });
  f.hello(kPolice, "police.golfe");
  f.hello(kCommittee, "committee.golfe");
  f.subscribe(kCommittee, "committee.golfe", 1, "alert.>");
  f.publish(kPolice, "police.golfe", 1, f.alert(f.police));
  REQUIRE(f.run_until([&] { return f.msgs(kCommittee).size() == 1; }));
  CHECK(f.msgs(kCommittee)[0].delivery_count == 1);
  f.clock.advance(999);
  f.engine->tick();
  CHECK(f.msgs(kCommittee).size() == 1);
  f.clock.advance(2);
  f.engine->tick();
  REQUIRE(f.msgs(kCommittee).size() == 2);
  CHECK(f.msgs(kCommittee)[1].delivery_count == 2);
  CHECK(f.msgs(kCommittee)[1].seq == f.msgs(kCommittee)[0].seq);
  f.clock.advance(1001);
  f.engine->tick();
  CHECK(f.msgs(kCommittee).size() == 2);  // dead-lettered, not sent a third time
  REQUIRE(f.run_until([&] { return f.events_of("dead_letter").size() == 1; }));
  auto d = f.events_of("dead_letter")[0].body;
  CHECK(d["who"] == "committee.golfe");
  CHECK(d["deliveries"] == 2);
}

TEST_CASE("a NACK is recorded and the message is not redelivered", "[engine]") {
  EngineFixture f([](BrokerConfig& c) { c.ack_timeout_ms = 1000; });
  f.hello(kPolice, "police.golfe");
  f.hello(kCommittee, "committee.golfe");
  f.subscribe(kCommittee, "committee.golfe", 1, "alert.>");
  f.publish(kPolice, "police.golfe", 1, f.alert(f.police));
  REQUIRE(f.run_until([&] { return f.msgs(kCommittee).size() == 1; }));
  NackArgs n;
  n.sub_id = 1;
  n.seq = f.msgs(kCommittee)[0].seq;
  n.code = ErrorCode::kMalformed;
  n.detail = "schema: /kind is required";
  f.command(kCommittee, "committee.golfe", Command::kNack, n);
  f.clock.advance(5000);
  f.engine->tick();
  CHECK(f.msgs(kCommittee).size() == 1);
  REQUIRE(f.run_until([&] { return f.events_of("nack").size() == 1; }));
  CHECK(f.events_of("nack")[0].body["why"] == "schema: /kind is required");
  CHECK(f.events_of("nack")[0].body["code"] == "malformed");
}

TEST_CASE("an ACK for an unknown subscription is answered with its code", "[engine]") {
  EngineFixture f;
  f.hello(kCommittee, "committee.golfe");
  f.ack(kCommittee, "committee.golfe", 42, 1);
  REQUIRE(f.errors(kCommittee).size() == 1);
  CHECK(f.errors(kCommittee)[0].code == ErrorCode::kUnknownSubscription);
}

TEST_CASE("a subscription to a pattern that matches nothing the reader may read is refused", "[engine]") {
  EngineFixture f;
  f.hello(kKozah, "committee.kozah");
  f.subscribe(kKozah, "committee.kozah", 1, "referral.social.golfe");
  REQUIRE(f.errors(kKozah).size() == 1);
  CHECK(f.errors(kKozah)[0].code == ErrorCode::kForbidden);
  f.subscribe(kKozah, "committee.kozah", 2, "alert..bad");
  REQUIRE(f.errors(kKozah).size() == 2);
  CHECK(f.errors(kKozah)[1].code == ErrorCode::kMalformed);
}

TEST_CASE("a durable cursor is restored after a restart: settled messages are not delivered again", "[engine]") {
  EngineFixture f;
  f.hello(kPolice, "police.golfe");
  f.hello(kCommittee, "committee.golfe");
  f.subscribe(kCommittee, "committee.golfe", 1, "alert.>", "first", "desk");
  for (uint64_t i = 1; i <= 3; ++i) f.publish(kPolice, "police.golfe", i, f.alert(f.police));
  REQUIRE(f.run_until([&] { return f.msgs(kCommittee).size() == 3; }));
  auto m = f.msgs(kCommittee);
  f.ack(kCommittee, "committee.golfe", 1, m[0].seq);
  f.ack(kCommittee, "committee.golfe", 1, m[1].seq);
  f.restart();
  CHECK(fs::exists(f.config.data_dir + "/subscriptions/committee.golfe/desk.cursor"));
  f.hello(kCommittee, "committee.golfe");
  // A start given for an existing durable name is refused, naming its cursor.
  f.subscribe(kCommittee, "committee.golfe", 1, "alert.>", "first", "desk");
  REQUIRE(f.errors(kCommittee).size() == 1);
  CHECK(f.errors(kCommittee)[0].code == ErrorCode::kMalformed);
  CHECK(f.errors(kCommittee)[0].reason.find("at seq " + std::to_string(m[2].seq)) != std::string::npos);
  // Not given: it resumes at its cursor.
  f.subscribe(kCommittee, "committee.golfe", 1, "alert.>", "", "desk");
  REQUIRE(f.run_until([&] { return f.msgs(kCommittee).size() == 1; }));
  f.engine->tick();
  REQUIRE(f.msgs(kCommittee).size() == 1);
  CHECK(f.msgs(kCommittee)[0].seq == m[2].seq);
}

TEST_CASE("a durable subscription taken over by a new session leaves the old one", "[engine]") {
  EngineFixture f;
  f.hello(kPolice, "police.golfe");
  f.hello("old", "committee.golfe");
  f.subscribe("old", "committee.golfe", 1, "alert.>", "first", "desk");
  f.hello("new", "committee.golfe");
  // Held by a live session: refused without take_over, and the reason says how.
  f.subscribe("new", "committee.golfe", 1, "alert.>", "", "desk");
  REQUIRE(f.errors("new").size() == 1);
  CHECK(f.errors("new")[0].code == ErrorCode::kDurableInUse);
  CHECK(f.errors("new")[0].reason.find("take") != std::string::npos);
  f.subscribe("new", "committee.golfe", 1, "alert.>", "", "desk", kSubTakeOver);
  REQUIRE(f.replies<SubOkArgs>("new", Command::kSubOk).size() == 1);
  f.publish(kPolice, "police.golfe", 1, f.alert(f.police));
  REQUIRE(f.run_until([&] { return f.msgs("new").size() == 1; }));
  CHECK(f.msgs("old").empty());
}

TEST_CASE("delivery and ack events are gathered and written as one record each", "[engine]") {
  EngineFixture f([](BrokerConfig& c) { c.event_batch_ms = 60000; });
  f.hello(kPolice, "police.golfe");
  f.hello(kCommittee, "committee.golfe");
  f.subscribe(kCommittee, "committee.golfe", 1, "alert.>");
  for (uint64_t i = 1; i <= 3; ++i) f.publish(kPolice, "police.golfe", i, f.alert(f.police));
  REQUIRE(f.run_until([&] { return f.msgs(kCommittee).size() == 3; }));
  for (const auto& m : f.msgs(kCommittee)) f.ack(kCommittee, "committee.golfe", 1, m.seq);
  f.engine->tick();
  CHECK(f.events_of("delivery").empty());  // still gathering
  f.clock.advance(60000);
  REQUIRE(f.run_until([&] { return f.events_of("delivery").size() == 1 && f.events_of("ack").size() == 1; }));
  CHECK(f.events_of("delivery")[0].body["items"].size() == 3);
  CHECK(f.events_of("ack")[0].body["items"].size() == 3);
}

TEST_CASE("a topic naming a place that is not in the bundle's location table is refused", "[engine]") {
  EngineFixture f;
  f.hello(kPolice, "police.golfe");
  // kara has no prefecture lome; golfe is a prefecture of region maritime.
  auto e = refused(f, f.alert(f.police, [](SealParams& p) { p.topic = "alert.missing_child.kara.lome"; }));
  CHECK(e.code == ErrorCode::kMalformed);
  CHECK(e.reason.find("no prefecture 'lome'") != std::string::npos);
  e = refused(f, f.alert(f.police, [](SealParams& p) { p.topic = "alert.missing_child.kara.golfe"; }));
  CHECK(e.code == ErrorCode::kMalformed);
  CHECK(e.reason.find("'kara.golfe' is not a prefecture of region kara: golfe is in region maritime") !=
        std::string::npos);
  REQUIRE(f.run_until([&] { return f.events_of("refusal").size() == 2; }));
  CHECK(f.events_of("refusal")[0].body.value("topic", "") == "alert.missing_child.kara.lome");
  // A real place passes.
  f.transport.sent.clear();
  f.publish(kPolice, "police.golfe", 10, f.alert(f.police));
  REQUIRE(f.run_until([&] { return f.pubacks(kPolice).size() == 1; }));
}

}  // namespace relais::engine_test

namespace relais::engine_test {
namespace {

// FETCH kind:arg from the commission; the DATA payload, or the ERROR.
struct Fetched {
  std::optional<Bytes> payload;
  std::optional<ErrorArgs> error;
};
Fetched fetch(EngineFixture& f, const std::string& kind, const std::string& arg) {
  f.transport.sent.clear();
  f.command(kCommission, "commission", Command::kFetch, FetchArgs{77, kind, arg});
  REQUIRE(f.run_until([&] { return f.count(kCommission, Command::kData) + f.count(kCommission, Command::kError) > 0; }));
  Fetched out;
  for (const auto& s : f.transport.sent) {
    if (s.rid != kCommission) continue;
    if (s.cmd == Command::kData) out.payload = s.extra;
    if (s.cmd == Command::kError) out.error = f.errors(kCommission).front();
  }
  return out;
}

}  // namespace

TEST_CASE("FETCH checkpoint, consistency and inclusion answer proofs that verify under the broker's key",
          "[engine][anchor]") {
  EngineFixture f([](BrokerConfig& c) { c.checkpoint_every = 1000; });
  f.hello(kPolice, "police.golfe");
  f.hello(kCommission, "commission");
  std::vector<PubAckArgs> acks;
  for (uint64_t i = 1; i <= 3; ++i) {
    f.publish(kPolice, "police.golfe", i, f.alert(f.police));
    REQUIRE(f.run_until([&] { return f.pubacks(kPolice).size() == i; }));
  }
  acks = f.pubacks(kPolice);
  // Not signed yet: the covering checkpoint does not exist (a retry-later answer).
  const uint64_t seq = acks[1].seq;
  if (!f.log->first_checkpoint_covering(seq)) {
    auto none = fetch(f, "checkpoint", "covering:" + std::to_string(seq));
    REQUIRE(none.error);
    CHECK(none.error->code == ErrorCode::kLimit);
    CHECK(none.error->reason.find("no signed checkpoint covers seq") != std::string::npos);
  }
  f.restart();  // the clean stop signs a final checkpoint
  f.hello(kCommission, "commission");

  auto got = fetch(f, "checkpoint", "covering:" + std::to_string(seq));
  REQUIRE(got.payload);
  CheckpointData cp;
  REQUIRE(decode_fetch_data(*got.payload, &cp).ok());
  CHECK(cp.epoch == 0);
  CHECK(cp.size >= seq);
  Checkpoint signed_cp{cp.epoch, cp.size, cp.root, cp.ts_ms, cp.sig};
  CHECK(signed_cp.verify(f.broker.card.sign_pk));

  auto inc = fetch(f, "inclusion", std::to_string(seq) + ":" + std::to_string(cp.size));
  REQUIRE(inc.payload);
  InclusionData id;
  REQUIRE(decode_fetch_data(*inc.payload, &id).ok());
  const Receipt r = receipt_of(f, acks[1]);
  CHECK(id.leaf == r.leaf_hash);
  CHECK(MerkleTree::verify_inclusion(seq - 1, cp.size, id.leaf,
                                     std::vector<Hash256>(id.proof.begin(), id.proof.end()), cp.root));

  auto latest = fetch(f, "checkpoint", "latest");
  REQUIRE(latest.payload);
  CheckpointData head;
  REQUIRE(decode_fetch_data(*latest.payload, &head).ok());
  auto con = fetch(f, "consistency", std::to_string(cp.size) + ":" + std::to_string(head.size));
  REQUIRE(con.payload);
  ConsistencyData cd;
  REQUIRE(decode_fetch_data(*con.payload, &cd).ok());
  CHECK(MerkleTree::verify_consistency(cp.size, head.size, cp.root, head.root,
                                       std::vector<Hash256>(cd.proof.begin(), cd.proof.end())));

  SECTION("requests beyond the log or out of shape are refused with a reason") {
    const std::string beyond = std::to_string(f.log->last_durable_seq() + 5);
    for (auto [kind, arg] : std::vector<std::pair<std::string, std::string>>{
             {"inclusion", "1:" + beyond}, {"consistency", "3:2"}, {"consistency", "x"}, {"checkpoint", "first"},
             {"inclusion", "0:1"}}) {
      auto e = fetch(f, kind, arg);
      REQUIRE(e.error);
      CHECK(e.error->code == ErrorCode::kMalformed);
      CHECK(e.error->reason.find("FETCH " + kind) == 0);
    }
  }
}

}  // namespace relais::engine_test
