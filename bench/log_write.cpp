// relais-bench logwrite: the log's own write throughput under each sync
// policy (batch = group commit, always = one fdatasync per record, none),
// with a bounded window of records in flight as the broker keeps, and the
// time Log::open takes to come back on the folder it wrote (sealed segments
// from their summaries, the last one scanned). No broker, no network: the
// log alone, so a change in e2e figures can be told apart from a change here.
// Prints "log.<policy>.records_per_s N" and "log.reopen_ms N" lines.
#include <poll.h>
#include <sodium.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "bench_util.h"
#include "commands.h"
#include "crypto/secret.h"
#include "log/log.h"
#include "util/clock.h"

#include <spdlog/spdlog.h>

namespace relais::bench {
namespace {

struct Policy {
  const char* name;
  SyncPolicy sync;
  size_t records;  // "always" syncs each record: fewer of them
};

std::string make_temp_dir(const std::string& parent) {
  std::string tmpl = (std::filesystem::path(parent.empty() ? "/tmp" : parent) / "relais-logwrite-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) return {};
  return tmpl;
}

// Writes n records of `bytes` bytes; returns records per second, or < 0 on failure.
double write_records(const std::string& dir, const SecretBytes& sk, SyncPolicy sync, size_t n, size_t bytes) {
  LogOptions lo;
  lo.dir = dir;
  lo.sync = sync;
  auto log = Log::open(lo, sk);
  if (!log.ok()) {
    std::cerr << "bench: " << log.status().message() << "\n";
    return -1;
  }
  Bytes env(bytes);
  for (size_t k = 0; k < bytes; ++k) env[k] = static_cast<uint8_t>(k * 7);
  Hash256 h{};
  for (size_t k = 0; k < h.size(); ++k) h[k] = static_cast<uint8_t>(k);
  std::vector<Completion> got;
  size_t sent = 0, done = 0;
  const int64_t t0 = mono_ns();
  while (done < n) {
    while (sent < n && sent - done < 4096) (*log)->submit_message(sent++, now_ms(), h, h, env);
    pollfd p{(*log)->completion_fd(), POLLIN, 0};
    if (::poll(&p, 1, 30000) != 1) {
      std::cerr << "bench: the log completed nothing for 30 s\n";
      return -1;
    }
    got.clear();
    (*log)->drain_completions(&got);
    done += got.size();
  }
  const double s = static_cast<double>(mono_ns() - t0) / 1e9;
  return static_cast<double>(n) / s;
}

}  // namespace

int run_log_write(const LogWriteOptions& o) {
  if (sodium_init() < 0) return 1;
  spdlog::set_level(spdlog::level::warn);  // stdout carries only "key value" lines
  SecretBytes sk(crypto_sign_SECRETKEYBYTES);
  std::array<uint8_t, crypto_sign_PUBLICKEYBYTES> pk{};
  crypto_sign_keypair(pk.data(), sk.data());
  const Policy policies[] = {{"batch", SyncPolicy::kBatch, o.records},
                             {"always", SyncPolicy::kAlways, std::min<size_t>(o.records, o.always_records)},
                             {"none", SyncPolicy::kNone, o.records}};
  for (const Policy& p : policies) {
    const std::string dir = make_temp_dir(o.dir);
    if (dir.empty()) {
      std::cerr << "bench: cannot create a folder under " << (o.dir.empty() ? "/tmp" : o.dir) << "\n";
      return 1;
    }
    const double rate = write_records(dir, sk, p.sync, p.records, o.body_bytes);
    if (rate >= 0) std::cout << "log." << p.name << ".records_per_s " << static_cast<uint64_t>(rate) << "\n";
    if (rate >= 0 && p.sync == SyncPolicy::kNone) {
      LogOptions lo;
      lo.dir = dir;
      const int64_t t0 = mono_ns();
      auto log = Log::open(lo, sk);
      const double ms = static_cast<double>(mono_ns() - t0) / 1e6;
      if (log.ok()) std::cout << "log.reopen_ms " << ms << "\nlog.reopen_records " << (*log)->last_durable_seq() << "\n";
      else std::cerr << "bench: reopening failed: " << log.status().message() << "\n";
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    if (rate < 0) return 1;
  }
  return 0;
}

}  // namespace relais::bench
