// Backup and restore of the broker, with real processes: relais-admin backup
// runs while an agent publishes continuously; the backup is restored into a
// new log epoch and the broker started on it. Every acknowledgement received
// before the backup started is in the restored log (same seq, same leaf),
// seqs continue after the restored record, relais-audit verify says RESTORED
// (exit 1) until --accept-restore, a connected agent hears NOTICE restored
// right after WELCOME, and the commission's witness crosses the restore
// through the restored record.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "deployment.h"
#include "eventually.h"
#include "log/log.h"
#include "receipt/receipt.h"
#include "util/clock.h"

using namespace relais;
using namespace relais::test;
namespace fs = std::filesystem;

namespace {

struct Acked {
  uint64_t seq = 0;
  Receipt receipt;
};

// seq -> leaf hash of every leaf of the log in data.
std::map<uint64_t, Hash256> leaves_of(const std::string& data) {
  std::map<uint64_t, Hash256> out;
  auto reader = LogReader::open(data);
  REQUIRE(reader.ok());
  LogEntry e;
  while (true) {
    auto more = (*reader)->next(&e);
    REQUIRE(more.ok());
    if (!*more) break;
    if (is_leaf_kind(e.record.kind)) out[e.record.seq] = e.leaf_hash;
  }
  return out;
}

ProcResult audit_verify(Deployment& d, const std::string& data, const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {bin("relais-audit"), "--authority-pub", d.dir() + "/keys/authority.pub", "--data",
                                   data, "verify"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run_process(argv, 60000);
}

}  // namespace

TEST_CASE("a backup taken under load holds every acknowledged message, and its restore is a new epoch that verify "
          "and witnesses see",
          "[integration][backup]") {
  Deployment d;
  d.set_broker_option("log", "checkpoint_seconds", "1");
  d.start_broker();
  const std::string data = d.dir() + "/data";
  auto ctx = context_for(d, "police.golfe");

  // The commission witnesses the log before anything happens to it.
  const std::string state = d.dir() + "/commission.witness";
  auto witness = [&] {
    return run_process({bin("relais-audit"), "witness", "--config", d.agent_config("commission"), "--state", state},
                       30000);
  };
  {
    auto warmup = client_for(*ctx);
    REQUIRE(warmup->publish(sealed_alert(*ctx, "first"), monotonic_ms() + 10000).ok());
  }
  ProcResult w;
  REQUIRE(eventually(15000, 200, [&] {
    w = witness();
    return w.exit_code == 0 && w.out.find("witnessed:") != std::string::npos;
  }));

  // A publisher that does not stop while the backup runs.
  std::vector<Bytes> envelopes;
  for (int i = 0; i < 300; ++i) envelopes.push_back(sealed_alert(*ctx, "load " + std::to_string(i)));
  auto client = client_for(*ctx);
  std::mutex mu;
  std::vector<Acked> acked;
  std::atomic<bool> stop{false};
  std::atomic<size_t> failures{0};
  std::thread publisher([&] {
    for (size_t i = 0; i < envelopes.size() && !stop.load(); ++i) {
      auto ack = client->publish(envelopes[i], monotonic_ms() + 10000);
      if (!ack.ok()) {
        ++failures;
        continue;
      }
      auto r = decode_receipt(ack->receipt);
      if (!r.ok()) {
        ++failures;
        continue;
      }
      std::lock_guard<std::mutex> g(mu);
      acked.push_back({ack->seq, *r});
    }
  });
  REQUIRE(eventually(15000, 10, [&] {
    std::lock_guard<std::mutex> g(mu);
    return acked.size() >= 20;
  }));
  std::vector<Acked> before;
  {
    std::lock_guard<std::mutex> g(mu);
    before = acked;
  }
  const std::string backup = d.dir() + "/backup";
  ProcResult b = d.admin({"backup", "--data", data, "--out", backup});
  size_t during = 0;
  {
    std::lock_guard<std::mutex> g(mu);
    during = acked.size() - before.size();
  }
  stop = true;
  publisher.join();
  INFO(b.out << b.err);
  REQUIRE(b.exit_code == 0);
  CHECK(failures.load() == 0);
  CHECK(during > 0);  // the backup really ran under load
  CHECK_FALSE(fs::exists(data + "/shredding.paused"));

  // A second backup into the same folder is refused, clearly.
  ProcResult again = d.admin({"backup", "--data", data, "--out", backup});
  CHECK(again.exit_code == 1);
  CHECK(again.err.find("not empty") != std::string::npos);

  // Every acknowledgement from before the backup is in it, at its seq, with its leaf.
  const auto backed = leaves_of(backup);
  const uint64_t last = backed.rbegin()->first;
  for (const Acked& a : before) {
    INFO("seq " << a.seq);
    CHECK(a.receipt.epoch == 0);
    REQUIRE(backed.count(a.seq) == 1);
    CHECK(backed.at(a.seq) == a.receipt.leaf_hash);
  }

  // Restore into a new folder where the broker's configuration expects its data.
  client.reset();
  d.stop_broker();
  fs::rename(data, d.dir() + "/data.old");
  ProcResult bad = d.admin({"restore", "--from", backup, "--data", backup});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("not empty") != std::string::npos);
  ProcResult r = d.admin({"restore", "--from", backup, "--data", data, "--last-known-seq", "100000"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("epoch 1 begins at seq " + std::to_string(last + 1)) != std::string::npos);
  d.start_broker();

  // Seqs continue after the restored record, and receipts carry the new epoch.
  auto after = client_for(*ctx);
  auto ack = after->publish(sealed_alert(*ctx, "after the restore"), monotonic_ms() + 10000);
  REQUIRE(ack.ok());

  // The agent heard of the restore right after WELCOME (before its PUBACK).
  std::optional<NoticeArgs> notice;
  while (auto n = after->poll_notice())
    if (n->kind == kNoticeRestored) notice = *n;
  REQUIRE(notice);
  CHECK(notice->values == std::vector<uint64_t>{1, last});
  CHECK(ack->seq > last + 1);
  auto receipt = decode_receipt(ack->receipt);
  REQUIRE(receipt.ok());
  CHECK(receipt->epoch == 1);

  // The witness crosses the restore through the restored record.
  REQUIRE(eventually(15000, 200, [&] {
    w = witness();
    return w.exit_code == 0 && w.out.find("RESTORED: the log was restored into epoch 1") != std::string::npos;
  }));
  CHECK(w.out.find("(epoch 1)") != std::string::npos);

  // verify (on the stopped broker's folder) says RESTORED, exit 1, until the auditor accepts the restore.
  after.reset();
  d.stop_broker();
  ProcResult v = audit_verify(d, data, {});
  INFO(v.out << v.err);
  CHECK(v.exit_code == 1);
  CHECK(v.out.rfind("RESTORED\n", 0) == 0);
  CHECK(v.out.find("RESTORED at seq " + std::to_string(last) + " (epoch 1): records after " + std::to_string(last) +
                   " are lost") != std::string::npos);
  ProcResult wrong = audit_verify(d, data, {"--accept-restore", "2"});
  CHECK(wrong.exit_code == 1);
  ProcResult ok = audit_verify(d, data, {"--accept-restore", "1"});
  INFO(ok.out << ok.err);
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.rfind("INTACT\n", 0) == 0);

}
