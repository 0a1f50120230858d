// Throughput and restart figures. Hidden ([.]): run with
//   test_log "[.bench]"   (best in a Release build)
#include <catch2/catch.hpp>
#include <chrono>

#include <cstdlib>
#include <cstring>
#include <sys/resource.h>
#include <string>
#include <unordered_map>

#include "log/log_writer.h"
#include "log/recovery.h"
#include "log_test_util.h"
#include "util/clock.h"

using namespace relais;
using namespace relais::testing;

namespace {

double run_writes(const std::string& dir, const SecretBytes& sk, SyncPolicy sync, uint64_t n, size_t size) {
  LogOptions o = options_for(dir, sync);
  auto log = Log::open(o, sk);
  REQUIRE(log.ok());
  const Bytes env = envelope_of(1, size);
  const Hash256 h = hash_of(1, 1);
  std::vector<Completion> got;
  uint64_t done = 0;
  const auto t0 = std::chrono::steady_clock::now();
  uint64_t sent = 0;
  while (done < n) {
    // Keep a bounded window in flight, as the broker does.
    while (sent < n && sent - done < 4096) (*log)->submit_message(sent++, now_ms(), h, h, env);
    auto c = wait_for(**log, 1);
    done += c.size();
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return static_cast<double>(n) / s;
}

}  // namespace

TEST_CASE("Bench group commit throughput with 1 KB records", "[.bench]") {
  SignKey key;
  {
    TempDir d;
    WARN("kBatch 1 KB: " << run_writes(d.path, key.sk, SyncPolicy::kBatch, 200000, 1024) << " records/s");
  }
  {
    TempDir d;
    WARN("kAlways 1 KB: " << run_writes(d.path, key.sk, SyncPolicy::kAlways, 3000, 1024) << " records/s");
  }
  {
    TempDir d;
    WARN("kNone 1 KB: " << run_writes(d.path, key.sk, SyncPolicy::kNone, 200000, 1024) << " records/s");
  }
}

TEST_CASE("Bench restart time for one million records", "[.bench]") {
  SignKey key;
  TempDir d;
  run_writes(d.path, key.sk, SyncPolicy::kNone, 1000000, 256);
  const auto t0 = std::chrono::steady_clock::now();
  auto log = Log::open(options_for(d.path), key.sk);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  REQUIRE(log.ok());
  REQUIRE((*log)->last_durable_seq() == 1000000);
  WARN("restart with 1M records of 256 B (sealed segments from summaries, last one scanned): " << ms << " ms");
  auto full = recover_log(d.path, false, {}, false);
  REQUIRE(full.ok());
}

// RELAIS_BENCH_LOG_DIR=DATA test_log "Bench recovery of an existing data folder": recover_log
// (with repair: it writes missing summaries) twice, then once without summaries.
TEST_CASE("Bench recovery of an existing data folder", "[.bench]") {
  const char* dir = std::getenv("RELAIS_BENCH_LOG_DIR");
  if (dir == nullptr) return;
  const int rounds = std::getenv("RELAIS_BENCH_NO_FULL_SCAN") ? 2 : 3;
  for (int round = 0; round < rounds; ++round) {
    const bool summaries = round < 2;
    const auto t0 = std::chrono::steady_clock::now();
    auto r = recover_log(dir, true, {}, summaries);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    REQUIRE(r.ok());
    WARN("recover_log: " << r->last_seq << " leaves, " << r->summarised_segments << " segments from summaries, "
                         << r->scanned_segments << " scanned, " << r->summaries_written << " summaries written: "
                         << ms << " ms");
  }
}

// RELAIS_BENCH_LOG_DIR=DATA: Log::open, then the broker's duplicate-index
// rebuild from for_each_message_key (keys into a hash map).
TEST_CASE("Bench Log open and a walk over every message key", "[.bench]") {
  const char* dir = std::getenv("RELAIS_BENCH_LOG_DIR");
  if (dir == nullptr) return;
  SignKey key;
  auto cpu_ms = [] {
    rusage u {};
    ::getrusage(RUSAGE_THREAD, &u);
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
  };
  const double c0 = cpu_ms();
  const auto t0 = std::chrono::steady_clock::now();
  auto log = Log::open(options_for(dir, SyncPolicy::kBatch), key.sk);
  const auto t1 = std::chrono::steady_clock::now();
  const double open_cpu_ms = cpu_ms() - c0;
  REQUIRE(log.ok());
  std::unordered_map<std::string, uint64_t> dedup;
  dedup.reserve(static_cast<size_t>((*log)->last_durable_seq()));
  (*log)->for_each_message_key(1, [&](uint64_t seq, int64_t, const RecordKey& k) {
    dedup.emplace(std::string(reinterpret_cast<const char*>(k.data()), k.size()), seq);
  });
  const auto t2 = std::chrono::steady_clock::now();
  using Ms = std::chrono::duration<double, std::milli>;
  const double open_ms = Ms(t1 - t0).count(), walk_ms = Ms(t2 - t1).count();
  WARN("Log::open " << open_ms << " ms wall, " << open_cpu_ms << " ms CPU (this thread); key walk of " << dedup.size() << " distinct keys into a hash map "
                    << walk_ms << " ms");
  // The same walk into a map keyed by the 16 bytes themselves (no string per entry).
  struct KeyHash {
    size_t operator()(const RecordKey& k) const {
      uint64_t h;
      std::memcpy(&h, k.data(), sizeof h);  // keys are hash outputs already
      return static_cast<size_t>(h);
    }
  };
  struct Entry {
    uint64_t seq;
    int64_t ts_ms;
  };
  std::unordered_map<RecordKey, Entry, KeyHash> flat;
  const double c3 = cpu_ms();
  const auto t3 = std::chrono::steady_clock::now();
  flat.reserve(static_cast<size_t>((*log)->last_durable_seq()));
  (*log)->for_each_message_key(1, [&](uint64_t seq, int64_t ts, const RecordKey& k) { flat.emplace(k, Entry{seq, ts}); });
  const double flat_ms = Ms(std::chrono::steady_clock::now() - t3).count();
  const double flat_cpu = cpu_ms() - c3;
  WARN("key walk into unordered_map<RecordKey, {seq, ts}>: " << flat.size() << " keys in " << flat_ms << " ms ("
                                                              << flat_cpu << " ms CPU)");
  const double c4 = cpu_ms();
  // And into one flat open-addressing table of (key, seq), linear probing, load <= 0.5.
  const auto t4 = std::chrono::steady_clock::now();
  size_t cap = 1;
  while (cap < 2 * (*log)->last_durable_seq()) cap <<= 1;
  struct Slot {
    RecordKey key;
    uint64_t seq;  // 0: empty
  };
  std::vector<Slot> table(cap);
  size_t stored = 0;
  (*log)->for_each_message_key(1, [&](uint64_t seq, int64_t, const RecordKey& k) {
    for (size_t i = KeyHash{}(k) & (cap - 1);; i = (i + 1) & (cap - 1)) {
      if (table[i].seq == 0) {
        table[i] = {k, seq};
        ++stored;
        break;
      }
      if (table[i].key == k) {
        table[i].seq = seq;
        break;
      }
    }
  });
  const double table_ms = Ms(std::chrono::steady_clock::now() - t4).count();
  const double table_cpu = cpu_ms() - c4;
  WARN("key walk into a flat (key, seq) table of " << cap << " slots: " << stored << " keys in " << table_ms
                                                   << " ms (" << table_cpu << " ms CPU)");
}
