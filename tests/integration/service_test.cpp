// The agent service (relais-agent run) end to end: the real broker, real
// agent services and commands over CurveZMQ on 127.0.0.1, stores on disk.
//   - a long outage: documents sent while the broker is down (longer than
//     its clock-skew limit, with a bundle change and a kill -9 of the service
//     meanwhile) reach their reader once each, and are logged once each;
//   - a referral is answered "received" once, across a restart;
//   - an escalation fires once, at the next start when the service was off
//     at the deadline;
//   - no plaintext at rest but in an enabled inbox_dir; a hook gets no body;
//   - after a key rotation, stored and pending messages still open;
//   - a [[subscription]] overlapping the mailbox is a configuration error,
//     one held by another process is retried until it is free;
//   - systemd hears READY with the broker down, and STOPPING at SIGTERM.
// Every wait is bounded and on a condition.
#include <catch2/catch.hpp>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <map>
#include <poll.h>
#include <set>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/broker_client.h"
#include "crypto/envelope.h"
#include "crypto/uuid.h"
#include "deployment.h"
#include "util/clock.h"

using namespace relais;
using namespace relais::test;
namespace fs = std::filesystem;

namespace {

const char* kReferralFile = "demo/documents/referral-ngo-to-social.json";

nlohmann::json outbox_of(Deployment& d, const std::string& name) { return json_of(d.agent(name, {"outbox", "--json"})); }
nlohmann::json inbox_of(Deployment& d, const std::string& name) { return json_of(d.agent(name, {"inbox", "--json"})); }

size_t count_where(const nlohmann::json& list, const std::string& key, const std::string& value) {
  size_t n = 0;
  for (const auto& e : list)
    if (e.contains(key) && e[key].is_string() && e[key] == value) ++n;
  return n;
}

// Queues a referral from ngo.refuge to social.golfe with `send`; its id.
std::string send_referral(Deployment& d, const std::vector<std::string>& extra = {}, const std::string& doc = "") {
  std::vector<std::string> args = {"send", "--topic", "referral.social.golfe", "--type", "referral"};
  args.insert(args.end(), extra.begin(), extra.end());
  if (doc.empty()) {
    args.insert(args.end(), {"--file", source_path(kReferralFile)});
  } else {
    args.insert(args.end(), {"--file", "-"});
  }
  ProcResult r = d.agent("ngo.refuge", args, 30000, doc);
  const nlohmann::json out = json_of(r);
  CHECK(out["status"] == "queued");
  return out["id"].get<std::string>();
}

// Every delivery of a participant's mailbox, read raw (no dedup on the
// reader's side): id -> times delivered, until `want` distinct ids came,
// then until the broker has had nothing more for 1 s.
std::map<std::string, int> read_mailbox(Deployment& d, const std::string& name, size_t want) {
  auto ctx = context_for(d, name);
  auto c = client_for(*ctx);
  SubArgs a;
  a.sub_id = 1;
  a.durable = std::string(kMailboxDurable);
  Status s = c->subscribe(a, monotonic_ms() + 5000);
  INFO(s.message());
  REQUIRE(s.ok());
  std::map<std::string, int> seen;
  const int64_t deadline = monotonic_ms() + 30000;
  while (monotonic_ms() < deadline) {
    const bool complete = seen.size() >= want;
    auto m = c->next(monotonic_ms() + (complete ? 1000 : 2000));
    REQUIRE(m.ok());
    if (!m->has_value()) {
      if (complete) break;
      continue;
    }
    auto env = decode_envelope((*m)->envelope);
    REQUIRE(env.ok());
    ++seen[uuid_to_string(env->header.id)];
    c->ack((*m)->args.sub_id, (*m)->args.seq);
  }
  c->close();
  return seen;
}

// relais-audit replay of the broker's log: id -> the JSON lines naming it.
std::map<std::string, std::vector<nlohmann::json>> replay(Deployment& d) {
  ProcResult r = run_process({bin("relais-audit"), "--authority-pub", d.dir() + "/keys/authority.pub", "--data",
                              d.dir() + "/data", "replay"},
                             60000);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  std::map<std::string, std::vector<nlohmann::json>> out;
  for (const auto& j : json_lines(r.out))
    if (j.contains("id") && j["id"].is_string()) out[j["id"].get<std::string>()].push_back(j);
  return out;
}

}  // namespace

