#include <catch2/catch.hpp>

#include <random>

#include "audit/verify.h"
#include "audit_fixture.h"

using namespace relais;
using namespace relais::audit_test;

namespace {

Deployment& shared() {
  static Deployment d(60);
  return d;
}

// A fault detail may quote flipped bytes (not UTF-8).
constexpr auto kReplace = nlohmann::json::error_handler_t::replace;

// Verifies with the default options, and checks that every thread count and
// chunk size (chunk boundaries at every record, or a single chunk) gives the
// very same report, fault and summary included.
VerifyReport verify(const std::string& dir) {
  auto r = verify_log(dir, shared().trust());
  REQUIRE(r.ok());
  const std::string expected = report_to_json(*r).dump(-1, ' ', false, kReplace);
  for (auto [threads, chunk] : {std::pair<int, size_t>{1, 1000000}, {2, 1}, {2, 3}, {3, 16}}) {
    VerifyOptions o;
    o.threads = threads;
    o.chunk_records = chunk;
    auto again = verify_log(dir, shared().trust(), o);
    REQUIRE(again.ok());
    INFO("threads " << threads << ", chunk " << chunk);
    CHECK(report_to_json(*again).dump(-1, ' ', false, kReplace) == expected);
  }
  return std::move(*r);
}

// The fault names the record itself, or a seq between it and the checkpoint
// that covers it (a root mismatch can only be narrowed to that range).
void require_located(const VerifyReport& rep, const Rec& r) {
  REQUIRE(rep.fault.has_value());
  INFO(rep.fault->to_string());
  const bool at_record = rep.fault->segment == r.segment && rep.fault->offset == r.offset;
  const bool in_range = rep.fault->seq >= r.seq && rep.fault->seq <= r.seq + kCheckpointEvery;
  CHECK((at_record || in_range));
}

}  // namespace

TEST_CASE("An intact log verifies and is summarised", "[verify]") {
  auto& d = shared();
  auto rep = verify(d.data);
  INFO((rep.fault ? rep.fault->to_string() : std::string()));
  REQUIRE(rep.ok());
  const auto& s = rep.summary;
  CHECK(s.messages == 60);
  CHECK(s.events == 60);
  CHECK(s.leaves == 120);
  CHECK(s.segments > 1);
  CHECK(s.messages_by_type.at("alert/1") == 40);
  CHECK(s.messages_by_type.at("referral/1") == 20);
  CHECK(s.events_by_kind.at("delivery") == 20);
  CHECK(s.senders.at("police.golfe") == 40);
  CHECK(s.checkpoint_records >= 120 / kCheckpointEvery);
  CHECK(s.checkpoint_file == s.checkpoint_records);
  CHECK(s.signed_size == 120);
  CHECK(s.unsigned_tail == 0);
  CHECK(s.first_ts_ms == kBaseTs + 5);
  CHECK(report_to_json(rep)["verdict"] == "intact");
  CHECK(format_summary(rep).find("INTACT") == 0);
}

TEST_CASE("Verification gives the same verdict with one thread", "[verify]") {
  VerifyOptions o;
  o.threads = 1;
  auto r = verify_log(shared().data, shared().trust(), o);
  REQUIRE(r.ok());
  CHECK(r->ok());
}

TEST_CASE("Single-byte flips anywhere in a record are detected at that record", "[verify][tamper]") {
  auto& d = shared();
  TempDir t;
  auto recs = records_of(d.data);
  std::mt19937_64 rng(42);
  int tried = 0;
  for (size_t i = 0; i < recs.size(); i += 7) {
    const Rec& r = recs[i];
    const uint64_t pos = r.offset + rng() % (kRecordHeaderSize + r.length);
    std::string copy = copy_data(d.data, t.path + "/c");
    std::string seg = copy + "/" + r.segment;
    Bytes b = slurp(seg);
    b[pos] ^= static_cast<uint8_t>(1u << (rng() % 8));
    spit(seg, b);
    auto rep = verify(copy);
    INFO("record " << i << " kind " << int(r.kind) << " flip at " << pos);
    REQUIRE(rep.fault.has_value());
    CHECK(rep.fault->segment == r.segment);
    CHECK(rep.fault->offset == r.offset);
    ++tried;
  }
  CHECK(tried > 20);
}

