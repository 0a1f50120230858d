// Erasure in the log: Log::erase_messages takes the ciphertext of chosen
// message records out of the data folder (sealed segments rewritten, the
// segment being written sealed first), while leaf hashes, proofs, the index,
// summaries and restarts stay right.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "crypto/envelope.h"
#include "crypto/keys.h"
#include "log/log_reader.h"
#include "log/log_writer.h"
#include "log/recovery.h"
#include "log/segment_rewrite.h"
#include "log/segment_summary.h"
#include "log_test_util.h"

using namespace relais;
using namespace relais::testing;
namespace fs = std::filesystem;

namespace {

// Real sealed envelopes (the erasure reads core and sig from them).
struct Sealer {
  Identity sender, reader;
  Sealer()
      : sender(make("police.golfe", Role::kPolice)), reader(make("commission", Role::kCommission)) {}
  static Identity make(const char* name, Role role) {
    auto id = generate_identity(name, role, "", "");
    REQUIRE(id.ok());
    return std::move(*id);
  }
  Bytes seal(int i) const {
    SealParams p;
    p.from = sender.card.name;
    p.topic = "alert.missing_child.maritime.golfe";
    p.type = "alert/1";
    p.ts_ms = kT0 + i;
    p.expires_ms = p.ts_ms + 86400000;
    p.bundle_serial = 1;
    p.case_ref = "case-" + std::to_string(i % 3);
    p.readers = {{reader.card.name, reader.card.seal_pk}};
    Bytes body(300, static_cast<uint8_t>('a' + i % 26));
    auto env = seal_envelope(p, body, sender.sign_sk);
    REQUIRE(env.ok());
    return *env;
  }
};

RecordKey key_of_envelope(ByteView env) {
  auto v = decode_envelope_view(env);
  RecordKey k{};
  if (v.ok()) std::copy_n(v->header.id.begin(), k.size(), k.begin());
  return k;
}

RecordKey key_of_core(ByteView core) {
  // The fixture's key: the id, found in the core map after its "id" key (bin 16).
  RecordKey k{};
  const Bytes needle = {0xa2, 'i', 'd', 0xc4, 0x10};
  auto it = std::search(core.begin(), core.end(), needle.begin(), needle.end());
  if (it != core.end()) std::copy_n(it + static_cast<std::ptrdiff_t>(needle.size()), k.size(), k.begin());
  return k;
}

LogOptions erase_options(const std::string& dir) {
  LogOptions o = options_for(dir, SyncPolicy::kBatch);
  o.segment_bytes = 4000;
  o.checkpoint_every = 5;
  o.message_key = key_of_envelope;
  o.erased_key = key_of_core;
  return o;
}

struct Written {
  std::vector<Bytes> envelopes;  // by seq - 1 (empty for events)
  std::vector<Hash256> leaves;
};

// n records, one batch each: an event every 4th, else a message.
void write(Log& log, const Sealer& s, int n, Written* w) {
  for (int i = 0; i < n; ++i) {
    const uint64_t t = w->leaves.size() + 1;
    if (t % 4 == 0) {
      log.submit_event(t, kT0 + static_cast<int64_t>(t), as_bytes("event"));
      w->envelopes.emplace_back();
    } else {
      Bytes env = s.seal(static_cast<int>(t));
      auto d = decode_envelope(env);
      REQUIRE(d.ok());
      log.submit_message(t, kT0 + static_cast<int64_t>(t), d->core_hash, d->ct_hash, env);
      w->envelopes.push_back(env);
    }
    auto done = wait_for(log, 1);
    REQUIRE(done[0].status.ok());
    w->leaves.push_back(done[0].leaf_hash);
  }
}

uint64_t event(Log& log, Written* w) {
  const uint64_t t = w->leaves.size() + 1;
  log.submit_event(t, kT0 + static_cast<int64_t>(t), as_bytes("erasure"));
  auto done = wait_for(log, 1);
  REQUIRE(done[0].status.ok());
  w->envelopes.emplace_back();
  w->leaves.push_back(done[0].leaf_hash);
  return done[0].seq;
}

Bytes ct_of(const Bytes& env) {
  auto d = decode_envelope(env);
  REQUIRE(d.ok());
  return d->ct;
}

// True if any file of dir holds `needle`.
bool folder_holds(const std::string& dir, const Bytes& needle) {
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream f(e.path(), std::ios::binary);
    Bytes all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (std::search(all.begin(), all.end(), needle.begin(), needle.end()) != all.end()) return true;
  }
  return false;
}

