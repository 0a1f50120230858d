// The broker's shredder in-process (engine_fixture.h): messages past the
// retention period of their type, and the messages of a case an erasure
// order names, are erased after an erasure event on record; their ciphertext
// leaves the data folder; a mailbox entry whose message was erased is settled
// with an event; DATA/shredding.paused pauses it; the cursors survive a
// restart. Also the planner alone.
#include <fstream>
#include <iterator>

#include "broker/erasure_planner.h"
#include "engine_fixture.h"

namespace relais::engine_test {
namespace {

constexpr int64_t kDay = 86400000;

const std::string kRules = R"(
[[mailboxes]]
topic = ["referral.>", "response.>"]
owner = "{1..}"

[retention]
"alert/1" = "2d"

[[erasure_orders]]
case_ref = "c-court"
order = "court order 12"
)";

EngineFixture shredding() {
  return EngineFixture([](BrokerConfig& c) { c.shred_interval_ms = 1000; }, kRules);
}

uint64_t published(EngineFixture& f, uint64_t req_id, const Bytes& env) {
  const size_t before = f.pubacks(kPolice).size();
  f.publish(kPolice, "police.golfe", req_id, env);
  REQUIRE(f.run_until([&] { return f.pubacks(kPolice).size() == before + 1 || !f.errors(kPolice).empty(); }));
  REQUIRE(f.errors(kPolice).empty());
  return f.pubacks(kPolice).back().seq;
}

bool erased(EngineFixture& f, uint64_t seq) {
  auto r = f.log->read(seq);
  return r.ok() && r->kind == RecordKind::kErasedMessage;
}

Bytes fragment_of(const Bytes& env) {
  auto d = decode_envelope(env);
  REQUIRE(d.ok());
  return Bytes(d->ct.begin() + 32, d->ct.begin() + 96);
}

bool data_holds(const EngineFixture& f, const Bytes& needle) {
  for (const auto& e : fs::recursive_directory_iterator(f.config.data_dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    const Bytes all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (std::search(all.begin(), all.end(), needle.begin(), needle.end()) != all.end()) return true;
  }
  return false;
}

// Moves the clock on by ms, then in steps of 300 ms (the engine's sweep)
// while feeding the engine, until fn holds; false after 10 s of real time.
bool run_days(EngineFixture& f, int64_t ms, const std::function<bool()>& fn) {
  f.clock.advance(ms);
  const int64_t deadline = relais::monotonic_ms() + 10000;
  while (relais::monotonic_ms() < deadline) {
    f.clock.advance(300);
    f.engine->on_verified();
    f.engine->on_log_completions();
    f.engine->tick();
    if (fn()) return true;
    pollfd p{f.log->completion_fd(), POLLIN, 0};
    ::poll(&p, 1, 5);
  }
  return false;
}

}  // namespace

TEST_CASE("messages past their retention period are erased after an erasure event", "[engine][shred]") {
  auto f = shredding();
  f.hello(kPolice, "police.golfe");
  const Bytes old_env = f.alert(f.police);
  const uint64_t old_seq = published(f, 1, old_env);
  f.clock.advance(kDay);
  const Bytes young_env = f.alert(f.police);
  const uint64_t young = published(f, 2, young_env);
  REQUIRE(data_holds(f, fragment_of(old_env)));

  // One day later the first is 2 days old: erased; the second is not.
  REQUIRE(run_days(f, kDay, [&] { return erased(f, old_seq); }));
  CHECK_FALSE(erased(f, young));
  CHECK_FALSE(data_holds(f, fragment_of(old_env)));
  CHECK(data_holds(f, fragment_of(young_env)));
  const auto ev = f.events_of("erasure");
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].body["ground"] == "retention");
  CHECK(ev[0].body["serial"] == f.bundle->serial);
  CHECK(ev[0].body["seqs"] == nlohmann::json::array({old_seq}));
  CHECK(ev[0].seq > old_seq);
  auto rec = f.log->read(old_seq);
  CHECK(rec->erased_by == ev[0].seq);
  CHECK(run_days(f, 0, [&] { return f.engine->erased_records() == 1; }));

  // A restart keeps the cursors: nothing is planned twice; the second follows in time.
  f.restart();
  REQUIRE(run_days(f, kDay, [&] { return erased(f, young); }));
  CHECK(f.events_of("erasure").size() == 2);
  CHECK(f.events_of("erasure")[1].body["seqs"] == nlohmann::json::array({young}));
  CHECK(fs::exists(shred_state_path(f.config.data_dir)));
}