TEST_CASE("Flips with a recomputed CRC in headers, bodies, sealed keys and signatures are located", "[verify][tamper]") {
  auto& d = shared();
  TempDir t;
  auto recs = records_of(d.data);
  std::mt19937_64 rng(7);
  int tried = 0;
  for (size_t i = 0; i < recs.size(); i += 5) {
    const Rec& r = recs[i];
    if (r.kind != RecordKind::kMessage && r.kind != RecordKind::kEvent) continue;
    std::string copy = copy_data(d.data, t.path + "/c");
    std::string seg = copy + "/" + r.segment;
    Bytes b = slurp(seg);
    const uint64_t payload = r.offset + kRecordHeaderSize;
    std::vector<uint64_t> targets;
    if (r.kind == RecordKind::kMessage) {
      auto env = decode_envelope(d.logged[r.seq - 1].envelope);
      REQUIRE(env.ok());
      targets.push_back(payload + 1 + rng() % 8);          // seq
      targets.push_back(payload + 9 + rng() % 8);          // broker ts
      targets.push_back(payload + 17 + rng() % 64);        // core and ct hashes
      targets.push_back(find_in(b, r, env->core) + rng() % 40);                     // cleartext header
      targets.push_back(find_in(b, r, env->header.to[0].sealed_key) + rng() % 80);  // a sealed key
      targets.push_back(find_in(b, r, env->ct) + rng() % env->ct.size());           // the body
      targets.push_back(find_in(b, r, ByteView(env->sig.data(), 64)) + rng() % 64);  // the signature
    } else {
      targets.push_back(payload + 1 + rng() % 16);
      targets.push_back(payload + 17 + rng() % (r.length - 17));
    }
    for (uint64_t pos : targets) {
      Bytes c = b;
      c[pos] ^= static_cast<uint8_t>(1u << (rng() % 8));
      fix_crc(&c, r.offset);
      spit(seg, c);
      auto rep = verify(copy);
      INFO("seq " << r.seq << " flip at " << pos - r.offset << " of the record");
      require_located(rep, r);
      ++tried;
    }
    spit(seg, b);
  }
  CHECK(tried > 40);
}

TEST_CASE("A flipped checkpoint is detected in the log and in the checkpoints file", "[verify][tamper]") {
  auto& d = shared();
  TempDir t;
  auto recs = records_of(d.data);
  std::mt19937_64 rng(9);
  for (const Rec& r : recs) {
    if (r.kind != RecordKind::kCheckpoint || r.seq % 3 != 0) continue;
    for (bool fix : {false, true}) {
      std::string copy = copy_data(d.data, t.path + "/c");
      Bytes b = slurp(copy + "/" + r.segment);
      b[r.offset + kRecordHeaderSize + 1 + rng() % (Checkpoint::kPayloadSize - 1)] ^= 0x10;
      if (fix) fix_crc(&b, r.offset);
      spit(copy + "/" + r.segment, b);
      auto rep = verify(copy);
      REQUIRE(rep.fault.has_value());
      INFO(rep.fault->to_string());
      // A changed size field moves the record out of order; anything else is its own fault.
      CHECK(rep.fault->segment == r.segment);
      CHECK(rep.fault->offset == r.offset);
    }
  }
  // The checkpoints file: entry 3.
  const uint64_t entry = 3 * (kRecordHeaderSize + Checkpoint::kPayloadSize);
  for (bool fix : {false, true}) {
    std::string copy = copy_data(d.data, t.path + "/c");
    Bytes b = slurp(copy + "/checkpoints");
    b[entry + kRecordHeaderSize + 50] ^= 0x01;  // inside the root
    if (fix) fix_crc(&b, entry);
    spit(copy + "/checkpoints", b);
    auto rep = verify(copy);
    REQUIRE(rep.fault.has_value());
    INFO(rep.fault->to_string());
    CHECK(rep.fault->segment == "checkpoints");
    CHECK(rep.fault->offset == entry);
  }
}