Bytes fragment(const Bytes& ct) { return Bytes(ct.begin() + 40, ct.begin() + 104); }

}  // namespace

TEST_CASE("erase_messages removes the ciphertext and keeps leaves, proofs, keys and restarts right", "[log][erase]") {
  TempDir dir;
  SignKey key;
  Sealer s;
  Written w;
  const std::vector<uint64_t> doomed = {2, 3, 9, 18};  // sealed segments, and (18) the one being written
  uint64_t by = 0;
  Hash256 root_before{};
  {
    auto log = Log::open(erase_options(dir.path), key.sk);
    REQUIRE(log.ok());
    write(**log, s, 18, &w);
    by = event(**log, &w);
    for (uint64_t seq : doomed) REQUIRE(folder_holds(dir.path, fragment(ct_of(w.envelopes[seq - 1]))));
    auto root = (*log)->root_at(by);
    REQUIRE(root.ok());
    root_before = *root;
    const uint64_t segments_before = list_segments(dir.path)->size();

    auto erased = (*log)->erase_messages({2, 3, 4, 9, 18, 500}, by);  // 4 is an event, 500 unknown: skipped
    REQUIRE(erased.ok());
    CHECK(*erased == 4);
    CHECK(list_segments(dir.path)->size() == segments_before + 1);  // the written segment was sealed

    for (uint64_t seq : doomed) {
      CHECK_FALSE(folder_holds(dir.path, fragment(ct_of(w.envelopes[seq - 1]))));
      auto r = (*log)->read(seq);
      REQUIRE(r.ok());
      CHECK(r->kind == RecordKind::kErasedMessage);
      CHECK(r->erased_by == by);
      auto d = decode_envelope(w.envelopes[seq - 1]);
      CHECK(r->payload == d->core);
      CHECK(r->sig == d->sig);
      CHECK(r->ct_hash == d->ct_hash);
      CHECK(*(*log)->leaf_hash(seq) == w.leaves[seq - 1]);
      auto proof = (*log)->inclusion_proof(seq, by);
      REQUIRE(proof.ok());
      CHECK(MerkleTree::verify_inclusion(seq - 1, by, w.leaves[seq - 1], *proof, root_before));
    }
    // Everything else still reads back, from the moved offsets too.
    for (uint64_t seq = 1; seq <= by; ++seq) {
      auto r = (*log)->read(seq);
      REQUIRE(r.ok());
      if (std::find(doomed.begin(), doomed.end(), seq) == doomed.end() && !w.envelopes[seq - 1].empty())
        CHECK(r->payload == w.envelopes[seq - 1]);
    }
    CHECK(*(*log)->root_at(by) == root_before);
    // A second erasure of the same records changes nothing; the log still takes records.
    CHECK(*(*log)->erase_messages({2, 3}, by) == 0);
    write(**log, s, 3, &w);
  }
  // After a restart (summaries), after a full scan (no summaries), and for the auditor's reader.
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1)
      for (const auto& e : fs::directory_iterator(dir.path))
        if (e.path().extension() == ".sum") fs::remove(e.path());
    auto log = Log::open(erase_options(dir.path), key.sk);
    REQUIRE(log.ok());
    CHECK((*log)->last_durable_seq() == w.leaves.size());
    CHECK(*(*log)->root_at(by) == root_before);
    std::vector<uint64_t> keyed;
    (*log)->for_each_message_key(1, [&](uint64_t seq, int64_t, const RecordKey& k) {
      if (std::find(doomed.begin(), doomed.end(), seq) != doomed.end()) {
        auto d = decode_envelope(w.envelopes[seq - 1]);
        INFO("pass " << pass << " seq " << seq);
        CHECK(std::equal(k.begin(), k.end(), d->header.id.begin()));
        keyed.push_back(seq);
      }
    });
    CHECK(keyed == doomed);
    for (uint64_t seq : doomed) CHECK((*log)->read(seq)->kind == RecordKind::kErasedMessage);
  }
  auto reader = LogReader::open(dir.path);
  REQUIRE(reader.ok());
  LogEntry e;
  uint64_t erased_seen = 0;
  while (*(*reader)->next(&e)) {
    if (is_leaf_kind(e.record.kind)) CHECK(e.leaf_hash == w.leaves[e.record.seq - 1]);
    if (e.record.kind == RecordKind::kErasedMessage) ++erased_seen;
  }
  CHECK(erased_seen == doomed.size());
}

