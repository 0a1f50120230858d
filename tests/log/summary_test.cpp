// Segment summaries and record keys: recovery takes sealed segments from
// their summaries, falls back to a scan (and rewrites the summary) whenever a
// summary is missing or does not fit, and keys survive restarts either way.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "log/log_writer.h"
#include "log/recovery.h"
#include "log/segment.h"
#include "log/segment_summary.h"
#include "log_test_util.h"

using namespace relais;
using namespace relais::testing;
namespace fs = std::filesystem;

namespace {

RecordKey key_from_envelope(ByteView env) {
  RecordKey k{};
  for (size_t i = 0; i < k.size() && i < env.size(); ++i) k[i] = env[i];
  return k;
}

RecordKey key_of(uint64_t t) { return key_from_envelope(envelope_of(t, 120)); }

LogOptions small_segments(const std::string& dir) {
  LogOptions o = options_for(dir, SyncPolicy::kBatch);
  o.segment_bytes = 3000;
  o.checkpoint_every = 7;
  o.message_key = key_from_envelope;
  return o;
}

// Writes n records, one batch each, token t: a message (6-argument submit) or,
// when t % 5 == 0, an event. ts = kT0 + t * 10.
void write_records(Log& log, uint64_t first_token, uint64_t n) {
  for (uint64_t t = first_token; t < first_token + n; ++t) {
    const int64_t ts = kT0 + static_cast<int64_t>(t) * 10;
    if (t % 5 == 0)
      log.submit_event(t, ts, as_bytes("event"));
    else
      log.submit_message(t, ts, hash_of(t, 1), hash_of(t, 2), key_of(t), envelope_of(t, 120));
    auto done = wait_for(log, 1);
    REQUIRE(done[0].status.ok());
  }
}

// token == seq for a fresh log written by write_records.
std::vector<std::pair<uint64_t, RecordKey>> keys_of(const Log& log, uint64_t first_seq) {
  std::vector<std::pair<uint64_t, RecordKey>> out;
  log.for_each_message_key(first_seq, [&](uint64_t seq, int64_t ts, const RecordKey& k) {
    CHECK(ts == kT0 + static_cast<int64_t>(seq) * 10);
    out.emplace_back(seq, k);
  });
  return out;
}

void check_same_recovery(const RecoveredLog& a, const RecoveredLog& b) {
  REQUIRE(a.last_seq == b.last_seq);
  CHECK(a.records == b.records);
  CHECK(a.frontier.root() == b.frontier.root());
  CHECK(a.last_ts_ms == b.last_ts_ms);
  CHECK(a.tail_size == b.tail_size);
  CHECK(a.last_checkpoint_record == b.last_checkpoint_record);
  for (uint64_t s = 1; s <= a.last_seq; ++s) {
    INFO("seq " << s);
    REQUIRE(a.index.locate(s)->segment == b.index.locate(s)->segment);
    const IndexEntry x = a.index.entry(s), y = b.index.entry(s);
    REQUIRE(x.offset == y.offset);
    REQUIRE(x.ts_ms == y.ts_ms);
    REQUIRE(x.kind == y.kind);
    REQUIRE(x.key == y.key);
  }
}

std::string sum_path(const std::string& dir, uint64_t n) { return dir + "/" + summary_file_name(n); }

Bytes read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_all(const std::string& path, ByteView data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

struct Fixture {
  TempDir dir;
  SignKey key;
  size_t segments = 0;
  Fixture() {
    auto log = Log::open(small_segments(dir.path), key.sk);
    REQUIRE(log.ok());
    write_records(**log, 1, 80);
    log->reset();
    auto segs = list_segments(dir.path);
    REQUIRE(segs.ok());
    segments = segs->size();
    REQUIRE(segments >= 4);
  }
};

}  // namespace

TEST_CASE("Sealed segments are taken from their summaries and give the same index as a full scan", "[log][summary]") {
  Fixture fx;
  for (uint64_t n = 1; n <= fx.segments; ++n) CHECK(fs::exists(sum_path(fx.dir.path, n)));
  auto fast = recover_log(fx.dir.path, false, key_from_envelope);
  REQUIRE(fast.ok());
  CHECK(fast->summarised_segments == fx.segments - 1);
  CHECK(fast->scanned_segments == 1);  // the last segment is always scanned
  CHECK(fast->summaries_written == 0);
  auto full = recover_log(fx.dir.path, false, key_from_envelope, false);
  REQUIRE(full.ok());
  CHECK(full->scanned_segments == fx.segments);
  CHECK(full->last_seq == 80);
  REQUIRE(full->last_checkpoint_record.has_value());
  check_same_recovery(*fast, *full);

  auto log = Log::open(small_segments(fx.dir.path), fx.key.sk);
  REQUIRE(log.ok());
  CHECK((*log)->last_durable_seq() == 80);
  CHECK((*log)->read(33)->payload == envelope_of(33, 120));
  CHECK(*(*log)->first_seq_at_or_after_time(kT0 + 415) == 42);
  write_records(**log, 81, 10);  // and the writer goes on after a start from summaries
  CHECK((*log)->read(89)->payload == envelope_of(89, 120));
}

TEST_CASE("A corrupt, truncated, size-mismatched, misplaced or missing summary is ignored and rewritten", "[log][summary]") {
  Fixture fx;
  const std::string victim = sum_path(fx.dir.path, 2);
  const Bytes good = read_all(victim);
  auto reference = recover_log(fx.dir.path, false, key_from_envelope, false);
  REQUIRE(reference.ok());
  auto decoded = SegmentSummary::decode(good);
  REQUIRE(decoded.ok());

  std::vector<std::pair<std::string, Bytes>> damages;
  for (size_t i : {size_t{0}, size_t{20}, good.size() / 2, good.size() - 1}) {
    Bytes b = good;
    b[i] ^= 0x10;
    damages.emplace_back("a flipped byte at " + std::to_string(i), b);
  }
  damages.emplace_back("a truncated file", Bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(good.size() / 2)));
  damages.emplace_back("an empty file", Bytes{});
  {
    SegmentSummary s = *decoded;
    s.size += 1;  // a valid summary of a segment of another size
    damages.emplace_back("a size that differs from the segment's", s.encode());
  }
  {
    SegmentSummary s = *decoded;
    s.first_seq += 1;
    s.frontier.append(hash_of(1, 1));
    damages.emplace_back("a first seq that does not continue the log", s.encode());
  }
  damages.emplace_back("the summary of another segment", read_all(sum_path(fx.dir.path, 3)));
  damages.emplace_back("no summary at all", Bytes{});