TEST_CASE("documents sent during a long outage, a bundle change and a kill -9 arrive once each",
          "[integration][service]") {
  Deployment d;
  d.set_broker_option("limits", "max_clock_skew_ms", "5000");
  d.set_broker_option("limits", "dedup_window_ms", "3600000");
  quick_service(d, "ngo.refuge");
  // ngo.refuge holds its own copy of the bundle (serial 1): a newer serial
  // can only come to it from the broker.
  fs::copy_file(d.dir() + "/trust.bundle", d.dir() + "/agents/ngo.refuge.bundle");
  d.set_agent_option("ngo.refuge", "agent", "bundle", "\"ngo.refuge.bundle\"");

  ChildProcess service;
  const std::string log = d.dir() + "/ngo.refuge.service.log";
  d.start_service(service, "ngo.refuge", log);
  const int64_t outage_start = monotonic_ms();
  std::vector<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    if (i == 25) {  // midway: the service dies hard and comes back
      service.kill9();
      d.start_service(service, "ngo.refuge", log);
    }
    ids.push_back(send_referral(d));
  }
  // The commission adds a participant while the broker is down: it will
  // start under serial 2, while every document was checked under serial 1.
  REQUIRE(d.admin({"keygen", "--name", "ngo.aube", "--role", "ngo", "--region", "maritime", "--prefecture", "golfe",
                   "--out", d.dir() + "/new-agency"})
              .exit_code == 0);
  ProcResult added = d.admin({"add", "--dir", d.dir(), "--card", d.dir() + "/new-agency/ngo.aube.pub"});
  INFO(added.err);
  REQUIRE(added.exit_code == 0);

  // The outage lasts longer than the broker's clock-skew limit, and the
  // service keeps trying meanwhile.
  const bool tried = eventually(30000, 250, [&] {
    if (monotonic_ms() < outage_start + 6000) return false;
    const auto out = outbox_of(d, "ngo.refuge");
    return out.size() == 50 && out[0]["attempts"].get<int64_t>() >= 2;
  });
  INFO(service.log());
  REQUIRE(tried);
  for (const auto& e : outbox_of(d, "ngo.refuge")) CHECK(e["status"] == "queued");

  d.start_broker();
  const bool all_logged = eventually(30000, 250, [&] {
    const auto out = outbox_of(d, "ngo.refuge");
    return count_where(out, "status", "logged") == 50;
  });
  INFO(service.log());
  REQUIRE(all_logged);
  CHECK(service.log().find("bundle serial 2") != std::string::npos);

  // The reader receives each id exactly once.
  const auto seen = read_mailbox(d, "social.golfe", ids.size());
  CHECK(seen.size() == ids.size());
  for (const auto& id : ids) {
    INFO(id);
    CHECK(seen.count(id) == 1);
    if (seen.count(id)) CHECK(seen.at(id) == 1);
  }
  REQUIRE(service.stop(10000) == 0);
  REQUIRE(d.stop_broker() == 0);
  // The log holds each once, sealed under the newer bundle.
  const auto logged = replay(d);
  for (const auto& id : ids) {
    INFO(id);
    REQUIRE(logged.count(id) == 1);
    CHECK(logged.at(id).size() == 1);
  }
}

TEST_CASE("a referral is answered 'received' once, also across a restart of the service", "[integration][service]") {
  Deployment d;
  quick_service(d, "social.golfe");
  d.start_broker();
  ChildProcess service;
  const std::string log = d.dir() + "/social.golfe.service.log";
  d.start_service(service, "social.golfe", log);

  auto publish = [&] {
    ProcResult r = d.agent("ngo.refuge", {"publish", "--topic", "referral.social.golfe", "--type", "referral",
                                          "--file", source_path(kReferralFile)});
    return json_of(r)["id"].get<std::string>();
  };
  auto answered = [&](size_t n) {
    return eventually(20000, 200, [&] {
      const auto out = outbox_of(d, "social.golfe");
      return count_where(out, "origin", "auto-received") == n && count_where(out, "status", "logged") == n;
    });
  };
  const std::string first = publish();
  INFO(service.log());
  REQUIRE(answered(1));
  REQUIRE(service.stop(10000) == 0);
  d.start_service(service, "social.golfe", log);
  const std::string second = publish();
  REQUIRE(answered(2));
  REQUIRE(service.stop(10000) == 0);

  const auto out = outbox_of(d, "social.golfe");
  CHECK(count_where(out, "in_reply_to", first) == 1);
  CHECK(count_where(out, "in_reply_to", second) == 1);
  const auto inbox = inbox_of(d, "social.golfe");
  CHECK(count_where(inbox, "id", first) == 1);
  CHECK(count_where(inbox, "id", second) == 1);
  // The referrer's mailbox holds one response per referral, with the
  // referral's case_ref.
  auto ngo = context_for(d, "ngo.refuge");
  auto c = client_for(*ngo);
  SubArgs a;
  a.sub_id = 1;
  a.durable = std::string(kMailboxDurable);
  REQUIRE(c->subscribe(a, monotonic_ms() + 5000).ok());
  std::map<std::string, int> replies;
  const int64_t deadline = monotonic_ms() + 20000;
  while (monotonic_ms() < deadline) {
    auto m = c->next(monotonic_ms() + 1000);
    REQUIRE(m.ok());
    if (!m->has_value()) {
      if (replies.size() >= 2) break;
      continue;
    }
    auto opened = open_delivery(*ngo, (*m)->envelope, (*m)->args.seq);
    REQUIRE(opened.ok());
    CHECK((*opened)["type"] == "referral-response");
    CHECK((*opened)["topic"] == "response.ngo.refuge");
    CHECK((*opened)["body"]["status"] == "received");
    ++replies[(*opened)["in_reply_to"].get<std::string>()];
    c->ack((*m)->args.sub_id, (*m)->args.seq);
  }
  c->close();
  CHECK(replies.size() == 2);
  CHECK(replies[first] == 1);
  CHECK(replies[second] == 1);
}

