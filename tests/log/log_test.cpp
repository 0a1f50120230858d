#include <algorithm>
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sys/resource.h>
#include <unistd.h>

#include "log/log_reader.h"
#include "log/log_writer.h"
#include "log/recovery.h"
#include "log/segment.h"
#include "log_test_util.h"

using namespace relais;
using namespace relais::testing;
namespace fs = std::filesystem;

namespace {

// Submits n messages (ts = kT0 + seq*10 for a fresh log) and waits for them.
std::vector<Completion> write_messages(Log& log, uint64_t first_token, uint64_t n, size_t size = 100) {
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t t = first_token + i;
    log.submit_message(t, kT0 + static_cast<int64_t>(t) * 10, hash_of(t, 1), hash_of(t, 2), envelope_of(t, size));
  }
  auto done = wait_for(log, n);
  for (const auto& c : done) REQUIRE(c.status.ok());
  return done;
}

Bytes read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_all(const std::string& path, ByteView data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

}  // namespace

TEST_CASE("Records get consecutive seqs and completions come back in order with leaf hashes", "[log]") {
  TempDir dir;
  SignKey key;
  auto log = Log::open(options_for(dir.path, SyncPolicy::kBatch), key.sk);
  REQUIRE(log.ok());
  auto done = write_messages(**log, 1, 50);
  for (uint64_t i = 0; i < 50; ++i) {
    CHECK(done[i].token == i + 1);
    CHECK(done[i].seq == i + 1);
    CHECK(done[i].leaf_hash == message_leaf_hash(i + 1, kT0 + static_cast<int64_t>(i + 1) * 10, hash_of(i + 1, 1),
                                                 hash_of(i + 1, 2)));
  }
  (*log)->submit_event(99, kT0 + 1000, as_bytes("\x81\xa4" "kind\xa7" "connect"));
  auto ev = wait_for(**log, 1);
  CHECK(ev[0].seq == 51);
  CHECK(ev[0].leaf_hash == event_leaf_hash(51, kT0 + 1000, as_bytes("\x81\xa4" "kind\xa7" "connect")));
  CHECK((*log)->last_durable_seq() == 51);
}

TEST_CASE("read returns the exact envelope by seq and time lookup finds the first record at or after", "[log]") {
  TempDir dir;
  SignKey key;
  auto log = Log::open(options_for(dir.path), key.sk);
  REQUIRE(log.ok());
  write_messages(**log, 1, 200, 300);
  for (uint64_t s : {1, 2, 64, 65, 199, 200}) {
    auto r = (*log)->read(s);
    REQUIRE(r.ok());
    CHECK(r->kind == RecordKind::kMessage);
    CHECK(r->seq == s);
    CHECK(r->ts_ms == kT0 + static_cast<int64_t>(s) * 10);
    CHECK(r->core_hash == hash_of(s, 1));
    CHECK(r->ct_hash == hash_of(s, 2));
    CHECK(r->payload == envelope_of(s, 300));
  }
  CHECK((*log)->read(0).status().code() == Code::kNotFound);
  CHECK((*log)->read(201).status().code() == Code::kNotFound);
  CHECK(*(*log)->first_seq_at_or_after_time(0) == 1);
  CHECK(*(*log)->first_seq_at_or_after_time(kT0 + 10) == 1);
  CHECK(*(*log)->first_seq_at_or_after_time(kT0 + 11) == 2);
  CHECK(*(*log)->first_seq_at_or_after_time(kT0 + 1300) == 130);
  CHECK(*(*log)->first_seq_at_or_after_time(kT0 + 2000) == 200);
  CHECK((*log)->first_seq_at_or_after_time(kT0 + 2001).status().code() == Code::kNotFound);
}

TEST_CASE("Time lookup is exact when the broker clock stepped backwards", "[log]") {
  LogIndex idx;
  const int64_t ts[] = {100, 300, 200, 250, 400};
  for (uint64_t i = 0; i < 5; ++i) idx.add(i + 1, 1, i * 10, ts[i]);
  CHECK(*idx.first_seq_at_or_after_time(150, 5) == 2);
  CHECK(*idx.first_seq_at_or_after_time(301, 5) == 5);
  CHECK(!idx.first_seq_at_or_after_time(301, 4));
}

