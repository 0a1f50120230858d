// Fault injection through the log's file-system seam (LogOptions::fs): a
// full disk, EIO on write and on fdatasync, and a write torn by a crash.
// Every test holds the log to one discipline: a Completion says ok only for
// a record that was written and synced, seqs stay continuous, and the data
// folder reopens with every acknowledged record readable.
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "fault_file_system.h"
#include "log/log_reader.h"
#include "log/log_writer.h"
#include "log/segment.h"
#include "log_test_util.h"

using namespace relais;
using namespace relais::testing;
namespace fs = std::filesystem;

namespace {

constexpr size_t kCommitFrameSize = kRecordHeaderSize + kCommitPayloadSize;
constexpr size_t kMessageFrameSize = kRecordHeaderSize + kMessageFixedSize + 100;  // envelope_of(t): 100 bytes

using Acked = std::map<uint64_t, uint64_t>;  // seq -> token of every acknowledged record

LogOptions fault_options(const std::string& dir, SyncPolicy sync, FileSystem* file_system) {
  LogOptions o = options_for(dir, sync);
  o.fs = file_system;
  o.checkpoint_interval_ms = 3600 * 1000;  // no timed checkpoint batch between a fault and its records
  return o;
}

void submit(Log& log, uint64_t token) {
  log.submit_message(token, kT0 + static_cast<int64_t>(token), hash_of(token, 1), hash_of(token, 2),
                     envelope_of(token));
}

// Submits n messages, waits for them, requires every one ok, and records them.
std::vector<Completion> write_ok(Log& log, uint64_t first_token, uint64_t n, Acked* acked) {
  for (uint64_t t = first_token; t < first_token + n; ++t) submit(log, t);
  auto done = wait_for(log, n);
  for (const Completion& c : done) {
    REQUIRE(c.status.ok());
    REQUIRE(c.seq == acked->size() + 1);
    (*acked)[c.seq] = c.token;
  }
  return done;
}

// Completions of records submitted while a fault was armed: an ok one must
// continue the seqs, a failed one must carry seq 0, no leaf hash, an IOError
// whose message contains `want`. Records the ok ones; returns how many failed.
size_t check_discipline(const std::vector<Completion>& done, const std::string& want, Acked* acked) {
  size_t failed = 0;
  for (const Completion& c : done) {
    INFO("token " << c.token << ": " << c.status.message());
    if (c.status.ok()) {
      REQUIRE(c.seq == acked->size() + 1);
      (*acked)[c.seq] = c.token;
      continue;
    }
    ++failed;
    CHECK(c.status.code() == Code::kIOError);
    CHECK_THAT(c.status.message(), Catch::Contains(want));
    CHECK(c.seq == 0);
    CHECK(c.leaf_hash == std::array<uint8_t, 32>{});
  }
  return failed;
}

// Every acknowledged record reads back as what was submitted, and nothing follows the last one.
void check_acked(const Log& log, const Acked& acked) {
  REQUIRE(log.last_durable_seq() == acked.size());
  for (const auto& [seq, token] : acked) {
    INFO("seq " << seq << " token " << token);
    auto r = log.read(seq);
    REQUIRE(r.ok());
    CHECK(r->core_hash == hash_of(token, 1));
    CHECK(r->payload == envelope_of(token));
  }
  CHECK(log.read(acked.size() + 1).status().code() == Code::kNotFound);
}

// The auditor's strict scan finds exactly seqs 1..n and no damage.
void check_strict_scan(const std::string& dir, uint64_t n) {
  auto reader = LogReader::open(dir);
  REQUIRE(reader.ok());
  LogEntry e;
  uint64_t leaves = 0;
  for (;;) {
    auto more = (*reader)->next(&e);
    REQUIRE(more.ok());
    if (!*more) break;
    if (is_leaf_kind(e.record.kind)) REQUIRE(e.record.seq == ++leaves);
  }
  CHECK(leaves == n);
  CHECK(e.record.kind == RecordKind::kCommit);  // the log ends with a commit marker
}

}  // namespace

TEST_CASE("A full disk fails the affected records, acknowledges nothing unwritten, and the log goes on once space returns",
          "[log][fault]") {
  TempDir dir;
  SignKey key;
  FaultFileSystem faults;
  Acked acked;
  {
    auto log = Log::open(fault_options(dir.path, SyncPolicy::kBatch, &faults), key.sk);
    REQUIRE(log.ok());
    write_ok(**log, 1, 5, &acked);
    const auto size_before = fs::file_size(seg1(dir.path));

    faults.fail_all_writes(ENOSPC, 60);  // each write gets 60 bytes onto the disk, then ENOSPC
    for (uint64_t t = 100; t < 104; ++t) submit(**log, t);
    (*log)->submit_event(104, kT0 + 104, as_bytes("\x81\xa1k\xa1v"));
    auto failed = wait_for(**log, 5);
    REQUIRE(failed.size() == 5);
    std::set<uint64_t> tokens;
    for (const Completion& c : failed) tokens.insert(c.token);
    CHECK(tokens == std::set<uint64_t>{100, 101, 102, 103, 104});
    CHECK(check_discipline(failed, "log: disk full: cannot write " + seg1(dir.path), &acked) == 5);
    CHECK(faults.counts().injected >= 1);
    CHECK((*log)->last_durable_seq() == 5);
    CHECK((*log)->read(6).status().code() == Code::kNotFound);
    CHECK(fs::file_size(seg1(dir.path)) == size_before);  // the partial writes were cut away

    faults.heal();
    auto ok = write_ok(**log, 200, 3, &acked);
    CHECK(ok.front().seq == 6);
    check_acked(**log, acked);
  }  // a clean close, through the healed file system
  auto log = Log::open(options_for(dir.path), key.sk);
  REQUIRE(log.ok());
  check_acked(**log, acked);
  auto more = write_ok(**log, 300, 1, &acked);
  CHECK(more.front().seq == 9);
  log->reset();
  check_strict_scan(dir.path, 9);
}

