// Retention and lawful erasure end to end: the real broker, relais-admin,
// relais-audit and an agency's service on 127.0.0.1.
//   - a message past its retention period loses its ciphertext (its bytes
//     are gone from the data folder); relais-audit verify stays INTACT and
//     reports it, and a proof for it still checks;
//   - a ciphertext erased by hand, with no erasure event, is DAMAGED;
//   - an erasure order for one case erases that case on the broker (after
//     relais-broker --reload) and at the agency (its service, once it holds
//     the new bundle).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "agent/agent.h"
#include "crypto/envelope.h"
#include "crypto/uuid.h"
#include "deployment.h"
#include "eventually.h"
#include "log/log_reader.h"
#include "log/segment_rewrite.h"
#include "policy/sample_policy.h"
#include "util/clock.h"
#include "util/files.h"

using namespace relais;
using namespace relais::test;
namespace fs = std::filesystem;

namespace {

Bytes slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool folder_holds(const std::string& dir, const Bytes& needle) {
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const Bytes all = slurp(e.path().string());
    if (std::search(all.begin(), all.end(), needle.begin(), needle.end()) != all.end()) return true;
  }
  return false;
}

Bytes fragment_of(const Bytes& env) {
  auto d = decode_envelope(env);
  REQUIRE(d.ok());
  return Bytes(d->ct.begin() + 32, d->ct.begin() + 96);
}

// The record of seq, as the data folder holds it now (read-only, also while the broker runs).
std::optional<RecordKind> kind_of(const std::string& data, uint64_t seq) {
  auto r = LogReader::open(data);
  if (!r.ok()) return std::nullopt;
  LogEntry e;
  for (;;) {
    auto more = (*r)->next(&e);
    if (!more.ok() || !*more) return std::nullopt;
    if (is_leaf_kind(e.record.kind) && e.record.seq == seq) return e.record.kind;
  }
}

// Publishes a document through the agent library; returns (envelope, seq).
std::pair<Bytes, uint64_t> publish(const AgentContext& ctx, BrokerClient& c, const std::string& topic,
                                   const std::string& type, const std::string& json_text, const std::string& case_ref) {
  PublishRequest req;
  req.topic = topic;
  req.type = type;
  req.json_text = json_text;
  req.case_ref = case_ref;
  auto env = prepare_envelope(ctx, req);
  INFO(env.status().message());
  REQUIRE(env.ok());
  auto acked = c.publish(*env, monotonic_ms() + 10000);
  INFO(acked.status().message());
  REQUIRE(acked.ok());
  return {*env, acked->seq};
}

void set_policy(Deployment& d, const std::string& extra) {
  const std::string path = d.dir() + "/policy.toml";
  std::ofstream(path) << sample_policy_toml() << extra;
  ProcResult r = d.admin({"set-policy", "--dir", d.dir(), "--policy", path});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
}

ProcResult audit(Deployment& d, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {bin("relais-audit"), "--authority-pub", d.dir() + "/keys/authority.pub",
                                   "--data", d.dir() + "/data"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, 60000);
}

}  // namespace

TEST_CASE("a message past its retention period loses its ciphertext, and verify stays INTACT and a proof checks",
          "[integration][retention]") {
  Deployment d;
  set_policy(d, "\n[retention]\n\"alert/1\" = \"2s\"\n\"alert/2\" = \"2s\"\n");
  d.set_broker_option("log", "shred_interval_ms", "200");
  d.start_broker();
  auto police = context_for(d, "police.golfe");
  auto pub = client_for(*police);
  const auto [env, seq] = publish(*police, *pub, kAlertTopic, "alert", alert_with("retention"), "c-retain");
  const Bytes fragment = fragment_of(env);
  // Logged, its ciphertext is in the data folder; two seconds later it is not.
  REQUIRE(folder_holds(d.dir() + "/data", fragment));
  const bool gone = eventually(20000, 100, [&] { return !folder_holds(d.dir() + "/data", fragment); });
  INFO(d.broker_log());
  REQUIRE(gone);
  CHECK(kind_of(d.dir() + "/data", seq) == RecordKind::kErasedMessage);
  pub->close();
  REQUIRE(d.stop_broker() == 0);

  ProcResult v = audit(d, {"verify"});
  INFO(v.out << v.err);
  CHECK(v.exit_code == 0);
  CHECK(v.out.find("INTACT") != std::string::npos);
  CHECK(v.out.find("seq " + std::to_string(seq) + ": erased under retention") != std::string::npos);

  const std::string id = uuid_to_string(decode_envelope(env)->header.id);
  ProcResult p = audit(d, {"--bundle", d.dir() + "/trust.bundle", "prove", "--id", id});
  INFO(p.out << p.err);
  REQUIRE(p.exit_code == 0);
  const std::string proof = d.dir() + "/proof.json";
  std::ofstream(proof) << p.out;
  ProcResult c = run_process({bin("relais-audit"), "--authority-pub", d.dir() + "/keys/authority.pub", "--bundle",
                              d.dir() + "/trust.bundle", "check-proof", "--proof", proof});
  INFO(c.out << c.err);
  CHECK(c.exit_code == 0);
}