TEST_CASE("A deleted record is detected at its place", "[verify][tamper]") {
  auto& d = shared();
  TempDir t;
  auto recs = records_of(d.data);
  const Rec* victim = nullptr;
  for (const Rec& r : recs)
    if (r.kind == RecordKind::kMessage && r.seq > 40 && recs.back().segment != r.segment) {
      victim = &r;
      break;
    }
  REQUIRE(victim != nullptr);
  std::string copy = copy_data(d.data, t.path + "/c");
  Bytes b = slurp(copy + "/" + victim->segment);
  b.erase(b.begin() + static_cast<std::ptrdiff_t>(victim->offset),
          b.begin() + static_cast<std::ptrdiff_t>(victim->offset + kRecordHeaderSize + victim->length));
  spit(copy + "/" + victim->segment, b);
  auto rep = verify(copy);
  REQUIRE(rep.fault.has_value());
  INFO(rep.fault->to_string());
  CHECK((rep.fault->kind == "sequence gap" || rep.fault->kind == "record out of order"));
  CHECK(rep.fault->segment == victim->segment);
  CHECK(rep.fault->offset == victim->offset);
}

TEST_CASE("Two swapped records are detected at the first of them", "[verify][tamper]") {
  auto& d = shared();
  TempDir t;
  auto recs = records_of(d.data);
  size_t k = 0;
  for (size_t i = 30; i + 2 < recs.size(); ++i)
    if (recs[i].kind == RecordKind::kMessage && recs[i + 2].kind == RecordKind::kEvent &&
        recs[i].segment == recs[i + 2].segment && recs[i + 1].kind == RecordKind::kCommit) {
      k = i;
      break;
    }
  REQUIRE(k != 0);
  // The message and the event trade places (each record keeps its seq).
  const Rec& a = recs[k];
  const Rec& e = recs[k + 2];
  std::string copy = copy_data(d.data, t.path + "/c");
  Bytes b = slurp(copy + "/" + a.segment);
  const uint64_t a_end = a.offset + kRecordHeaderSize + a.length;
  const uint64_t e_end = e.offset + kRecordHeaderSize + e.length;
  Bytes ra(b.begin() + static_cast<std::ptrdiff_t>(a.offset), b.begin() + static_cast<std::ptrdiff_t>(a_end));
  Bytes mid(b.begin() + static_cast<std::ptrdiff_t>(a_end), b.begin() + static_cast<std::ptrdiff_t>(e.offset));
  Bytes re(b.begin() + static_cast<std::ptrdiff_t>(e.offset), b.begin() + static_cast<std::ptrdiff_t>(e_end));
  Bytes swapped = re;
  swapped.insert(swapped.end(), mid.begin(), mid.end());
  swapped.insert(swapped.end(), ra.begin(), ra.end());
  std::copy(swapped.begin(), swapped.end(), b.begin() + static_cast<std::ptrdiff_t>(a.offset));
  spit(copy + "/" + a.segment, b);
  auto rep = verify(copy);
  REQUIRE(rep.fault.has_value());
  INFO(rep.fault->to_string());
  CHECK(rep.fault->segment == a.segment);
  CHECK(rep.fault->offset == a.offset);
}