TEST_CASE("erase_messages refuses a damaged segment and leaves it as it was", "[log][erase]") {
  TempDir dir;
  SignKey key;
  Sealer s;
  Written w;
  {
    auto log = Log::open(erase_options(dir.path), key.sk);
    REQUIRE(log.ok());
    write(**log, s, 12, &w);
    event(**log, &w);
  }
  const std::string first = dir.path + "/" + segment_file_name(1);
  // A flipped byte near the end of segment 1 (in its last records).
  const auto size = fs::file_size(first);
  {
    std::fstream f(first, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(size - 30));
    const char c = static_cast<char>(f.get());
    f.seekp(static_cast<std::streamoff>(size - 30));
    f.put(static_cast<char>(c ^ 0x5a));
  }
  std::ifstream before_f(first, std::ios::binary);
  const Bytes before((std::istreambuf_iterator<char>(before_f)), std::istreambuf_iterator<char>());
  SegmentFile seg{1, segment_file_name(1), first};
  auto rw = write_erased_copy(seg, {1, 2}, 13, dir.path + "/" + erasing_file_name(1), false);
  REQUIRE_FALSE(rw.ok());
  CHECK(rw.status().code() == Code::kCorruption);
  CHECK(rw.status().message().find("nothing was erased") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.path + "/" + erasing_file_name(1)));
  std::ifstream after_f(first, std::ios::binary);
  const Bytes after((std::istreambuf_iterator<char>(after_f)), std::istreambuf_iterator<char>());
  CHECK(after == before);
}

TEST_CASE("a copy left by an interrupted erasure is removed at open", "[log][erase]") {
  TempDir dir;
  SignKey key;
  Sealer s;
  Written w;
  {
    auto log = Log::open(erase_options(dir.path), key.sk);
    REQUIRE(log.ok());
    write(**log, s, 3, &w);
  }
  const std::string left = dir.path + "/" + erasing_file_name(1);
  fs::copy_file(dir.path + "/" + segment_file_name(1), left);
  auto log = Log::open(erase_options(dir.path), key.sk);
  REQUIRE(log.ok());
  CHECK_FALSE(fs::exists(left));
  CHECK((*log)->last_durable_seq() == 3);
}

TEST_CASE("an erased-message record encodes and decodes with its message's leaf", "[log][erase][record]") {
  Hash256 core_hash = hash_of(1, 1), ct_hash = hash_of(1, 2);
  Bytes sig(64, 0x42), core = {1, 2, 3, 4, 5};
  Bytes p;
  encode_erased_payload(&p, 7, kT0, core_hash, ct_hash, 9, sig, core);
  CHECK(p.size() == kErasedFixedSize + core.size());
  auto r = decode_payload(p);
  REQUIRE(r.ok());
  CHECK(r->kind == RecordKind::kErasedMessage);
  CHECK(r->seq == 7);
  CHECK(r->erased_by == 9);
  CHECK(Bytes(r->sig.begin(), r->sig.end()) == sig);
  CHECK(Bytes(r->body.begin(), r->body.end()) == core);
  CHECK(leaf_hash(*r) == message_leaf_hash(7, kT0, core_hash, ct_hash));
  CHECK(std::string(record_kind_name(RecordKind::kErasedMessage)) == "erased-message");
  p.resize(kErasedFixedSize - 1);
  CHECK_FALSE(decode_payload(p).ok());
}