TEST_CASE("An I/O error on a write fails its batch clearly and later batches are written and acknowledged",
          "[log][fault]") {
  TempDir dir;
  SignKey key;
  FaultFileSystem faults;
  Acked acked;
  const std::string want = "log: cannot write " + seg1(dir.path) + ": " + std::strerror(EIO);
  SECTION("under sync=batch, a write that got 30 bytes onto the disk") {
    auto log = Log::open(fault_options(dir.path, SyncPolicy::kBatch, &faults), key.sk);
    REQUIRE(log.ok());
    write_ok(**log, 1, 5, &acked);
    const auto size_before = fs::file_size(seg1(dir.path));
    faults.fail_write(EIO, 0, 30);
    submit(**log, 100);
    auto failed = wait_for(**log, 1);
    CHECK(check_discipline(failed, want, &acked) == 1);
    CHECK_THAT(failed[0].status.message(), !Catch::Contains("disk full"));
    CHECK(fs::file_size(seg1(dir.path)) == size_before);
    CHECK((*log)->last_durable_seq() == 5);
    write_ok(**log, 200, 3, &acked);
    check_acked(**log, acked);
  }
  SECTION("under sync=always, the commit marker's write of the middle of three records") {
    auto log = Log::open(fault_options(dir.path, SyncPolicy::kAlways, &faults), key.sk);
    REQUIRE(log.ok());
    write_ok(**log, 1, 5, &acked);
    // Each record is its own batch of two writes (records, then commit marker):
    // skip the first record's two and the second's records.
    faults.fail_write(EIO, 3, 5);
    for (uint64_t t = 100; t < 103; ++t) submit(**log, t);
    auto done = wait_for(**log, 3);
    CHECK(check_discipline(done, want, &acked) == 1);
    CHECK(done[0].status.ok());
    CHECK(!done[1].status.ok());
    CHECK(done[1].token == 101);
    CHECK(done[2].status.ok());
    CHECK(done[2].seq == done[0].seq + 1);
    check_acked(**log, acked);
  }
  auto log = Log::open(options_for(dir.path), key.sk);
  REQUIRE(log.ok());
  check_acked(**log, acked);
  log->reset();
  check_strict_scan(dir.path, acked.size());
}

TEST_CASE("An I/O error on fdatasync fails its batch although its bytes were written, and they are cut away",
          "[log][fault]") {
  TempDir dir;
  SignKey key;
  FaultFileSystem faults;
  Acked acked;
  const std::string want = "log: cannot write " + seg1(dir.path) + ": " + std::strerror(EIO);
  SECTION("under sync=batch") {
    auto log = Log::open(fault_options(dir.path, SyncPolicy::kBatch, &faults), key.sk);
    REQUIRE(log.ok());
    write_ok(**log, 1, 5, &acked);
    const auto size_before = fs::file_size(seg1(dir.path));
    const auto writes_before = faults.counts().writes;
    faults.fail_sync(EIO);
    submit(**log, 100);
    auto failed = wait_for(**log, 1);
    CHECK(check_discipline(failed, want, &acked) == 1);
    CHECK(faults.counts().writes == writes_before + 2);  // the batch was written ...
    CHECK(fs::file_size(seg1(dir.path)) == size_before);  // ... then cut away, unsynced
    CHECK((*log)->read(6).status().code() == Code::kNotFound);
    auto ok = write_ok(**log, 200, 3, &acked);
    CHECK(ok.front().seq == 6);
    check_acked(**log, acked);
  }
  SECTION("under sync=always, the sync of the middle of three records") {
    auto log = Log::open(fault_options(dir.path, SyncPolicy::kAlways, &faults), key.sk);
    REQUIRE(log.ok());
    write_ok(**log, 1, 5, &acked);
    faults.fail_sync(EIO, 1);
    for (uint64_t t = 100; t < 103; ++t) submit(**log, t);
    auto done = wait_for(**log, 3);
    CHECK(check_discipline(done, want, &acked) == 1);
    CHECK(done[0].status.ok());
    CHECK(!done[1].status.ok());
    CHECK(done[1].token == 101);
    CHECK(done[2].seq == done[0].seq + 1);
    check_acked(**log, acked);
  }
  auto log = Log::open(options_for(dir.path), key.sk);
  REQUIRE(log.ok());
  check_acked(**log, acked);
  log->reset();
  check_strict_scan(dir.path, acked.size());
}

