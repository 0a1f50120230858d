// Lawful erasure in the audit: records erased under a retention rule or an
// erasure order of the bundle in force verify INTACT and are reported with
// their ground, proofs for them still check, and an erasure that no event
// covers, or whose ground does not hold, is DAMAGED.
#include <catch2/catch.hpp>

#include "audit/proof.h"
#include "audit/replay.h"
#include "audit/verify.h"
#include "audit_fixture.h"
#include "log/segment_rewrite.h"

using namespace relais;
using namespace relais::audit_test;

namespace {

constexpr int64_t kDay = 86400000;

// The sample policy plus retention and erasure orders.
std::string erasure_policy() {
  return std::string(sample_policy_toml()) +
         "\n[retention]\n\"alert/1\" = \"30d\"\n\n[[erasure_orders]]\ncase_ref = \"case-2\"\norder = \"court order 7\"\n";
}

// A fixture log, then (appended as the broker would) bundle serial 4 with
// retention and orders loaded, erasure events, and the erasures themselves.
struct ErasureLog {
  Deployment d{24};
  TrustBundle b4;

  ErasureLog() {
    BundleSpec spec = spec_of(d.bundle);
    spec.serial = 4;
    spec.policy_text = erasure_policy();
    auto bytes = build_bundle(d.authority, spec);
    REQUIRE(bytes.ok());
    auto b = parse_bundle(*bytes, d.authority.card.sign_pk, "b4");
    REQUIRE(b.ok());
    b4 = std::move(*b);
  }

  AuditTrust trust() const { return {d.authority.card.sign_pk, std::make_shared<const TrustBundle>(b4)}; }

  // The messages of the fixture log with this type (and case, when given).
  std::vector<uint64_t> messages(const std::string& type, const std::string& case_ref = "") const {
    std::vector<uint64_t> out;
    for (const Logged& l : d.logged) {
      if (!l.message || l.type != type) continue;
      if (!case_ref.empty()) {
        auto env = decode_envelope(l.envelope);
        if (!env->header.case_ref || *env->header.case_ref != case_ref) continue;
      }
      out.push_back(l.seq);
    }
    return out;
  }

  // Opens the data folder, logs the bundle and the erasure events, erases.
  struct Erasure {
    std::string ground;  // "retention" or "order"
    uint64_t order = 0;
    std::vector<uint64_t> seqs;
    int64_t ts_ms = 0;
    bool erase = true;           // false: the event only
    uint64_t serial = 4;
  };
  void apply(const std::vector<Erasure>& erasures, const std::string& data) {
    LogOptions o;
    o.dir = data;
    o.sync = SyncPolicy::kNone;
    o.segment_bytes = 12 * 1024;
    o.checkpoint_every = kCheckpointEvery;
    o.checkpoint_interval_ms = 1000000;
    auto log = Log::open(o, d.broker.sign_sk);
    REQUIRE(log.ok());
    uint64_t token = 1000;
    auto submit = [&](int64_t ts, const Bytes& body) {
      (*log)->submit_event(++token, ts, body);
      std::vector<Completion> got;
      while (got.empty()) {
        pollfd p{(*log)->completion_fd(), POLLIN, 0};
        REQUIRE(::poll(&p, 1, 10000) == 1);
        (*log)->drain_completions(&got);
      }
      REQUIRE(got[0].status.ok());
      return got[0].seq;
    };
    EventBuilder loaded;
    loaded.begin("bundle_loaded", 3).u64("serial", 4).bin("hash", b4.hash).bin("bundle", b4.file);
    submit(kBaseTs + 100000, loaded.bytes());
    for (const Erasure& e : erasures) {
      EventBuilder ev;
      ev.begin("erasure", e.ground == "order" ? 4 : 3).str("ground", e.ground).u64("serial", e.serial);
      if (e.ground == "order") ev.u64("order", e.order);
      ev.array("seqs", static_cast<uint32_t>(e.seqs.size()));
      for (uint64_t s : e.seqs) ev.raw().pack(s);
      const uint64_t by = submit(e.ts_ms, ev.bytes());
      if (e.erase) {
        auto n = (*log)->erase_messages(e.seqs, by);
        REQUIRE(n.ok());
        CHECK(*n == e.seqs.size());
      }
    }
  }
};

VerifyReport verify(const std::string& data, const AuditTrust& trust) {
  auto rep = verify_log(data, trust);
  REQUIRE(rep.ok());
  return *rep;
}

}  // namespace