TEST_CASE("Two swapped messages renumbered with fixed CRCs fail the Merkle root", "[verify][tamper]") {
  auto& d = shared();
  TempDir t;
  auto recs = records_of(d.data);
  // Two messages two leaves apart in one segment (message, commit, event, commit, message).
  size_t k = 0;
  for (size_t i = 20; i + 4 < recs.size(); ++i)
    if (recs[i].kind == RecordKind::kMessage && recs[i + 4].kind == RecordKind::kMessage &&
        recs[i].segment == recs[i + 4].segment && recs[i + 2].kind == RecordKind::kEvent) {
      k = i;
      break;
    }
  REQUIRE(k != 0);
  const Rec& a = recs[k];
  const Rec& c = recs[k + 4];
  std::string copy = copy_data(d.data, t.path + "/c");
  Bytes b = slurp(copy + "/" + a.segment);
  auto payload_of = [&](const Rec& r) {
    return Bytes(b.begin() + static_cast<std::ptrdiff_t>(r.offset + kRecordHeaderSize),
                 b.begin() + static_cast<std::ptrdiff_t>(r.offset + kRecordHeaderSize + r.length));
  };
  Bytes pa = payload_of(a), pc = payload_of(c);
  // Give each the other's seq, then frame them in each other's place.
  std::swap_ranges(pa.begin() + 1, pa.begin() + 9, pc.begin() + 1);
  Bytes fa, fc;
  append_frame(&fa, pc);
  append_frame(&fc, pa);
  Bytes mid(b.begin() + static_cast<std::ptrdiff_t>(a.offset + kRecordHeaderSize + a.length),
            b.begin() + static_cast<std::ptrdiff_t>(c.offset));
  Bytes out(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(a.offset));
  out.insert(out.end(), fa.begin(), fa.end());
  out.insert(out.end(), mid.begin(), mid.end());
  out.insert(out.end(), fc.begin(), fc.end());
  out.insert(out.end(), b.begin() + static_cast<std::ptrdiff_t>(c.offset + kRecordHeaderSize + c.length), b.end());
  spit(copy + "/" + a.segment, out);
  auto rep = verify(copy);
  REQUIRE(rep.fault.has_value());
  INFO(rep.fault->to_string());
  CHECK(rep.fault->kind == "root mismatch");
  CHECK(rep.fault->seq >= a.seq);
  CHECK(rep.fault->seq <= c.seq + kCheckpointEvery);
}

TEST_CASE("An inserted forged message is detected at its place", "[verify][tamper]") {
  auto& d = shared();
  TempDir t;
  auto recs = records_of(d.data);
  const Rec* after = nullptr;
  for (const Rec& r : recs)
    if (r.kind == RecordKind::kEvent && r.seq > 50) {
      after = &r;
      break;
    }
  REQUIRE(after != nullptr);
  // A message claiming to be from police.golfe but signed by someone else, with the next seq.
  Identity forger = Deployment::make("police.golfe", Role::kPolice, "maritime", "golfe");
  Bytes env = d.seal(4, nullptr, &forger);
  auto dec = decode_envelope(env);
  Bytes payload;
  encode_message_payload(&payload, after->seq + 1, kBaseTs + 777, dec->core_hash, dec->ct_hash, env);
  Bytes frame;
  append_frame(&frame, payload);
  std::string copy = copy_data(d.data, t.path + "/c");
  Bytes b = slurp(copy + "/" + after->segment);
  const uint64_t at = after->offset + kRecordHeaderSize + after->length;
  b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), frame.begin(), frame.end());
  spit(copy + "/" + after->segment, b);
  auto rep = verify(copy);
  REQUIRE(rep.fault.has_value());
  INFO(rep.fault->to_string());
  CHECK(rep.fault->kind == "bad signature");
  CHECK(rep.fault->seq == after->seq + 1);
  CHECK(rep.fault->segment == after->segment);
  CHECK(rep.fault->offset == at);
}

TEST_CASE("A log truncated at a record boundary before the last checkpoint is detected", "[verify][tamper]") {
  auto& d = shared();
  TempDir t;
  auto recs = records_of(d.data);
  const Rec& last = recs.back();
  // Cut at the record of seq 100 (a clean boundary, below the signed size 120)
  // and drop every later segment, as an operator hiding records would.
  const Rec* cut = nullptr;
  for (const Rec& r : recs)
    if (r.kind == RecordKind::kMessage && r.seq >= 100) {
      cut = &r;
      break;
    }
  REQUIRE(cut != nullptr);
  std::string copy = copy_data(d.data, t.path + "/c");
  fs::resize_file(copy + "/" + cut->segment, cut->offset);
  for (const Rec& r : recs)
    if (r.segment > cut->segment) fs::remove(copy + "/" + r.segment);
  auto rep = verify(copy);
  REQUIRE(rep.fault.has_value());
  INFO(rep.fault->to_string());
  CHECK(rep.fault->kind == "log cut back");
  CHECK(rep.fault->segment == "checkpoints");
  CHECK(rep.fault->detail.find(cut->segment + " offset " + std::to_string(cut->offset)) != std::string::npos);
  // And a log that ends inside a record is damage, never silently cut.
  copy = copy_data(d.data, t.path + "/c");
  fs::resize_file(copy + "/" + last.segment, last.offset + 5);
  rep = verify(copy);
  REQUIRE(rep.fault.has_value());
  CHECK(rep.fault->offset == last.offset);
  CHECK(rep.fault->kind == "truncated record header");
}