TEST_CASE("A reopened log continues the sequence, the index and the Merkle root", "[log]") {
  TempDir dir;
  SignKey key;
  Hash256 root1;
  {
    auto log = Log::open(options_for(dir.path), key.sk);
    REQUIRE(log.ok());
    write_messages(**log, 1, 30);
  }
  {
    auto log = Log::open(options_for(dir.path), key.sk);
    REQUIRE(log.ok());
    CHECK((*log)->last_durable_seq() == 30);
    auto cp = (*log)->latest_checkpoint();
    REQUIRE(cp);  // the clean close signed a final checkpoint
    CHECK(cp->size == 30);
    CHECK(cp->verify(key.pk));
    root1 = cp->root;
    auto done = write_messages(**log, 31, 5);
    CHECK(done.front().seq == 31);
    CHECK((*log)->read(3)->payload == envelope_of(3));
  }
  // The auditor's view agrees: strict scan, Merkle tree, checkpoints file.
  auto reader = LogReader::open(dir.path);
  REQUIRE(reader.ok());
  MerkleTree tree;
  LogEntry e;
  int commits = 0, checkpoints = 0;
  for (;;) {
    auto more = (*reader)->next(&e);
    REQUIRE(more.ok());
    if (!*more) break;
    if (is_leaf_kind(e.record.kind)) tree.append(e.leaf_hash);
    if (e.record.kind == RecordKind::kCommit) ++commits;
    if (e.record.kind == RecordKind::kCheckpoint) {
      ++checkpoints;
      CHECK(e.record.checkpoint->root == tree.root());
      CHECK(e.record.checkpoint->verify(key.pk));
    }
  }
  CHECK(tree.size() == 35);
  CHECK(tree.root_at(30) == root1);
  CHECK(commits >= 2);
  CHECK(checkpoints == 2);
  auto file = read_checkpoint_file(dir.path + "/checkpoints");
  REQUIRE(file.ok());
  REQUIRE(file->size() == 2);
  CHECK(file->back().size == 35);
  CHECK(file->back().root == tree.root());
}

TEST_CASE("Checkpoints are signed every N leaves", "[log]") {
  TempDir dir;
  SignKey key;
  LogOptions o = options_for(dir.path, SyncPolicy::kAlways);
  o.checkpoint_every = 10;
  auto log = Log::open(o, key.sk);
  REQUIRE(log.ok());
  write_messages(**log, 1, 25);
  auto cp = (*log)->latest_checkpoint();
  REQUIRE(cp);
  CHECK(cp->size == 20);
  auto file = read_checkpoint_file(dir.path + "/checkpoints");
  REQUIRE(file.ok());
  REQUIRE(file->size() == 2);
  CHECK((*file)[0].size == 10);
}

TEST_CASE("A log opened in a new epoch signs its checkpoints in it, and keeps it across restarts", "[log][epoch]") {
  TempDir dir;
  SignKey key;
  LogOptions o = options_for(dir.path, SyncPolicy::kAlways);
  {
    auto log = Log::open(o, key.sk);
    REQUIRE(log.ok());
    CHECK((*log)->epoch() == 0);
    CHECK((*log)->epoch_began_after() == 0);
    write_messages(**log, 1, 5);
  }  // a clean close signs size 5 in epoch 0
  {
    LogOptions lower = o;
    lower.start_epoch = 2;
    auto log = Log::open(lower, key.sk);
    REQUIRE(log.ok());
    CHECK((*log)->epoch() == 2);
    CHECK((*log)->epoch_began_after() == 5);
    (*log)->submit_event(1, kT0 + 100, Bytes{0x80});
    auto done = wait_for(**log, 1);
    REQUIRE(done[0].status.ok());
    CHECK(done[0].seq == 6);
  }
  auto file = read_checkpoint_file(dir.path + "/checkpoints");
  REQUIRE(file.ok());
  REQUIRE(file->size() == 2);
  CHECK((*file)[0].epoch == 0);
  CHECK((*file)[1].epoch == 2);
  CHECK((*file)[1].size == 6);
  CHECK((*file)[1].verify(key.pk));
  {
    auto log = Log::open(o, key.sk);
    REQUIRE(log.ok());
    CHECK((*log)->epoch() == 2);
    CHECK((*log)->epoch_began_after() == 5);
  }
  // An older epoch is refused.
  LogOptions older = o;
  older.start_epoch = 1;
  CHECK(Log::open(older, key.sk).status().code() == Code::kInvalid);
}