TEST_CASE("Records erased under retention verify INTACT, are reported, and their proofs still check",
          "[audit][erasure]") {
  ErasureLog x;
  const auto alerts = x.messages("alert/1");
  REQUIRE(alerts.size() >= 8);
  const std::vector<uint64_t> doomed(alerts.begin(), alerts.begin() + 6);
  const int64_t due = x.d.logged[doomed.back() - 1].ts_ms + 30 * kDay;
  x.apply({{"retention", 0, doomed, due}}, x.d.data);

  const VerifyReport rep = verify(x.d.data, x.trust());
  INFO((rep.fault ? rep.fault->to_string() : ""));
  REQUIRE(rep.ok());
  CHECK(rep.summary.erased == doomed.size());
  CHECK(rep.summary.erased_under_retention == doomed.size());
  CHECK(rep.summary.messages == 24);  // erased messages still count as messages
  const std::string text = format_summary(rep);
  CHECK_THAT(text, Catch::Contains("INTACT"));
  CHECK_THAT(text, Catch::Contains("seq " + std::to_string(doomed[0]) + ": erased under retention"));
  const auto j = report_to_json(rep);
  CHECK(j["erased"]["records"] == doomed.size());
  CHECK(j["erased"]["listed"][0]["ground"] == "erased under retention");

  // The ciphertext is gone from the data folder; a proof for the record still checks.
  const Logged& first = x.d.logged[doomed[0] - 1];
  auto env = decode_envelope(first.envelope);
  const Bytes fragment(env->ct.begin() + 32, env->ct.begin() + 96);
  for (const auto& f : fs::directory_iterator(x.d.data)) {
    if (!f.is_regular_file()) continue;
    const Bytes all = slurp(f.path().string());
    CHECK(std::search(all.begin(), all.end(), fragment.begin(), fragment.end()) == all.end());
  }
  auto proof = make_proof(x.d.data, x.b4, first.id);
  REQUIRE(proof.ok());
  auto checked = check_proof(*proof, x.b4, std::nullopt);
  INFO((checked.ok() ? "" : checked.status().message()));
  REQUIRE(checked.ok());
  CHECK(checked->seq == doomed[0]);

  // Replay still shows the erased message's header, marked erased, without a body.
  std::vector<nlohmann::json> lines;
  ReplayFilter f;
  auto n = replay_log(x.d.data, x.trust(), f, nullptr, [&](const nlohmann::json& l) { lines.push_back(l); });
  REQUIRE(n.ok());
  bool seen = false;
  for (const auto& l : lines)
    if (l.contains("seq") && l["seq"] == doomed[0] && l.contains("erased")) seen = true;
  CHECK(seen);
}

TEST_CASE("Records erased by an order verify INTACT and name the order", "[audit][erasure]") {
  ErasureLog x;
  std::vector<uint64_t> doomed = x.messages("alert/1", "case-2");
  const auto refs = x.messages("referral/1", "case-2");
  doomed.insert(doomed.end(), refs.begin(), refs.end());
  std::sort(doomed.begin(), doomed.end());
  REQUIRE(doomed.size() >= 2);
  x.apply({{"order", 1, doomed, kBaseTs + 200000}}, x.d.data);
  const VerifyReport rep = verify(x.d.data, x.trust());
  INFO((rep.fault ? rep.fault->to_string() : ""));
  REQUIRE(rep.ok());
  CHECK(rep.summary.erased_by_order.at(1) == doomed.size());
  CHECK_THAT(format_summary(rep), Catch::Contains("seq " + std::to_string(doomed[0]) + ": erased by order 1"));
}

TEST_CASE("An erasure event for records not yet erased is no fault", "[audit][erasure]") {
  ErasureLog x;
  const auto alerts = x.messages("alert/1");
  ErasureLog::Erasure e{"retention", 0, {alerts[0]}, kBaseTs + 40 * kDay};
  e.erase = false;
  x.apply({e}, x.d.data);
  const VerifyReport rep = verify(x.d.data, x.trust());
  CHECK(rep.ok());
  CHECK(rep.summary.erased == 0);
}

