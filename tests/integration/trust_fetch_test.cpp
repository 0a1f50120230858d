// Bundles travel by themselves (docs/operations.md §Onboarding an agency): real broker, real
// relais-agent, relais-admin and relais-audit processes on 127.0.0.1, keys
// made at run time. The commission changes DIR/trust.bundle and reloads the
// broker; agents holding an older copy fetch the new one on their own. Every
// check is on order and content, never on time.
#include <catch2/catch.hpp>

#include <filesystem>

#include "deployment.h"
#include "util/clock.h"
#include "util/files.h"

using namespace relais;
using namespace relais::test;

namespace {

namespace fs = std::filesystem;


void admin_ok(Deployment& d, const std::vector<std::string>& args) {
  ProcResult r = d.admin(args);
  INFO(args[0] << ": " << r.err);
  REQUIRE(r.exit_code == 0);
}

void reload(Deployment& d) {
  ProcResult r = run_process({bin("relais-broker"), "--config", d.dir() + "/broker.toml", "--reload"}, 60000);
  INFO(r.err << d.broker_log());
  REQUIRE(r.exit_code == 0);
}

// Replaces `key = ...` in an agent's configuration.
void set_agent_option(Deployment& d, const std::string& name, const std::string& key, const std::string& value) {
  const std::string path = d.agent_config(name);
  std::string text = read_all(path);
  const size_t at = text.find("\n" + key + " = ");
  REQUIRE(at != std::string::npos);
  const size_t end = text.find('\n', at + 1);
  text.replace(at + 1, end - at - 1, key + " = " + value);
  write_all(path, text);
}

// The agent keeps only a copy of today's bundle (serial 1), not DIR/trust.bundle.
void pin_old_copy(Deployment& d, const std::string& name) {
  if (!fs::exists(d.dir() + "/old.bundle")) fs::copy_file(d.dir() + "/trust.bundle", d.dir() + "/old.bundle");
  set_agent_option(d, name, "bundle", "\"../old.bundle\"");
}

std::string state_of(Deployment& d, const std::string& name) { return d.dir() + "/state/" + name; }

void publish_alert(Deployment& d, const std::string& who, const std::string& tag) {
  ProcResult r = d.agent(who, {"publish", "--topic", kAlertTopic, "--type", "alert"}, 30000, alert_with(tag));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

}  // namespace

TEST_CASE("An agent with only an old bundle copy sends to a participant added later, after fetching by itself",
          "[integration][trust]") {
  Deployment d;
  pin_old_copy(d, "ngo.refuge");
  pin_old_copy(d, "commission");
  d.start_broker();

  // The commission adds ngo.espoir (its key made on its own machine) and reloads.
  const std::string agency = d.dir() + "/agency";
  admin_ok(d, {"keygen", "--name", "ngo.espoir", "--role", "ngo", "--region", "maritime", "--prefecture", "golfe",
               "--out", agency});
  admin_ok(d, {"add", "--dir", d.dir(), "--card", agency + "/ngo.espoir.pub", "--key-path",
               agency + "/ngo.espoir.key"});
  reload(d);

  // ngo.espoir connects with no restart and waits for its referrals.
  ChildProcess espoir;
  const std::string out = d.dir() + "/espoir.out";
  d.start_subscriber(espoir, "ngo.espoir", {"--topic", "referral.ngo.espoir", "--count", "1", "--timeout", "30"}, out);

  // ngo.refuge holds only serial 1, which does not list ngo.espoir: it fetches serial 2 by itself.
  nlohmann::json doc = nlohmann::json::parse(read_all(source_path("demo/documents/referral-ngo-to-social.json")));
  doc["to_org"] = "ngo.espoir";
  ProcResult sent = d.agent("ngo.refuge", {"publish", "--topic", "referral.ngo.espoir", "--type", "referral",
                                           "--case-ref", "c-fetch01"},
                            30000, doc.dump());
  INFO(sent.err);
  REQUIRE(sent.exit_code == 0);
  REQUIRE(espoir.wait(30000) == 0);
  auto lines = json_lines(read_all(out));
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["from"] == "ngo.refuge");
  CHECK(lines[0]["case_ref"] == "c-fetch01");
  CHECK(lines[0]["body"]["to_org"] == "ngo.espoir");
  CHECK_FALSE(lines[0].contains("sender_status"));
  // What it fetched is kept, verified, beside its state.
  CHECK(fs::exists(state_of(d, "ngo.refuge") + "/bundles/2.bundle"));
  CHECK(read_all(state_of(d, "ngo.refuge") + "/bundles/2.bundle") == read_all(d.dir() + "/trust.bundle"));
  // The old configured copy is no error now that serial 2 is held.
  ProcResult again = d.agent("ngo.refuge", {"bundle"});
  INFO(again.err);
  CHECK(again.exit_code == 0);
  CHECK(nlohmann::json::parse(again.out) == nlohmann::json{{"held", 2}, {"broker", 2}, {"state", "current"}});