TEST_CASE("a ciphertext erased by hand, with no erasure event, is DAMAGED", "[integration][retention]") {
  Deployment d;
  d.start_broker();
  auto police = context_for(d, "police.golfe");
  auto pub = client_for(*police);
  const auto [env, seq] = publish(*police, *pub, kAlertTopic, "alert", alert_with("by hand"), "c-hand");
  pub->close();
  REQUIRE(d.stop_broker() == 0);
  ProcResult before = audit(d, {"verify"});
  REQUIRE(before.exit_code == 0);

  // The record rewritten as erased, naming the last record (not an erasure event) as its ground.
  auto r = LogReader::open(d.dir() + "/data");
  REQUIRE(r.ok());
  LogEntry e;
  std::string segment;
  uint64_t last = 0;
  while (*(*r)->next(&e)) {
    if (is_leaf_kind(e.record.kind)) last = e.record.seq;
    if (e.record.seq == seq && e.record.kind == RecordKind::kMessage) segment = e.segment;
  }
  REQUIRE(!segment.empty());
  const std::string path = d.dir() + "/data/" + segment;
  auto rw = write_erased_copy(SegmentFile{std::stoull(segment.substr(0, 20)), segment, path}, {seq}, last,
                              path + ".hand", false);
  REQUIRE(rw.ok());
  REQUIRE(rw->erased == 1);
  fs::rename(path + ".hand", path);
  CHECK_FALSE(folder_holds(d.dir() + "/data", fragment_of(env)));

  ProcResult v = audit(d, {"verify"});
  INFO(v.out << v.err);
  CHECK(v.exit_code == 1);
  CHECK(v.out.find("DAMAGED") != std::string::npos);
  CHECK(v.out.find("unexplained erasure at seq " + std::to_string(seq)) != std::string::npos);
}

TEST_CASE("an erasure order for one case erases that case on the broker and at the agency",
          "[integration][retention]") {
  Deployment d;
  d.set_broker_option("log", "shred_interval_ms", "200");
  d.set_agent_option("social.golfe", "service", "reconnect_min_ms", "100");
  d.set_agent_option("social.golfe", "service", "reconnect_max_ms", "500");
  d.set_agent_option("social.golfe", "service", "inbox_dir", "\"../inbox/social.golfe\"");
  d.start_broker();
  ChildProcess social;
  d.start_service(social, "social.golfe", d.dir() + "/social.log");
  auto police = context_for(d, "police.golfe");
  auto pub = client_for(*police);
  const std::string doc = read_text_file(source_path("demo/documents/referral-ngo-to-social.json")).value();
  const auto [court, court_seq] = publish(*police, *pub, "referral.social.golfe", "referral", doc, "c-court-order");
  const auto [other, other_seq] = publish(*police, *pub, "referral.social.golfe", "referral", doc, "c-other-case");
  const std::string court_id = uuid_to_string(decode_envelope(court)->header.id);
  const std::string other_id = uuid_to_string(decode_envelope(other)->header.id);
  const std::string inbox = d.dir() + "/inbox/social.golfe";
  const bool received = eventually(20000, 100, [&] {
    return fs::exists(inbox + "/" + court_id + ".json") && fs::exists(inbox + "/" + other_id + ".json");
  });
  INFO(social.log());
  REQUIRE(received);

  // The order, signed into the next bundle and put in force.
  ProcResult o = d.admin({"erasure-order", "--dir", d.dir(), "--case-ref", "c-court-order", "--order", "court order 3"});
  INFO(o.out << o.err);
  REQUIRE(o.exit_code == 0);
  ProcResult reload = run_process({bin("relais-broker"), "--config", d.dir() + "/broker.toml", "--reload"}, 60000);
  INFO(reload.out << reload.err);
  REQUIRE(reload.exit_code == 0);

  // The broker: that case's ciphertext is gone, the other's stays.
  const bool erased = eventually(20000, 100, [&] { return !folder_holds(d.dir() + "/data", fragment_of(court)); });
  INFO(d.broker_log());
  REQUIRE(erased);
  CHECK(folder_holds(d.dir() + "/data", fragment_of(other)));
  CHECK(kind_of(d.dir() + "/data", court_seq) == RecordKind::kErasedMessage);
  CHECK(kind_of(d.dir() + "/data", other_seq) == RecordKind::kMessage);

  // The agency's service takes the new bundle and erases the case from its
  // store and its inbox_dir; the other case stays.
  const bool agency = eventually(20000, 100, [&] {
    return !fs::exists(inbox + "/" + court_id + ".json") && fs::exists(inbox + "/" + other_id + ".json");
  });
  INFO(social.log());
  REQUIRE(agency);
  ProcResult inbox_list = d.agent("social.golfe", {"inbox", "--json"});
  INFO(inbox_list.out << inbox_list.err);
  REQUIRE(inbox_list.exit_code == 0);
  CHECK(inbox_list.out.find(court_id) == std::string::npos);
  CHECK(inbox_list.out.find(other_id) != std::string::npos);
  CHECK(social.log().find("retention: erased") != std::string::npos);
  REQUIRE(social.stop(10000) == 0);

  pub->close();
  REQUIRE(d.stop_broker() == 0);
  ProcResult v = audit(d, {"verify"});
  INFO(v.out << v.err);
  CHECK(v.exit_code == 0);
  CHECK(v.out.find("seq " + std::to_string(court_seq) + ": erased by order 1") != std::string::npos);
}