TEST_CASE("A final write torn by a crash is cut back to the last commit marker at reopen and every acknowledged record "
          "survives",
          "[log][fault][recovery]") {
  struct Tear {
    uint64_t skip;  // writes to let through first: 0 tears the batch's records, 1 its commit marker
    size_t keep;    // bytes of the torn write that reach the file
  };
  for (const Tear tear : {Tear{0, 1}, Tear{0, 20}, Tear{0, 150}, Tear{0, 400}, Tear{1, 10}, Tear{1, kCommitFrameSize - 1}}) {
    INFO("skip " << tear.skip << " keep " << tear.keep);
    TempDir dir;
    SignKey key;
    Acked acked;
    uint64_t size_before = 0;
    {
      FaultFileSystem faults;
      auto log = Log::open(fault_options(dir.path, SyncPolicy::kBatch, &faults), key.sk);
      REQUIRE(log.ok());
      write_ok(**log, 1, 6, &acked);
      (*log)->submit_event(7, kT0 + 7, as_bytes("\x81\xa1k\xa1v"));
      auto ev = wait_for(**log, 1);
      REQUIRE(ev[0].status.ok());
      acked[ev[0].seq] = 0;
      write_ok(**log, 8, 3, &acked);
      size_before = fs::file_size(seg1(dir.path));

      faults.tear_write(tear.keep, tear.skip);
      for (uint64_t t = 100; t < 104; ++t) submit(**log, t);
      auto done = wait_for(**log, 4);
      CHECK(check_discipline(done, "log: cannot write " + seg1(dir.path), &acked) == 4);
      REQUIRE(faults.dead());
      CHECK((*log)->last_durable_seq() == 10);
      // The crash left the torn bytes: the writer could not cut them.
      const auto torn_size = fs::file_size(seg1(dir.path));
      if (tear.skip == 0 && tear.keep < kMessageFrameSize) CHECK(torn_size == size_before + tear.keep);
      if (tear.skip == 0) CHECK(torn_size <= size_before + tear.keep);
      CHECK(torn_size > size_before);
      if (tear.skip == 1) CHECK(torn_size >= size_before + kMessageFrameSize + tear.keep);

      // Still crashed: a reopen fails clearly and changes nothing.
      log->reset();  // no clean close: every write of the close fails too
      REQUIRE(fs::file_size(seg1(dir.path)) == torn_size);
      auto again = Log::open(fault_options(dir.path, SyncPolicy::kBatch, &faults), key.sk);
      REQUIRE(!again.ok());
      CHECK(again.status().code() == Code::kIOError);
      CHECK(fs::file_size(seg1(dir.path)) == torn_size);
    }
    FaultFileSystem healthy;
    {
      auto log = Log::open(fault_options(dir.path, SyncPolicy::kBatch, &healthy), key.sk);
      REQUIRE(log.ok());
      CHECK(healthy.counts().truncates == 1);  // recovery cut the tail through the seam
      CHECK(fs::file_size(seg1(dir.path)) == size_before);
      REQUIRE((*log)->last_durable_seq() == 10);
      for (const auto& [seq, token] : acked) {
        auto r = (*log)->read(seq);
        REQUIRE(r.ok());
        CHECK(r->kind == (token == 0 ? RecordKind::kEvent : RecordKind::kMessage));
        if (token != 0) CHECK(r->payload == envelope_of(token));
      }
      auto next = write_ok(**log, 200, 2, &acked);
      CHECK(next.front().seq == 11);
    }
    auto log = Log::open(options_for(dir.path), key.sk);
    REQUIRE(log.ok());
    CHECK((*log)->last_durable_seq() == 12);
    CHECK((*log)->read(12)->payload == envelope_of(201));
    log->reset();
    check_strict_scan(dir.path, 12);
  }
}

TEST_CASE("Recovery removes an empty segment left by an interrupted rollover through the file-system seam",
          "[log][fault][recovery]") {
  TempDir dir;
  SignKey key;
  Acked acked;
  {
    auto log = Log::open(options_for(dir.path, SyncPolicy::kBatch), key.sk);
    REQUIRE(log.ok());
    write_ok(**log, 1, 3, &acked);
  }
  // A crash right after the writer created segment 2.
  { std::ofstream(dir.path + "/" + segment_file_name(2)); }
  REQUIRE(fs::exists(dir.path + "/" + segment_file_name(2)));
  FaultFileSystem faults;
  auto log = Log::open(fault_options(dir.path, SyncPolicy::kBatch, &faults), key.sk);
  REQUIRE(log.ok());
  CHECK(faults.counts().removes == 1);
  CHECK(!fs::exists(dir.path + "/" + segment_file_name(2)));
  check_acked(**log, acked);
  auto next = write_ok(**log, 10, 1, &acked);
  CHECK(next.front().seq == 4);
}
