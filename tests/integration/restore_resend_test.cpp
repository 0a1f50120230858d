// After the broker's log is restored from a backup, the agencies' services
// send again, under the same ids, what they had sent in the lost range: one
// service that stays up through the restore (it hears NOTICE restored when it
// reconnects) and one that was stopped during it (it hears the NOTICE right
// after WELCOME at its next start). Real broker, real services, real
// relais-admin backup/restore; every wait on a condition.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>

#include "deployment.h"
#include "eventually.h"

using namespace relais;
using namespace relais::test;
namespace fs = std::filesystem;

namespace {

nlohmann::json outbox_of(Deployment& d, const std::string& name) {
  ProcResult r = d.agent(name, {"outbox", "--json"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

bool all_logged(Deployment& d, const std::string& name, size_t want) {
  const auto out = outbox_of(d, name);
  size_t n = 0;
  for (const auto& e : out)
    if (e["status"] == "logged") ++n;
  return out.size() == want && n == want;
}

// Queues one document through `send`; its id.
std::string send_one(Deployment& d, const std::string& name, const std::string& topic, const std::string& type,
                     const std::string& doc) {
  ProcResult r = d.agent(name, {"send", "--topic", topic, "--type", type, "--file", "-"}, 30000, doc);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out)["id"].get<std::string>();
}

std::string referral_text() { return read_all(source_path("demo/documents/referral-ngo-to-social.json")); }

// relais-audit replay of the log in `data`: id -> how many message records carry it.
std::map<std::string, int> logged_ids(Deployment& d, const std::string& data) {
  ProcResult r = run_process({bin("relais-audit"), "--authority-pub", d.dir() + "/keys/authority.pub", "--data", data,
                              "replay"},
                             60000);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::map<std::string, int> out;
  for (const auto& j : json_lines(r.out))
    if (j.contains("id") && j["id"].is_string() && j.contains("topic")) ++out[j["id"].get<std::string>()];
  return out;
}

}  // namespace

TEST_CASE("after a broker restore, each agency re-sends what it sent in the lost range, under the same ids",
          "[integration][backup][service]") {
  Deployment d;
  d.set_broker_option("log", "checkpoint_seconds", "1");
  for (const char* name : {"ngo.refuge", "police.golfe"}) {
    d.set_agent_option(name, "service", "reconnect_min_ms", "100");
    d.set_agent_option(name, "service", "reconnect_max_ms", "500");
  }
  d.start_broker();
  ChildProcess ngo, police;
  d.start_service(ngo, "ngo.refuge", d.dir() + "/ngo.log");
  d.start_service(police, "police.golfe", d.dir() + "/police.log");

  std::vector<std::string> kept, lost;  // sent before the backup; after it
  auto send_round = [&](std::vector<std::string>& into, const std::string& tag) {
    for (int i = 0; i < 3; ++i) {
      into.push_back(send_one(d, "ngo.refuge", "referral.social.golfe", "referral", referral_text()));
      into.push_back(send_one(d, "police.golfe", kAlertTopic, "alert", alert_with(tag + std::to_string(i))));
    }
  };
  send_round(kept, "kept ");
  REQUIRE(eventually(30000, 100, [&] { return all_logged(d, "ngo.refuge", 3) && all_logged(d, "police.golfe", 3); }));

  const std::string data = d.dir() + "/data", backup = d.dir() + "/backup";
  ProcResult b = d.admin({"backup", "--data", data, "--out", backup});
  INFO(b.out << b.err);
  REQUIRE(b.exit_code == 0);

  send_round(lost, "lost ");
  REQUIRE(eventually(30000, 100, [&] { return all_logged(d, "ngo.refuge", 6) && all_logged(d, "police.golfe", 6); }));
  for (const auto& id : lost) CHECK(logged_ids(d, data).count(id) == 1);

  // police.golfe is off during the restore; ngo.refuge's service stays up.
  REQUIRE(police.stop(10000) == 0);
  REQUIRE(d.stop_broker() == 0);
  fs::rename(data, d.dir() + "/data.before-restore");
  ProcResult r = d.admin({"restore", "--from", backup, "--data", data});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  {
    const auto restored = logged_ids(d, data);
    for (const auto& id : kept) CHECK(restored.count(id) == 1);
    for (const auto& id : lost) CHECK(restored.count(id) == 0);  // really lost
  }
  d.start_broker();

  // The running service reconnects, hears the NOTICE and sends its three again.
  const bool ngo_back = eventually(30000, 100, [&] {
    return ngo.log().find("3 sent message(s) queued again under their ids") != std::string::npos &&
           all_logged(d, "ngo.refuge", 6);
  });
  INFO(ngo.log());
  REQUIRE(ngo_back);
  // The one that was off hears it at its next start.
  d.start_service(police, "police.golfe", d.dir() + "/police.log");
  const bool police_back = eventually(30000, 100, [&] {
    return police.log().find("3 sent message(s) queued again under their ids") != std::string::npos &&
           all_logged(d, "police.golfe", 6);
  });
  INFO(police.log());
  REQUIRE(police_back);

  // Every id is in the restored log once: the kept ones from before, the lost
  // ones sent again; nothing twice, even though the NOTICE repeats at every WELCOME.
  REQUIRE(ngo.stop(10000) == 0);
  REQUIRE(police.stop(10000) == 0);
  REQUIRE(d.stop_broker() == 0);
  const auto final_log = logged_ids(d, data);
  for (const auto& id : kept) CHECK(final_log.count(id) == 1);
  for (const auto& id : lost) {
    INFO(id);
    REQUIRE(final_log.count(id) == 1);
    CHECK(final_log.at(id) == 1);
  }
}
