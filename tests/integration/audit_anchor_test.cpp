// Anchored audits on a real broker: the commission witnesses checkpoints with
// relais-audit witness, the police exports its receipts with relais-agent
// receipts --export, and relais-audit verify --trusted-head catches a record
// erased and the log re-signed with the broker's own key; checkpoint
// coverage alone catches the same erasure with the checkpoints stripped; the
// printed verdict and the exit code agree in every case.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>

#include "crypto/keys.h"
#include "deployment.h"
#include "eventually.h"
#include "log/log.h"

using namespace relais;
using namespace relais::test;
namespace fs = std::filesystem;

namespace {

// Erases leaf `victim` of the log in `from` into `to`, renumbering the later
// records and fixing CRCs and commit markers; checkpoints are re-signed with
// resign at their new sizes, or stripped (records and file) without it.
void erase_record(const std::string& from, const std::string& to, uint64_t victim, const SecretBytes* resign) {
  fs::remove_all(to);
  fs::create_directories(to);
  auto reader = LogReader::open(from);
  REQUIRE(reader.ok());
  std::map<std::string, Bytes> segments;
  std::vector<Checkpoint> cps;
  MerkleFrontier frontier;
  LogEntry e;
  while (true) {
    auto more = (*reader)->next(&e);
    REQUIRE(more.ok());
    if (!*more) break;
    const RecordView& r = e.record;
    Bytes payload;
    const uint64_t seq = r.seq > victim ? r.seq - 1 : r.seq;
    if (r.kind == RecordKind::kMessage || r.kind == RecordKind::kEvent) {
      if (r.seq == victim) continue;
      if (r.kind == RecordKind::kMessage) {
        encode_message_payload(&payload, seq, r.ts_ms, r.core_hash, r.ct_hash, r.body);
        frontier.append(message_leaf_hash(seq, r.ts_ms, r.core_hash, r.ct_hash));
      } else {
        encode_event_payload(&payload, seq, r.ts_ms, r.body);
        frontier.append(event_leaf_hash(seq, r.ts_ms, r.body));
      }
    } else if (r.kind == RecordKind::kCheckpoint) {
      if (resign == nullptr) continue;
      cps.push_back(Checkpoint::sign(frontier.size(), frontier.root(), r.checkpoint->ts_ms, *resign));
      payload = cps.back().encode_payload();
    } else {
      encode_commit_payload(&payload, r.seq >= victim ? r.seq - 1 : r.seq, r.ts_ms);
    }
    append_frame(&segments[e.segment], payload);
  }
  for (const auto& [name, bytes] : segments) {
    std::ofstream f(to + "/" + name, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    REQUIRE(f.good());
  }
  for (const auto& cp : cps) REQUIRE(append_checkpoint_file(to + "/checkpoints", cp, false).ok());
}

// relais-audit verify, with the verdict printed and the exit code checked to agree.
ProcResult verify(Deployment& d, const std::string& data, const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {bin("relais-audit"), "--authority-pub", d.dir() + "/keys/authority.pub", "--data",
                                   data, "verify"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  ProcResult r = run_process(argv, 60000);
  INFO(r.out << r.err);
  REQUIRE((r.exit_code == 0 || r.exit_code == 1));
  CHECK(r.out.rfind(r.exit_code == 0 ? "INTACT\n" : "DAMAGED\n", 0) == 0);
  return r;
}

// The seq of the first message record of the log in data.
uint64_t first_message_seq(const std::string& data) {
  auto reader = LogReader::open(data);
  REQUIRE(reader.ok());
  LogEntry e;
  while (true) {
    auto more = (*reader)->next(&e);
    REQUIRE(more.ok());
    REQUIRE(*more);
    if (e.record.kind == RecordKind::kMessage) return e.record.seq;
  }
}

}  // namespace

TEST_CASE("a witness state and exported receipts catch an erasure the broker re-signed, and coverage catches it stripped",
          "[integration][audit][anchor]") {
  Deployment d;
  d.set_broker_option("log", "checkpoint_seconds", "1");
  d.start_broker();
  const std::string doc = d.dir() + "/alert.json";
  {
    std::ofstream f(doc);
    f << alert_with("anchored");
  }
  const std::string receipt = d.dir() + "/r1.bin";
  auto publish = [&](const std::string& receipt_file) {
    std::vector<std::string> args = {"publish", "--topic", kAlertTopic, "--type", "alert", "--file", doc};
    if (!receipt_file.empty()) args.insert(args.end(), {"--receipt", receipt_file});
    ProcResult r = d.agent("police.golfe", args);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
  };
  publish(receipt);

  // The commission witnesses, once a checkpoint exists; then again after more records.
  const std::string state = d.dir() + "/commission.witness";
  auto witness = [&]() {
    return run_process({bin("relais-audit"), "witness", "--config", d.agent_config("commission"), "--state", state},
                       30000);
  };
  ProcResult w;
  REQUIRE(eventually(15000, 200, [&] {
    w = witness();
    return w.exit_code == 0 && w.out.find("witnessed:") != std::string::npos;
  }));
  publish("");
  publish("");
  REQUIRE(eventually(15000, 200, [&] {
    w = witness();
    return w.exit_code == 0 && w.out.find("(extends size") != std::string::npos;
  }));
  // The police may not witness: the policy's audit action is the commission's and the auditor's.
  ProcResult refused = run_process(
      {bin("relais-audit"), "witness", "--config", d.agent_config("police.golfe"), "--state", d.dir() + "/p.state"});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("audit action") != std::string::npos);

  // The police exports its receipt, anchored in the first checkpoint that covers it.
  const std::string heads = d.dir() + "/police.heads";
  ProcResult x;
  REQUIRE(eventually(15000, 200, [&] {
    x = d.agent("police.golfe", {"receipts", "--receipt", receipt, "--export", heads});
    return x.exit_code == 0;
  }));
  CHECK(fs::exists(receipt + ".anchor"));
  REQUIRE(d.stop_broker() == 0);

  const std::string data = d.dir() + "/data";
  CHECK(verify(d, data, {"--strict", "--trusted-head", state, "--trusted-head", heads}).exit_code == 0);

  auto broker = load_identity(d.dir() + "/keys/broker.key");
  REQUIRE(broker.ok());
  const uint64_t victim = first_message_seq(data);
  const std::string resigned = d.dir() + "/resigned";
  erase_record(data, resigned, victim, &broker->sign_sk);
  // The log alone cannot tell a rewrite signed with the broker's key ...
  CHECK(verify(d, resigned, {"--strict"}).exit_code == 0);
  // ... the anchors held outside the broker can.
  ProcResult by_witness = verify(d, resigned, {"--trusted-head", state});
  CHECK(by_witness.exit_code == 1);
  ProcResult by_receipt = verify(d, resigned, {"--strict", "--trusted-head", heads});
  CHECK(by_receipt.exit_code == 1);
  CHECK(by_receipt.err.find("trusted head") != std::string::npos);

  // Without the key: the checkpoints stripped. Coverage alone catches it.
  const std::string stripped = d.dir() + "/stripped";
  erase_record(data, stripped, victim, nullptr);
  for (bool strict : {false, true}) {
    ProcResult r = verify(d, stripped, strict ? std::vector<std::string>{"--strict"} : std::vector<std::string>{});
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("uncovered records") != std::string::npos);
  }

  // The witness refuses the rewritten log as the broker would now serve it.
  ProcResult offline = run_process({bin("relais-audit"), "--data", resigned, "witness", "--config",
                                    d.agent_config("commission"), "--state", state});
  CHECK(offline.exit_code == 1);
  CHECK(offline.err.find("REFUSED") != std::string::npos);
}