  // `bundle` fetches for an agent that has not talked to the broker since.
  ProcResult status = d.agent("commission", {"bundle"});
  INFO(status.err);
  REQUIRE(status.exit_code == 0);
  CHECK(nlohmann::json::parse(status.out) == nlohmann::json{{"held", 2}, {"broker", 2}, {"state", "current"}});
  CHECK(fs::exists(state_of(d, "commission") + "/bundles/2.bundle"));

  // With the broker down, the held serial is still reported.
  CHECK(d.stop_broker() == 0);
  ProcResult down = d.agent("commission", {"bundle", "--timeout", "1"});
  CHECK(down.exit_code == 0);
  CHECK(nlohmann::json::parse(down.out) ==
        nlohmann::json{{"held", 2}, {"broker", nullptr}, {"state", "unreachable"}});
}

TEST_CASE("relais-agent bundle refuses a broker's bundle that its pinned authority did not sign: exit 1",
          "[integration][trust]") {
  Deployment d;
  d.start_broker();
  admin_ok(d, {"revoke", "--dir", d.dir(), "--name", "police.kozah"});
  reload(d);
  // This agent pins another authority, which signed its own serial 1 of the
  // same cards: the broker's serial 2 does not verify for it.
  const std::string other = d.dir() + "/other";
  admin_ok(d, {"keygen", "--name", "authority", "--role", "authority", "--out", other});
  admin_ok(d, {"bundle", "--authority", other + "/authority.key", "--cards", d.dir() + "/keys", "--policy",
               d.dir() + "/policy.toml", "--serial", "1", "--out", d.dir() + "/foreign.bundle"});
  auto other_card = load_card(other + "/authority.pub");
  REQUIRE(other_card.ok());
  set_agent_option(d, "commission", "bundle", "\"../foreign.bundle\"");
  set_agent_option(d, "commission", "authority_key", "\"" + to_base64(other_card->sign_pk) + "\"");
  ProcResult r = d.agent("commission", {"bundle"});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(nlohmann::json::parse(r.out) == nlohmann::json{{"held", 1}, {"broker", 2}, {"state", "behind"}});
  CHECK_THAT(r.err, Catch::Contains("pinned authority"));
  CHECK_FALSE(fs::exists(state_of(d, "commission") + "/bundles/2.bundle"));
}

TEST_CASE("A durable subscriber that was offline receives a since-revoked participant's earlier messages",
          "[integration][trust]") {
  Deployment d;
  d.start_broker();
  // The durable name exists, then its reader goes offline.
  ProcResult created = d.agent("committee.golfe", {"subscribe", "--topic", "alert.>", "--durable", "golfe-desk",
                                                   "--timeout", "1"});
  INFO(created.err);
  REQUIRE(created.exit_code == 0);

  publish_alert(d, "police.golfe", "before-1");
  publish_alert(d, "police.golfe", "before-2");

  admin_ok(d, {"revoke", "--dir", d.dir(), "--name", "police.golfe"});
  reload(d);
  // From now on the revoked key is refused.
  ProcResult late = d.agent("police.golfe", {"publish", "--topic", kAlertTopic, "--type", "alert"}, 30000,
                            alert_with("after"));
  CHECK(late.exit_code == 1);
  CHECK_THAT(late.err, Catch::Contains("revoked"));

  // The reader comes back with serial 2 (police.golfe revoked) and still gets both.
  ProcResult read = d.agent("committee.golfe", {"subscribe", "--topic", "alert.>", "--durable", "golfe-desk",
                                                "--count", "2", "--timeout", "20"});
  INFO(read.err);
  REQUIRE(read.exit_code == 0);
  auto lines = json_lines(read.out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0]["body"]["description"].get<std::string>().rfind("tag before-1", 0) == 0);
  CHECK(lines[1]["body"]["description"].get<std::string>().rfind("tag before-2", 0) == 0);
  for (const auto& m : lines) {
    CHECK(m["from"] == "police.golfe");
    CHECK(m["sender_status"] == "revoked since serial 2");
  }
  CHECK(read.err.find("rejected") == std::string::npos);
  // It fetched serial 1, which its envelopes name, to check them.
  CHECK(fs::exists(state_of(d, "committee.golfe") + "/bundles/1.bundle"));
}