  for (const auto& [what, bytes] : damages) {
    INFO(what);
    if (what == "no summary at all")
      fs::remove(victim);
    else
      write_all(victim, bytes);
    auto r = recover_log(fx.dir.path, true, key_from_envelope);
    REQUIRE(r.ok());
    CHECK(r->summarised_segments == fx.segments - 2);
    CHECK(r->scanned_segments == 2);
    CHECK(r->summaries_written == 1);
    check_same_recovery(*r, *reference);
    CHECK(read_all(victim) == good);  // rewritten byte for byte
    auto again = recover_log(fx.dir.path, false, key_from_envelope);
    REQUIRE(again.ok());
    CHECK(again->summarised_segments == fx.segments - 1);
  }
}

TEST_CASE("A crash between sealing a segment and writing its summary costs only a scan", "[log][summary]") {
  Fixture fx;
  // As if the writer died right after creating each new segment: no summary anywhere.
  for (uint64_t n = 1; n <= fx.segments; ++n) fs::remove(sum_path(fx.dir.path, n));
  {
    auto log = Log::open(small_segments(fx.dir.path), fx.key.sk);
    REQUIRE(log.ok());
    CHECK((*log)->last_durable_seq() == 80);
    auto keys = keys_of(**log, 1);
    REQUIRE(keys.size() == 64);  // 80 records, every fifth an event
    for (const auto& [seq, k] : keys) CHECK(k == key_of(seq));
  }
  for (uint64_t n = 1; n < fx.segments; ++n) CHECK(fs::exists(sum_path(fx.dir.path, n)));
  auto r = recover_log(fx.dir.path, false, key_from_envelope);
  REQUIRE(r.ok());
  CHECK(r->summarised_segments == fx.segments - 1);
}

TEST_CASE("Record keys survive a restart from summaries and from a scan", "[log][summary]") {
  Fixture fx;
  // A message_key that disagrees with the submitted keys shows where each key came from.
  LogOptions o = small_segments(fx.dir.path);
  RecordKey other{};
  other.fill(0xAA);
  o.message_key = [other](ByteView) { return other; };
  {
    // Summaries of sealed segments, and the clean-close summary of the last one.
    auto log = Log::open(o, fx.key.sk);
    REQUIRE(log.ok());
    for (const auto& [seq, k] : keys_of(**log, 1)) CHECK(k == key_of(seq));
  }
  // Without the last segment's summary, its keys come from message_key.
  fs::remove(sum_path(fx.dir.path, fx.segments));
  auto log = Log::open(o, fx.key.sk);
  REQUIRE(log.ok());
  auto r = recover_log(fx.dir.path, false, {});
  REQUIRE(r.ok());
  const uint64_t tail_first = r->tail_first_seq;
  REQUIRE(tail_first > 1);
  size_t from_scan = 0;
  for (const auto& [seq, k] : keys_of(**log, 1)) {
    INFO("seq " << seq);
    if (seq >= tail_first) {
      CHECK(k == other);
      ++from_scan;
    } else {
      CHECK(k == key_of(seq));
    }
  }
  CHECK(from_scan > 0);
}