TEST_CASE("an unanswered immediate referral escalates once, at the next start when the service was off",
          "[integration][service]") {
  Deployment d;
  quick_service(d, "ngo.refuge");
  constexpr int64_t kDeadlineMs = 3000;
  d.set_agent_option("ngo.refuge", "service", "escalate_immediate_ms", std::to_string(kDeadlineMs));
  d.start_broker();
  ChildProcess service;
  const std::string log = d.dir() + "/ngo.refuge.service.log";
  d.start_service(service, "ngo.refuge", log);
  const std::string referral = send_referral(d, {"--urgency", "immediate"});
  const bool logged = eventually(20000, 200, [&] { return count_where(outbox_of(d, "ngo.refuge"), "status", "logged") == 1; });
  INFO(service.log());
  REQUIRE(logged);
  const int64_t logged_at = monotonic_ms();
  // Off before the deadline, back after it.
  REQUIRE(service.stop(10000) == 0);
  CHECK(count_where(outbox_of(d, "ngo.refuge"), "origin", "escalation") == 0);
  REQUIRE(eventually(kDeadlineMs + 5000, 50, [&] { return monotonic_ms() > logged_at + kDeadlineMs + 200; }));
  d.start_service(service, "ngo.refuge", log);
  const bool escalated = eventually(20000, 200, [&] {
    const auto out = outbox_of(d, "ngo.refuge");
    for (const auto& e : out)
      if (e["origin"] == "escalation" && e["status"] == "logged") return true;
    return false;
  });
  INFO(service.log());
  REQUIRE(escalated);
  // A later start does not escalate again: a routine referral sent after it
  // is logged after whatever that start queued.
  REQUIRE(service.stop(10000) == 0);
  d.start_service(service, "ngo.refuge", log);
  const std::string later = send_referral(d);
  REQUIRE(eventually(20000, 200, [&] { return count_where(outbox_of(d, "ngo.refuge"), "status", "logged") == 3; }));
  REQUIRE(service.stop(10000) == 0);
  const auto out = outbox_of(d, "ngo.refuge");
  CHECK(count_where(out, "origin", "escalation") == 1);

  // The commission reads exactly one escalation, about the referral.
  ProcResult r = d.agent("commission", {"subscribe", "--topic", "escalation.>", "--from", "first", "--count", "1",
                                        "--timeout", "10"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto got = json_lines(r.out);
  REQUIRE(got.size() == 1);
  CHECK(got[0]["topic"] == "escalation.ngo.refuge");
  CHECK(got[0]["body"]["about_id"] == referral);
  CHECK(got[0]["body"]["reason"] == "not_acknowledged");
  REQUIRE(d.stop_broker() == 0);
  size_t escalations = 0;
  for (const auto& [id, lines] : replay(d))
    for (const auto& l : lines)
      if (l.contains("topic") && l["topic"] == "escalation.ngo.refuge") ++escalations;
  CHECK(escalations == 1);
  (void)later;
}

TEST_CASE("no plaintext at rest but in an enabled inbox_dir, and a hook gets no body", "[integration][service]") {
  Deployment d;
  quick_service(d, "social.golfe");
  quick_service(d, "ngo.refuge");
  const std::string hook_out = d.dir() + "/hook-out";
  fs::create_directories(hook_out);
  const std::string hook = d.dir() + "/hook.sh";
  write_all(hook, "#!/bin/sh\ncat > " + hook_out + "/$$.tmp && mv " + hook_out + "/$$.tmp " + hook_out + "/$$.json\n");
  fs::permissions(hook, fs::perms::owner_all);
  d.set_agent_option("social.golfe", "service", "inbox_dir", "\"../inbox/social.golfe\"");
  d.set_agent_option("social.golfe", "service", "on_message", "\"" + hook + "\"");
  d.start_broker();
  ChildProcess social, ngo;
  d.start_service(social, "social.golfe", d.dir() + "/social.log");
  d.start_service(ngo, "ngo.refuge", d.dir() + "/ngo.log");

  const std::string marker = "MARKER-plain-" + uuid_to_string(new_uuid_v7(now_ms())).substr(24);
  nlohmann::json doc = nlohmann::json::parse(read_all(source_path(kReferralFile)));
  doc["reason"] = "Needs shelter; " + marker;
  const std::string id = send_referral(d, {}, doc.dump());
  const bool stored = eventually(20000, 200, [&] {
    return count_where(inbox_of(d, "social.golfe"), "id", id) == 1 &&
           count_where(outbox_of(d, "social.golfe"), "status", "logged") == 1 && !fs::is_empty(hook_out);
  });
  INFO(social.log() << ngo.log());
  REQUIRE(stored);
  // `show` opens it from the store.
  ProcResult shown = d.agent("social.golfe", {"show", id});
  REQUIRE(shown.exit_code == 0);
  CHECK(shown.out.find(marker) != std::string::npos);
  REQUIRE(social.stop(10000) == 0);
  REQUIRE(ngo.stop(10000) == 0);

  // Nowhere in either state_dir (store.db, its WAL, bundles, ...), nor in the logs.
  CHECK(files_containing(d.dir() + "/state/social.golfe", marker).empty());
  CHECK(files_containing(d.dir() + "/state/ngo.refuge", marker).empty());
  CHECK(social.log().find(marker) == std::string::npos);
  CHECK(ngo.log().find(marker) == std::string::npos);
  // The enabled inbox_dir holds it, as documented: <id>.json, 0600.
  const std::string exported = d.dir() + "/inbox/social.golfe/" + id + ".json";
  REQUIRE(fs::exists(exported));
  CHECK(read_all(exported).find(marker) != std::string::npos);
  CHECK((fs::status(exported).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
  // The hook read the routing fields only.
  const auto hook_files = files_containing(hook_out, id);
  REQUIRE(hook_files.size() == 1);
  const auto input = nlohmann::json::parse(read_all(hook_files[0]));
  CHECK(input["id"] == id);
  CHECK(input["from"] == "ngo.refuge");
  CHECK_FALSE(input.contains("body"));
  CHECK(files_containing(hook_out, marker).empty());
}

TEST_CASE("after a key rotation, stored messages and messages sealed to the old key still open",
          "[integration][service]") {
  Deployment d;
  quick_service(d, "social.golfe");
  d.start_broker();
  ChildProcess service;
  const std::string log = d.dir() + "/social.log";
  d.start_service(service, "social.golfe", log);
  auto publish = [&] {
    ProcResult r = d.agent("ngo.refuge", {"publish", "--topic", "referral.social.golfe", "--type", "referral",
                                          "--file", source_path(kReferralFile)});
    return json_of(r)["id"].get<std::string>();
  };
  const std::string before = publish();
  REQUIRE(eventually(20000, 200, [&] { return count_where(inbox_of(d, "social.golfe"), "id", before) == 1; }));
  REQUIRE(service.stop(10000) == 0);
  const std::string pending = publish();  // sealed to the old key, delivered after the rotation

  // The commission rotates social.golfe's keys; the broker takes the new bundle.
  REQUIRE(d.admin({"keygen", "--name", "social.golfe", "--role", "social", "--region", "maritime", "--prefecture",
                   "golfe", "--out", d.dir() + "/new-keys"})
              .exit_code == 0);
  ProcResult rotated =
      d.admin({"rotate", "--dir", d.dir(), "--name", "social.golfe", "--card", d.dir() + "/new-keys/social.golfe.pub"});
  INFO(rotated.err);
  REQUIRE(rotated.exit_code == 0);
  REQUIRE(d.stop_broker() == 0);
  d.start_broker();
  d.set_agent_option("social.golfe", "agent", "identity", "\"../new-keys/social.golfe.key\"");
  // Without the old key, the store does not open.
  ProcResult refused = d.agent("social.golfe", {"show", before});
  CHECK(refused.exit_code != 0);
  d.set_agent_option("social.golfe", "agent", "retired_identities", "[\"../keys/social.golfe.key\"]");

  d.start_service(service, "social.golfe", log);
  const bool got = eventually(20000, 200, [&] { return count_where(inbox_of(d, "social.golfe"), "id", pending) == 1; });
  INFO(service.log());
  REQUIRE(got);
  REQUIRE(service.stop(10000) == 0);
  for (const auto& id : {before, pending}) {
    ProcResult shown = d.agent("social.golfe", {"show", id});
    INFO(shown.err);
    REQUIRE(shown.exit_code == 0);
    const auto m = nlohmann::json::parse(shown.out);
    CHECK(m["id"] == id);
    CHECK(m["body"]["referral_id"] == "REFUGE-2026-0107");
  }
  // The store key is now wrapped to the new key too: it opens without the old one.
  fs::rename(d.dir() + "/keys/social.golfe.key", d.dir() + "/keys/social.golfe.key.old");
  d.set_agent_option("social.golfe", "agent", "retired_identities", "[]");
  ProcResult alone = d.agent("social.golfe", {"show", before});
  INFO(alone.err);
  CHECK(alone.exit_code == 0);
}

TEST_CASE("a [[subscription]] overlapping the mailbox stops the service with a configuration error",
          "[integration][service]") {
  Deployment d;
  const std::string cfg = d.agent_config("social.golfe");
  write_all(cfg, read_all(cfg) + "\n[[subscription]]\ntopic = \"referral.>\"\ndurable = \"all-referrals\"\n");
  ProcResult r = run_process({bin("relais-agent"), "--config", cfg, "run"}, 15000);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("all-referrals") && Catch::Contains("mailbox"));
  CHECK_FALSE(fs::exists(d.dir() + "/state/social.golfe/store.db"));
}

TEST_CASE("a durable subscription another process holds is retried until it is free", "[integration][service]") {
  Deployment d;
  quick_service(d, "commission");
  const std::string cfg = d.agent_config("commission");
  write_all(cfg, read_all(cfg) + "\n[[subscription]]\ntopic = \"alert.>\"\ndurable = \"alerts\"\n");
  d.start_broker();
  ChildProcess holder;
  d.start_subscriber(holder, "commission", {"--topic", "alert.>", "--durable", "alerts", "--timeout", "4"},
                     d.dir() + "/holder.log");
  ChildProcess service;
  d.start_service(service, "commission", d.dir() + "/commission.log");
  const bool refused = service.wait_for_log("another process holds durable subscription alerts", 15000);
  INFO(service.log());
  REQUIRE(refused);
  CHECK(service.running());
  REQUIRE(holder.wait(15000) == 0);  // its timeout: it says BYE, and the broker frees the name
  const bool attached = service.wait_for_log("as durable subscription alerts", 15000);
  INFO(service.log());
  REQUIRE(attached);
  ProcResult r = d.agent("police.golfe", {"publish", "--topic", kAlertTopic, "--type", "alert", "--file",
                                          source_path("demo/documents/alert-golfe.json")});
  const std::string id = json_of(r)["id"].get<std::string>();
  REQUIRE(eventually(20000, 200, [&] { return count_where(inbox_of(d, "commission"), "id", id) == 1; }));
  REQUIRE(service.stop(10000) == 0);
}

namespace {

// systemd's notification socket, played by the test.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(path.size() < sizeof addr.sun_path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~NotifySocket() { ::close(fd_); }
  // Datagrams until one has `state` as a line (that one), or "" after
  // timeout_ms without any.
  std::string wait_for(const std::string& state, int timeout_ms = 15000) {
    while (true) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) != 1) return "";
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return "";
      const std::string m(buf, static_cast<size_t>(n));
      for (const auto& line : lines_of(m))
        if (line == state) return m;
    }
  }

 private:
  int fd_ = -1;
};

}  // namespace

TEST_CASE("the service tells systemd it is ready with the broker down, and that it stops", "[integration][service]") {
  Deployment d;
  quick_service(d, "ngo.refuge");
  TempDir sock_dir;
  NotifySocket systemd(sock_dir.path() + "/notify");
  ChildProcess service;
  d.start_service(service, "ngo.refuge", d.dir() + "/ngo.log", {{"NOTIFY_SOCKET", sock_dir.path() + "/notify"}});
  const std::string ready = systemd.wait_for("READY=1");
  INFO(service.log());
  REQUIRE_FALSE(ready.empty());
  CHECK_THAT(ready, Catch::Contains("STATUS=store open"));
  CHECK(service.running());
  REQUIRE(::kill(service.pid(), SIGTERM) == 0);
  CHECK_FALSE(systemd.wait_for("STOPPING=1").empty());
  CHECK(service.wait(10000) == 0);
  CHECK_THAT(service.log(), Catch::Contains("relais-agent: stopped"));
}