TEST_CASE("an erasure order erases the messages of its case only", "[engine][shred]") {
  auto f = shredding();
  f.hello(kPolice, "police.golfe");
  const Bytes court = f.alert(f.police, [](SealParams& p) { p.case_ref = "c-court"; });
  const Bytes other = f.alert(f.police, [](SealParams& p) { p.case_ref = "c-other"; });
  const uint64_t a = published(f, 1, court);
  const uint64_t b = published(f, 2, other);
  REQUIRE(run_days(f, 0, [&] { return erased(f, a); }));
  CHECK_FALSE(erased(f, b));
  CHECK_FALSE(data_holds(f, fragment_of(court)));
  const auto ev = f.events_of("erasure");
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].body["ground"] == "order");
  CHECK(ev[0].body["order"] == 1);
  // A later message of the same case is erased too.
  const uint64_t c = published(f, 3, f.alert(f.police, [](SealParams& p) { p.case_ref = "c-court"; }));
  REQUIRE(run_days(f, 0, [&] { return erased(f, c); }));
  CHECK_FALSE(erased(f, b));
}

TEST_CASE("a mailbox entry whose message was erased is settled with an event", "[engine][shred][mailbox]") {
  auto f = shredding();
  f.hello(kPolice, "police.golfe");
  const uint64_t doomed = published(f, 1, f.alert(f.police, [](SealParams& p) {
    p.topic = "referral.social.golfe";
    p.type = "referral/1";
    p.case_ref = "c-court";
  }));
  const uint64_t kept = published(f, 2, f.alert(f.police, [](SealParams& p) {
    p.topic = "referral.social.golfe";
    p.type = "referral/1";
  }));
  REQUIRE(run_days(f, 0, [&] { return erased(f, doomed); }));
  // social.golfe connects: the erased referral is settled, not delivered; the other comes.
  f.hello(kSocial, "social.golfe");
  f.subscribe(kSocial, "social.golfe", 1, "", "", std::string(kMailboxDurable));
  REQUIRE(f.run_until([&] { return f.msgs(kSocial).size() == 1 && f.events_of("erased_unread").size() == 1; }));
  CHECK(f.msgs(kSocial)[0].seq == kept);
  const auto settled = f.events_of("erased_unread");
  CHECK(settled[0].body["who"] == "social.golfe");
  CHECK(settled[0].body["seq"] == doomed);
}

TEST_CASE("DATA/shredding.paused pauses the shredder", "[engine][shred]") {
  auto f = shredding();
  f.hello(kPolice, "police.golfe");
  const uint64_t seq = published(f, 1, f.alert(f.police));
  { std::ofstream(shred_pause_path(f.config.data_dir)) << "backup in progress\n"; }
  f.clock.advance(3 * kDay);
  // Paused, the engine plans nothing (a plan is only posted from tick()).
  for (int i = 0; i < 20; ++i) {
    f.clock.advance(1000);
    f.engine->on_log_completions();
    f.engine->tick();
  }
  CHECK(f.events_of("erasure").empty());
  CHECK_FALSE(erased(f, seq));
  fs::remove(shred_pause_path(f.config.data_dir));
  REQUIRE(run_days(f, 0, [&] { return erased(f, seq); }));
}

TEST_CASE("the planner splits batches, waits for old enough records and follows the bundle's orders",
          "[shred][planner]") {
  auto f = shredding();
  f.hello(kPolice, "police.golfe");
  std::vector<uint64_t> seqs;
  for (int i = 0; i < 3; ++i) seqs.push_back(published(f, 1 + i, f.alert(f.police)));
  const uint64_t horizon = f.log->last_durable_seq();
  const Policy& policy = f.bundle->policy;
  // Not yet 2 days old: nothing, but the cursors stop before them.
  ErasurePlan p = plan_erasures(*f.log, policy, {}, f.clock.now_ms(), horizon, 100000);
  CHECK(p.batches.empty());
  CHECK(p.next.retention.at(2 * kDay) <= seqs[0]);
  CHECK(p.next.orders.at(1) == horizon + 1);
  // Two days later: all three, in one batch; with a budget of one record, one at a time.
  p = plan_erasures(*f.log, policy, {}, f.clock.now_ms() + 2 * kDay, horizon, 100000);
  REQUIRE(p.batches.size() == 1);
  CHECK(p.batches[0].seqs == seqs);
  CHECK(p.batches[0].due_ms <= f.clock.now_ms() + 2 * kDay);
  ErasurePlan small = plan_erasures(*f.log, policy, {}, f.clock.now_ms() + 2 * kDay, horizon, 1);
  CHECK(small.more);
  // The event body the auditor reads.
  const Bytes body = erasure_event_body(p.batches[0], 7);
  auto j = msgpack_to_json(body);
  REQUIRE(j.ok());
  CHECK((*j)["event"] == "erasure");
  CHECK((*j)["serial"] == 7);
  CHECK((*j)["seqs"].size() == 3);
  // The state file round-trips.
  REQUIRE(save_shred_state(f.dir, p.next).ok());
  auto back = load_shred_state(f.dir);
  REQUIRE(back.ok());
  CHECK(*back == p.next);
}

}  // namespace relais::engine_test