TEST_CASE("for_each_message_key visits durable messages only, from first_seq, in seq order", "[log][summary]") {
  TempDir dir;
  SignKey key;
  auto log = Log::open(small_segments(dir.path), key.sk);
  REQUIRE(log.ok());
  CHECK(keys_of(**log, 1).empty());
  write_records(**log, 1, 23);
  auto all = keys_of(**log, 0);
  std::vector<uint64_t> seqs;
  for (const auto& [seq, k] : all) {
    seqs.push_back(seq);
    CHECK(k == key_of(seq));
  }
  CHECK(seqs == std::vector<uint64_t>{1, 2, 3, 4, 6, 7, 8, 9, 11, 12, 13, 14, 16, 17, 18, 19, 21, 22, 23});
  CHECK(keys_of(**log, 1).size() == 19);
  auto from = keys_of(**log, 10);
  REQUIRE(from.size() == 11);
  CHECK(from.front().first == 11);
  CHECK(keys_of(**log, 23).size() == 1);
  CHECK(keys_of(**log, 24).empty());
  // The 5-argument submit derives the key with message_key.
  (*log)->submit_message(24, kT0 + 240, hash_of(24, 1), hash_of(24, 2), envelope_of(24, 120));
  REQUIRE(wait_for(**log, 1)[0].status.ok());
  auto last = keys_of(**log, 24);
  REQUIRE(last.size() == 1);
  CHECK(last[0].second == key_of(24));
}

TEST_CASE("The last segment is scanned even when its summary is valid", "[log][summary]") {
  Fixture fx;
  const std::string tail = fx.dir.path + "/" + segment_file_name(fx.segments);
  REQUIRE(fs::exists(sum_path(fx.dir.path, fx.segments)));
  Bytes b = read_all(tail);
  REQUIRE(b.size() > 60);
  b[30] ^= 0x01;  // inside the first record of the last segment, well before its last commit marker
  write_all(tail, b);
  auto r = recover_log(fx.dir.path, false, key_from_envelope);
  REQUIRE(!r.ok());
  CHECK(r.status().code() == Code::kCorruption);
  CHECK_THAT(r.status().message(), Catch::Contains(segment_file_name(fx.segments)));
}

TEST_CASE("A summary round-trips and a wrong CRC or kind is refused", "[log][summary]") {
  SegmentSummary s;
  s.segment = 7;
  s.size = 1000;
  s.first_seq = 5;
  s.records = 4;
  for (uint64_t i = 0; i < 6; ++i) s.frontier.append(hash_of(i, 3));
  s.leaves.push_back({0, kT0, RecordKind::kMessage, key_of(1)});
  s.leaves.push_back({300, kT0 - 5, RecordKind::kEvent, RecordKey{}});
  Checkpoint cp;
  cp.size = 6;
  cp.root = s.frontier.root();
  cp.ts_ms = kT0;
  s.last_checkpoint = cp;
  Bytes e = s.encode();
  auto d = SegmentSummary::decode(e);
  REQUIRE(d.ok());
  CHECK(d->segment == 7);
  CHECK(d->size == 1000);
  CHECK(d->first_seq == 5);
  CHECK(d->records == 4);
  CHECK(d->frontier.root() == s.frontier.root());
  CHECK(d->last_checkpoint == s.last_checkpoint);
  REQUIRE(d->leaves.size() == 2);
  CHECK(d->leaves[1].offset == 300);
  CHECK(d->leaves[1].ts_ms == kT0 - 5);
  CHECK(d->leaves[1].kind == RecordKind::kEvent);
  CHECK(d->leaves[0].key == key_of(1));
  Bytes bad = e;
  bad[bad.size() - 1] ^= 1;
  CHECK(SegmentSummary::decode(bad).status().code() == Code::kCorruption);
  s.leaves[0].offset = 400;  // offsets must increase
  CHECK(SegmentSummary::decode(s.encode()).status().code() == Code::kCorruption);
}