TEST_CASE("Checkpoints lost from the unsynced checkpoints file are re-added from the log at the next start",
          "[log][recovery]") {
  TempDir dir;
  SignKey key;
  LogOptions o = options_for(dir.path, SyncPolicy::kBatch);
  o.checkpoint_every = 10;
  {
    auto log = Log::open(o, key.sk);
    REQUIRE(log.ok());
    write_messages(**log, 1, 10);  // one batch each: checkpoints at 10 and 20
    write_messages(**log, 11, 10);
    write_messages(**log, 21, 5);
  }  // clean close: a last checkpoint at 25
  const std::string path = dir.path + "/checkpoints";
  auto before = read_checkpoint_file(path);
  REQUIRE(before.ok());
  REQUIRE(before->size() == 3);
  CHECK(before->back().size == 25);
  // A crash loses what the page cache held: keep only the first checkpoint.
  const Bytes all = read_all(path);
  write_all(path, ByteView(all.data(), all.size() / 3));
  REQUIRE(read_checkpoint_file(path)->size() == 1);
  {
    auto log = Log::open(o, key.sk);
    REQUIRE(log.ok());
    auto cp = (*log)->latest_checkpoint();
    REQUIRE(cp);
    CHECK(cp->size == 25);
  }
  auto after = read_checkpoint_file(path);
  REQUIRE(after.ok());
  REQUIRE(after->size() >= 2);
  CHECK((*after)[0].size == 10);
  CHECK(after->back().size == 25);
}

TEST_CASE("A second opener of the same data folder is refused with the holder's pid", "[log]") {
  TempDir dir;
  SignKey key;
  auto first = Log::open(options_for(dir.path), key.sk);
  REQUIRE(first.ok());
  auto second = Log::open(options_for(dir.path), key.sk);
  REQUIRE(!second.ok());
  CHECK(second.status().code() == Code::kRefused);
  CHECK_THAT(second.status().message(),
             Catch::Contains("is in use by another broker (pid " + std::to_string(::getpid()) + ")"));
  first->reset();
  CHECK(Log::open(options_for(dir.path), key.sk).ok());
}

TEST_CASE("Segments roll over by size and reads and reopen span them", "[log]") {
  TempDir dir;
  SignKey key;
  LogOptions o = options_for(dir.path, SyncPolicy::kAlways);
  o.segment_bytes = 2000;
  {
    auto log = Log::open(o, key.sk);
    REQUIRE(log.ok());
    write_messages(**log, 1, 60, 200);
    for (uint64_t s = 1; s <= 60; ++s) REQUIRE((*log)->read(s)->payload == envelope_of(s, 200));
  }
  auto segs = list_segments(dir.path);
  REQUIRE(segs.ok());
  CHECK(segs->size() >= 6);
  for (const auto& s : *segs) CHECK(fs::file_size(s.path) < 2000 + 400);
  auto log = Log::open(o, key.sk);
  REQUIRE(log.ok());
  CHECK((*log)->last_durable_seq() == 60);
  CHECK((*log)->read(17)->payload == envelope_of(17, 200));
  CHECK(*(*log)->first_seq_at_or_after_time(kT0 + 455) == 46);
}

TEST_CASE("A missing middle segment is reported", "[log]") {
  TempDir dir;
  SignKey key;
  LogOptions o = options_for(dir.path, SyncPolicy::kAlways);
  o.segment_bytes = 1000;
  {
    auto log = Log::open(o, key.sk);
    REQUIRE(log.ok());
    write_messages(**log, 1, 30, 200);
  }
  fs::remove(dir.path + "/" + segment_file_name(2));
  auto log = Log::open(o, key.sk);
  REQUIRE(log.status().code() == Code::kCorruption);
  CHECK_THAT(log.status().message(), Catch::Contains(segment_file_name(2) + " is missing"));
}

