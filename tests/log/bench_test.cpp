// Throughput and restart figures. Hidden ([.]): run with
//   test_log "[.bench]"   (best in a Release build)
#include <catch2/catch.hpp>
#include <chrono>

#include <cstdlib>

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
  const Hash32 h = hash_of(1, 1);
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