TEST_CASE("A ciphertext erased by hand, with no erasure event, is DAMAGED", "[audit][erasure]") {
  ErasureLog x;
  x.apply({}, x.d.data);  // bundle 4 loaded, nothing erased
  const uint64_t seq = x.messages("alert/1")[1];
  const uint64_t last = x.d.logged.size() + 1;  // the bundle_loaded event: not an erasure
  const auto recs = records_of(x.d.data);
  const Rec* target = nullptr;
  for (const Rec& r : recs)
    if (r.seq == seq && r.kind == RecordKind::kMessage) target = &r;
  REQUIRE(target != nullptr);
  const SegmentFile seg{std::stoull(target->segment.substr(0, 20)), target->segment, target->path};

  SECTION("naming a record that is not an erasure event") {
    auto rw = write_erased_copy(seg, {seq}, last, target->path + ".hand", false);
    REQUIRE(rw.ok());
    fs::rename(target->path + ".hand", target->path);
    const VerifyReport rep = verify(x.d.data, x.trust());
    REQUIRE_FALSE(rep.ok());
    CHECK(rep.fault->kind == "unexplained erasure");
    CHECK(rep.fault->seq == seq);
    CHECK_THAT(format_summary(rep), Catch::Contains("DAMAGED"));
  }
  SECTION("naming an event beyond the end of the log") {
    auto rw = write_erased_copy(seg, {seq}, last + 1000, target->path + ".hand", false);
    REQUIRE(rw.ok());
    fs::rename(target->path + ".hand", target->path);
    const VerifyReport rep = verify(x.d.data, x.trust());
    REQUIRE_FALSE(rep.ok());
    CHECK(rep.fault->kind == "unexplained erasure");
    CHECK(rep.fault->seq == seq);
  }
  SECTION("its ciphertext bytes zeroed in place") {
    const auto env = decode_envelope(x.d.logged[seq - 1].envelope);
    Bytes file = slurp(target->path);
    const uint64_t at = find_in(file, *target, ByteView(env->ct.data(), 64));
    std::fill(file.begin() + static_cast<std::ptrdiff_t>(at), file.begin() + static_cast<std::ptrdiff_t>(at + 64), 0);
    fix_crc(&file, target->offset);
    spit(target->path, file);
    const VerifyReport rep = verify(x.d.data, x.trust());
    REQUIRE_FALSE(rep.ok());
    CHECK(rep.fault->seq == seq);
  }
}

TEST_CASE("An erasure whose ground does not hold is DAMAGED", "[audit][erasure]") {
  ErasureLog x;
  const auto alerts = x.messages("alert/1");
  const auto referrals = x.messages("referral/1");
  SECTION("before the retention period has passed") {
    x.apply({{"retention", 0, {alerts[0]}, x.d.logged[alerts[0] - 1].ts_ms + 29 * kDay}}, x.d.data);
    const VerifyReport rep = verify(x.d.data, x.trust());
    REQUIRE_FALSE(rep.ok());
    CHECK(rep.fault->kind == "unfounded erasure");
    CHECK_THAT(rep.fault->detail, Catch::Contains("had not passed"));
  }
  SECTION("a type the policy gives no period") {
    x.apply({{"retention", 0, {referrals[0]}, kBaseTs + 3650 * kDay}}, x.d.data);
    const VerifyReport rep = verify(x.d.data, x.trust());
    REQUIRE_FALSE(rep.ok());
    CHECK(rep.fault->kind == "unfounded erasure");
    CHECK_THAT(rep.fault->detail, Catch::Contains("no retention period"));
  }
  SECTION("a message outside the order's case") {
    const uint64_t other = x.messages("alert/1", "case-1")[0];
    x.apply({{"order", 1, {other}, kBaseTs + 200000}}, x.d.data);
    const VerifyReport rep = verify(x.d.data, x.trust());
    REQUIRE_FALSE(rep.ok());
    CHECK(rep.fault->kind == "unfounded erasure");
  }
  SECTION("an order the bundle does not hold") {
    x.apply({{"order", 9, {alerts[0]}, kBaseTs + 200000}}, x.d.data);
    const VerifyReport rep = verify(x.d.data, x.trust());
    REQUIRE_FALSE(rep.ok());
    CHECK(rep.fault->kind == "unfounded erasure");
    CHECK_THAT(rep.fault->detail, Catch::Contains("no erasure order 9"));
  }
  SECTION("an event naming another bundle than the one in force") {
    ErasureLog::Erasure e{"retention", 0, {alerts[0]}, kBaseTs + 400 * kDay};
    e.serial = 3;
    x.apply({e}, x.d.data);
    const VerifyReport rep = verify(x.d.data, x.trust());
    REQUIRE_FALSE(rep.ok());
    CHECK(rep.fault->kind == "unfounded erasure");
  }
}