// The torn-tail tests build a committed log, then append a final batch by hand
// (records + commit marker, exactly as the writer frames them).
namespace {

struct TornFixture {
  TempDir dir;
  SignKey key;
  Bytes committed;   // segment bytes after the clean close
  Bytes last_batch;  // three records + commit marker
  uint64_t committed_seq = 0;

  TornFixture() {
    {
      auto log = Log::open(options_for(dir.path), key.sk);
      REQUIRE(log.ok());
      write_messages(**log, 1, 10);
      write_messages(**log, 11, 10);
      committed_seq = (*log)->last_durable_seq();
    }
    committed = read_all(seg1(dir.path));
    Bytes p;
    for (uint64_t s = committed_seq + 1; s <= committed_seq + 3; ++s) {
      p.clear();
      if (s % 2) encode_message_payload(&p, s, kT0 + static_cast<int64_t>(s) * 10, hash_of(s, 1), hash_of(s, 2), envelope_of(s, 40));
      else encode_event_payload(&p, s, kT0 + static_cast<int64_t>(s) * 10, as_bytes("event"));
      append_frame(&last_batch, p);
    }
    p.clear();
    encode_commit_payload(&p, committed_seq + 3, kT0 + 999);
    append_frame(&last_batch, p);
  }

  void install(ByteView tail) {
    Bytes all = committed;
    all.insert(all.end(), tail.begin(), tail.end());
    write_all(seg1(dir.path), all);
  }
};

}  // namespace

TEST_CASE("A final batch cut at every byte offset is truncated back to the last commit marker", "[log][recovery]") {
  TornFixture fx;
  for (size_t cut = 0; cut <= fx.last_batch.size(); ++cut) {
    fx.install(ByteView(fx.last_batch.data(), cut));
    auto r = recover_log(fx.dir.path);
    REQUIRE(r.ok());
    if (cut == fx.last_batch.size()) {
      CHECK(r->last_seq == fx.committed_seq + 3);
      CHECK(r->truncated_bytes == 0);
    } else {
      INFO("cut at " << cut);
      REQUIRE(r->last_seq == fx.committed_seq);
      REQUIRE(r->truncated_bytes == cut);
      REQUIRE(fs::file_size(seg1(fx.dir.path)) == fx.committed.size());
    }
  }
  // And the whole Log opens on a torn tail and keeps writing after it.
  fx.install(ByteView(fx.last_batch.data(), fx.last_batch.size() - 5));
  auto log = Log::open(options_for(fx.dir.path), fx.key.sk);
  REQUIRE(log.ok());
  CHECK((*log)->last_durable_seq() == fx.committed_seq);
  auto done = write_messages(**log, 100, 2);
  CHECK(done[0].seq == fx.committed_seq + 1);
}

TEST_CASE("A flipped byte anywhere in the final batch truncates exactly that batch", "[log][recovery]") {
  TornFixture fx;
  for (size_t i = 0; i < fx.last_batch.size(); ++i) {
    Bytes bad = fx.last_batch;
    bad[i] ^= 0x40;
    fx.install(bad);
    auto r = recover_log(fx.dir.path);
    INFO("flip at " << i);
    REQUIRE(r.ok());
    REQUIRE(r->last_seq == fx.committed_seq);
    REQUIRE(fs::file_size(seg1(fx.dir.path)) == fx.committed.size());
  }
}

TEST_CASE("A flipped byte in an earlier committed record makes open fail naming segment and offset", "[log][recovery]") {
  TornFixture fx;
  // Offsets of the committed records, from the strict reader.
  std::vector<uint64_t> offsets;
  {
    auto reader = LogReader::open(fx.dir.path);
    REQUIRE(reader.ok());
    LogEntry e;
    while (*(*reader)->next(&e)) offsets.push_back(e.offset);
  }
  REQUIRE(offsets.size() > 20);
  for (size_t k : {size_t{0}, size_t{5}, offsets.size() / 2}) {
    for (uint64_t delta : {uint64_t{0}, uint64_t{6}, uint64_t{9}, uint64_t{30}}) {
      Bytes bad = fx.committed;
      // Stay inside record k: a commit marker is only 25 bytes long, and
      // where commit markers fall depends on the writer's timing.
      const uint64_t end = k + 1 < offsets.size() ? offsets[k + 1] : bad.size();
      const uint64_t at = std::min(offsets[k] + delta, end - 1);
      bad[at] ^= 0x01;
      write_all(seg1(fx.dir.path), bad);
      auto log = Log::open(options_for(fx.dir.path), fx.key.sk);
      INFO("record " << k << " byte " << delta);
      REQUIRE(log.status().code() == Code::kCorruption);
      CHECK_THAT(log.status().message(),
                 Catch::Contains("segment " + segment_file_name(1) + " offset " + std::to_string(offsets[k])));
      CHECK(read_all(seg1(fx.dir.path)) == bad);  // nothing was cut or repaired
    }
  }
}