TEST_CASE("After a key rotation, relais-audit verify reads the bundles from the log and says INTACT",
          "[integration][trust]") {
  Deployment d;
  d.start_broker();
  publish_alert(d, "police.golfe", "old-key");

  const std::string fresh = d.dir() + "/fresh";
  admin_ok(d, {"keygen", "--name", "police.golfe", "--role", "police", "--region", "maritime", "--prefecture",
               "golfe", "--out", fresh});
  admin_ok(d, {"rotate", "--dir", d.dir(), "--name", "police.golfe", "--card", fresh + "/police.golfe.pub"});
  reload(d);
  set_agent_option(d, "police.golfe", "identity", "\"" + fresh + "/police.golfe.key\"");
  publish_alert(d, "police.golfe", "new-key");
  REQUIRE(d.stop_broker() == 0);

  const std::vector<std::string> base = {bin("relais-audit"), "--authority-pub", d.dir() + "/keys/authority.pub",
                                         "--data", d.dir() + "/data"};
  auto audit = [&](std::vector<std::string> extra) {
    std::vector<std::string> argv = base;
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_process(argv, 60000);
  };
  ProcResult v = audit({"verify"});
  INFO(v.out << v.err);
  REQUIRE(v.exit_code == 0);
  CHECK(v.out.rfind("INTACT", 0) == 0);
  CHECK_THAT(v.out, Catch::Contains("serial 1 at "));
  CHECK_THAT(v.out, Catch::Contains("serial 2 at "));
  ProcResult j = audit({"verify", "--json"});
  REQUIRE(j.exit_code == 0);
  auto doc = nlohmann::json::parse(j.out);
  CHECK(doc["verdict"] == "intact");
  REQUIRE(doc["bundles_loaded"].size() >= 2);
  CHECK(doc["senders"]["police.golfe"] == 2);
  // The current bundle given explicitly is one the log loaded: accepted.
  CHECK(audit({"--bundle", d.dir() + "/trust.bundle", "verify"}).exit_code == 0);
}

TEST_CASE("An agent warns 30 days before its bundle expires, and refuses to seal with an expired one",
          "[integration][trust]") {
  Deployment d;
  d.start_broker();
  auto authority = load_identity(d.dir() + "/keys/authority.key");
  REQUIRE(authority.ok());
  auto current = load_bundle(d.dir() + "/trust.bundle", authority->card.sign_pk);
  REQUIRE(current.ok());
  // The same serial, re-signed with another life (the broker keeps its own copy).
  auto resign = [&](const std::string& name, int64_t issued_ms, int64_t expires_ms) {
    BundleSpec spec = spec_of(*current);
    spec.issued_at_ms = issued_ms;
    spec.expires_at_ms = expires_ms;
    auto bytes = build_bundle(*authority, spec);
    INFO(bytes.status().message());
    REQUIRE(bytes.ok());
    REQUIRE(write_file_durable(d.dir() + "/" + name, *bytes, 0644).ok());
    set_agent_option(d, "police.golfe", "bundle", "\"../" + name + "\"");
  };
  const int64_t day = 86400000;
  resign("soon.bundle", now_ms() - day, now_ms() + 10 * day + 3600000);
  ProcResult soon = d.agent("police.golfe", {"publish", "--topic", kAlertTopic, "--type", "alert"}, 30000,
                            alert_with("soon"));
  INFO(soon.err);
  CHECK(soon.exit_code == 0);
  CHECK_THAT(soon.err, Catch::Contains("expires on"));
  CHECK_THAT(soon.err, Catch::Contains("in 10 days"));
  CHECK_THAT(soon.err, Catch::Contains("ask the commission for a new bundle"));

  resign("late.bundle", now_ms() - 10 * day, now_ms() - 3600000);
  ProcResult late = d.agent("police.golfe", {"publish", "--topic", kAlertTopic, "--type", "alert"}, 30000,
                            alert_with("late"));
  CHECK(late.exit_code == 2);
  CHECK_THAT(late.err, Catch::Contains("expired on"));
  CHECK_THAT(late.err, Catch::Contains("ask the commission for a new bundle"));
  CHECK(late.out.empty());
}