TEST_CASE("A replaced checkpoint signature or a checkpoint signed by another key is refused", "[verify][tamper]") {
  auto& d = shared();
  TempDir t;
  auto recs = records_of(d.data);
  const Rec* cp = nullptr;
  for (const Rec& r : recs)
    if (r.kind == RecordKind::kCheckpoint && r.seq >= 64) {
      cp = &r;
      break;
    }
  REQUIRE(cp != nullptr);
  Identity other = Deployment::make("broker", Role::kBroker, "", "");
  for (int variant = 0; variant < 2; ++variant) {
    std::string copy = copy_data(d.data, t.path + "/c");
    Bytes b = slurp(copy + "/" + cp->segment);
    auto old = Checkpoint::decode_payload(
        ByteView(b.data() + cp->offset + kRecordHeaderSize, Checkpoint::kPayloadSize));
    REQUIRE(old.ok());
    Checkpoint c = *old;
    if (variant == 0) {
      randombytes_buf(c.sig.data(), c.sig.size());
    } else {
      c = Checkpoint::sign(old->size, old->root, old->ts_ms, other.sign_sk);
    }
    Bytes p = c.encode_payload();
    std::copy(p.begin(), p.end(), b.begin() + static_cast<std::ptrdiff_t>(cp->offset + kRecordHeaderSize));
    fix_crc(&b, cp->offset);
    spit(copy + "/" + cp->segment, b);
    auto rep = verify(copy);
    REQUIRE(rep.fault.has_value());
    INFO(rep.fault->to_string());
    CHECK(rep.fault->kind == "bad checkpoint signature");
    CHECK(rep.fault->offset == cp->offset);
    CHECK(rep.fault->seq == cp->seq);
  }
  // The same in the checkpoints file: every entry re-signed by another key.
  std::string copy = copy_data(d.data, t.path + "/c");
  auto cps = read_checkpoint_file(copy + "/checkpoints");
  REQUIRE(cps.ok());
  fs::remove(copy + "/checkpoints");
  for (const auto& c : *cps)
    REQUIRE(append_checkpoint_file(copy + "/checkpoints", Checkpoint::sign(c.size, c.root, c.ts_ms, other.sign_sk),
                                   false)
                .ok());
  auto rep = verify(copy);
  REQUIRE(rep.fault.has_value());
  CHECK(rep.fault->kind == "bad checkpoint signature");
  CHECK(rep.fault->segment == "checkpoints");
  CHECK(rep.fault->offset == 0);
}

TEST_CASE("A message from a sender missing from the bundle is reported", "[verify]") {
  auto& d = shared();
  auto bytes = build_bundle(d.authority, {d.broker.card, d.commission.card, d.committee.card}, sample_policy_toml(), 4,
                            kBaseTs, {});
  REQUIRE(bytes.ok());
  auto b = parse_bundle(*bytes, d.authority.card.sign_pk, "small.bundle");
  REQUIRE(b.ok());
  auto rep = verify_log(d.data, AuditTrust{d.authority.card.sign_pk, std::make_shared<const TrustBundle>(std::move(*b))});
  REQUIRE(rep.ok());
  REQUIRE(rep->fault.has_value());
  CHECK(rep->fault->kind == "unknown sender");
  CHECK(rep->fault->seq == 1);
}