TEST_CASE("A log cut back below a signed checkpoint is refused even without its record", "[log][recovery]") {
  TornFixture fx;
  // Cut the segment at the commit marker that ended the first batch: the
  // checkpoint signed at close (size 20) is gone from the log but not from DATA/checkpoints.
  auto reader = LogReader::open(fx.dir.path);
  REQUIRE(reader.ok());
  LogEntry e;
  uint64_t cut = 0;
  while (*(*reader)->next(&e))
    if (e.record.kind == RecordKind::kCommit && e.record.seq == 10) cut = e.offset + e.length + kRecordHeaderSize;
  REQUIRE(cut > 0);
  write_all(seg1(fx.dir.path), ByteView(fx.committed.data(), cut));
  auto log = Log::open(options_for(fx.dir.path), fx.key.sk);
  REQUIRE(log.status().code() == Code::kCorruption);
  CHECK_THAT(log.status().message(), Catch::Contains("was cut back"));
}

TEST_CASE("The strict reader reports a torn tail and a sequence gap as damage", "[log][reader]") {
  TornFixture fx;
  fx.install(ByteView(fx.last_batch.data(), 7));
  auto reader = LogReader::open(fx.dir.path);
  REQUIRE(reader.ok());
  LogEntry e;
  Result<bool> more = true;
  while (more.ok() && *more) more = (*reader)->next(&e);
  REQUIRE(more.status().code() == Code::kCorruption);
  CHECK_THAT(more.status().message(), Catch::Contains("offset " + std::to_string(fx.committed.size()) +
                                                      ": truncated record header"));

  Bytes gap;
  Bytes p;
  encode_event_payload(&p, fx.committed_seq + 2, kT0, as_bytes("x"));
  append_frame(&gap, p);
  fx.install(gap);
  reader = LogReader::open(fx.dir.path);
  REQUIRE(reader.ok());
  more = true;
  while (more.ok() && *more) more = (*reader)->next(&e);
  CHECK_THAT(more.status().message(), Catch::Contains("sequence gap"));
}

TEST_CASE("A full disk fails the batch without acknowledging it and the log recovers when space returns", "[log][diskfull]") {
  TempDir dir;
  SignKey key;
  auto log = Log::open(options_for(dir.path, SyncPolicy::kBatch), key.sk);
  REQUIRE(log.ok());
  write_messages(**log, 1, 5);
  const auto size_before = fs::file_size(seg1(dir.path));

  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  rlimit lim = old;
  lim.rlim_cur = size_before + 200;  // room for part of one record only
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &lim) == 0);
  (*log)->submit_message(100, kT0, hash_of(100, 1), hash_of(100, 2), envelope_of(100, 1000));
  auto failed = wait_for(**log, 1);
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &old) == 0);
  std::signal(SIGXFSZ, old_handler);

  REQUIRE(!failed[0].status.ok());
  CHECK(failed[0].status.code() == Code::kIOError);
  CHECK_THAT(failed[0].status.message(), Catch::Contains("log: disk full"));
  CHECK(failed[0].seq == 0);
  CHECK((*log)->last_durable_seq() == 5);
  CHECK(fs::file_size(seg1(dir.path)) == size_before);  // the partial write was cut away

  auto ok = write_messages(**log, 101, 3);
  CHECK(ok[0].seq == 6);
  CHECK((*log)->read(6)->payload == envelope_of(101));
  log->reset();
  auto reopened = Log::open(options_for(dir.path), key.sk);
  REQUIRE(reopened.ok());
  CHECK((*reopened)->last_durable_seq() == 8);
}
