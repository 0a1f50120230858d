// The broker's /metrics and /healthz (core/http, core/broker/metrics.h): a
// real broker with [metrics] listen on an ephemeral 127.0.0.1 port, real
// publishes, fetched with a real HTTP client; the page passes `promtool
// check metrics` and the sample alerting rules of docs/operations.md pass
// `promtool check rules` (promtool from tests/metrics/get-promtool.sh).
#include <catch2/catch.hpp>

#include <filesystem>
#include <httplib.h>
#include <regex>
#include <unistd.h>

#include "deployment.h"

using namespace relais::test;

namespace {


int metrics_port(Deployment& d) {
  std::smatch m;
  const std::string log = d.broker_log();
  REQUIRE(std::regex_search(log, m, std::regex("metrics on http://127\\.0\\.0\\.1:([0-9]+)/metrics")));
  return std::stoi(m[1]);
}

// The value of a sample line "name value" (or "name{labels} value"); -1: none.
double sample(const std::string& page, const std::string& name) {
  for (const auto& line : lines_of(page))
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  return -1;
}

// promtool, where tests/metrics/get-promtool.sh puts it (or $PATH); "" if none.
std::string promtool() {
  for (const std::string& p : {std::string("/var/cache/relais-promtool/usr/bin/promtool"),
                              std::string("/usr/bin/promtool")})
    if (::access(p.c_str(), X_OK) == 0) return p;
  ProcResult r = run_process({source_path("tests/metrics/get-promtool.sh")}, 120000);
  if (r.exit_code == 0 && !r.out.empty()) return lines_of(r.out).front();
  return "";
}

void start_with_metrics(Deployment& d) {
  d.set_broker_option("metrics", "listen", "\"127.0.0.1:0\"");
  d.start_broker();
}

}  // namespace

TEST_CASE("the broker serves /metrics and /healthz, and promtool accepts them", "[integration][metrics]") {
  Deployment d;
  start_with_metrics(d);
  const int port = metrics_port(d);
  for (int i = 0; i < 3; ++i) {
    ProcResult pub = d.agent("police.golfe", {"publish", "--topic", kAlertTopic, "--type", "alert", "--file",
                                              source_path("demo/documents/alert-golfe.json")});
    INFO(pub.err);
    REQUIRE(pub.exit_code == 0);
  }
  httplib::Client cli("127.0.0.1", port);
  cli.set_read_timeout(10, 0);
  std::string page;
  // The page is the latest snapshot; a scrape asks for a fresh one.
  REQUIRE(eventually(10000, 50, [&] {
    auto res = cli.Get("/metrics");
    if (!res || res->status != 200) return false;
    page = res->body;
    return sample(page, "relais_publishes_accepted_total") == 3;
  }));
  INFO(page);
  CHECK(sample(page, "relais_up") == 1);
  CHECK(sample(page, "relais_bundle_serial") == 1);
  CHECK(sample(page, "relais_log_segments") >= 1);
  CHECK(sample(page, "relais_log_bytes") > 0);
  CHECK(sample(page, "relais_data_free_bytes") > 0);
  CHECK(sample(page, "relais_log_sync_seconds_count") >= 3);
  CHECK(sample(page, "relais_deliveries_total") == 0);  // nobody subscribed
  CHECK(sample(page, "relais_refusals_total{code=\"forbidden\"}") == 0);
  CHECK(sample(page, "relais_dead_letters_total") == 0);
  // Every participant's mailbox is listed from the first bundle on, waiting
  // for an agency that has not connected yet.
  const std::string mailbox = "{owner=\"social.golfe\",name=\"@mailbox\"}";
  CHECK(sample(page, "relais_durable_attached" + mailbox) == 0);
  CHECK(sample(page, "relais_durable_backlog_records" + mailbox) >= 1);
  CHECK(sample(page, "relais_durable_unacked" + mailbox) == 0);
  CHECK(sample(page, "relais_durable_oldest_unacked_seconds" + mailbox) == 0);
  CHECK(page.find("# TYPE relais_log_sync_seconds histogram") != std::string::npos);
  CHECK(page.find("relais_log_sync_seconds_bucket{le=\"+Inf\"}") != std::string::npos);
  // Each accepted publish is timed through its stages inside the broker.
  CHECK(sample(page, "relais_publish_verify_seconds_count") == 3);
  CHECK(sample(page, "relais_publish_log_seconds_count") == 3);
  CHECK(sample(page, "relais_publish_seconds_count") == 3);
  CHECK(sample(page, "relais_publish_seconds_sum") >= sample(page, "relais_publish_log_seconds_sum"));
  CHECK(page.find("# TYPE relais_publish_seconds histogram") != std::string::npos);

  auto health = cli.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(health->body == "ok\n");

  const std::string tool = promtool();
  if (tool.empty()) {
    WARN("promtool could not be obtained (tests/metrics/get-promtool.sh failed): promtool checks skipped");
  } else {
    TempDir tmp;
    write_all(tmp.path() + "/metrics.txt", page);
    // promtool check metrics reads the page on standard input.
    ProcResult r = run_process({tool, "check", "metrics"}, 60000, page);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    // The sample rules of docs/operations.md, Monitoring.
    const std::string doc = read_all(source_path("docs/operations.md"));
    const size_t at = doc.find("```yaml\ngroups:");
    REQUIRE(at != std::string::npos);
    const size_t from = at + 8;
    const size_t to = doc.find("```", from);
    write_all(tmp.path() + "/rules.yml", doc.substr(from, to - from));
    ProcResult rules = run_process({tool, "check", "rules", tmp.path() + "/rules.yml"}, 60000);
    INFO(rules.out << rules.err);
    CHECK(rules.exit_code == 0);
  }
  CHECK(d.stop_broker() == 0);
}

TEST_CASE("the metrics server refuses a foreign Host and an oversized body", "[integration][metrics]") {
  Deployment d;
  start_with_metrics(d);
  const int port = metrics_port(d);
  httplib::Client cli("127.0.0.1", port);
  cli.set_read_timeout(10, 0);

  auto foreign = cli.Get("/metrics", httplib::Headers{{"Host", "attacker.example:" + std::to_string(port)}});
  REQUIRE(foreign);
  CHECK(foreign->status == 421);
  auto other_port = cli.Get("/metrics", httplib::Headers{{"Host", "localhost:1"}});
  REQUIRE(other_port);
  CHECK(other_port->status == 421);
  auto local = cli.Get("/metrics", httplib::Headers{{"Host", "localhost:" + std::to_string(port)}});
  REQUIRE(local);
  CHECK(local->status == 200);

  auto big = cli.Post("/metrics", std::string(8192, 'x'), "text/plain");
  REQUIRE(big);
  CHECK(big->status == 413);
  auto missing = cli.Get("/nothing");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(d.stop_broker() == 0);
}

TEST_CASE("the agent service serves /metrics and /healthz, and promtool accepts them", "[integration][metrics]") {
  Deployment d;
  d.start_broker();
  d.set_agent_option("social.golfe", "metrics", "listen", "\"127.0.0.1:0\"");
  TempDir tmp;
  const std::string log_path = tmp.path() + "/service.log";
  ChildProcess service;
  d.start_service(service, "social.golfe", log_path);
  std::smatch m;
  std::string log;
  REQUIRE(eventually(10000, 20, [&] {
    log = read_all(log_path);
    return std::regex_search(log, m, std::regex("metrics on http://127\\.0\\.0\\.1:([0-9]+)/metrics"));
  }));
  httplib::Client cli("127.0.0.1", std::stoi(m[1]));
  cli.set_read_timeout(10, 0);
  auto scrape = [&] {
    auto res = cli.Get("/metrics");
    return res && res->status == 200 ? res->body : std::string();
  };

  // A referral reaches the service, which stores it and answers "received".
  ProcResult pub = d.agent("ngo.refuge", {"publish", "--topic", "referral.social.golfe", "--type", "referral",
                                          "--file", source_path("demo/documents/referral-ngo-to-social.json")});
  INFO(pub.err);
  REQUIRE(pub.exit_code == 0);
  std::string page;
  REQUIRE(eventually(20000, 50, [&] {
    page = scrape();
    return sample(page, "relais_agent_inbox_messages{status=\"all\"}") == 1 &&
           sample(page, "relais_agent_outbox_entries{status=\"logged\"}") == 1;
  }));
  INFO(page);
  CHECK(sample(page, "relais_agent_up") == 1);
  CHECK(sample(page, "relais_agent_broker_connected") == 1);
  CHECK(sample(page, "relais_agent_broker_last_contact_seconds") >= 0);
  CHECK(sample(page, "relais_agent_bundle_serial") == 1);
  CHECK(sample(page, "relais_agent_inbox_messages{status=\"new\"}") == 1);
  CHECK(sample(page, "relais_agent_outbox_entries{status=\"queued\"}") == 0);
  CHECK(sample(page, "relais_agent_store_bytes") > 0);
  CHECK(page.find("referral.") == std::string::npos);  // no topic, no name of a message
  auto health = cli.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);

  const std::string tool = promtool();
  if (tool.empty()) {
    WARN("promtool could not be obtained (tests/metrics/get-promtool.sh failed): promtool checks skipped");
  } else {
    ProcResult r = run_process({tool, "check", "metrics"}, 60000, page);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
  }

  // The broker goes away: the service says so, and what is sent waits, with its age.
  CHECK(d.stop_broker() == 0);
  ProcResult sent = d.agent("social.golfe", {"send", "--topic", "response.ngo.refuge", "--type", "referral-response",
                                             "--file", source_path("demo/documents/response-accepted.json")});
  INFO(sent.err);
  REQUIRE(sent.exit_code == 0);
  REQUIRE(eventually(20000, 50, [&] {
    page = scrape();
    return sample(page, "relais_agent_broker_connected") == 0 &&
           sample(page, "relais_agent_outbox_entries{status=\"queued\"}") == 1;
  }));
  CHECK(sample(page, "relais_agent_outbox_oldest_queued_seconds") >= 0);
}

TEST_CASE("the agent service anchors its receipts in the broker's signed checkpoints", "[integration][anchor]") {
  Deployment d;
  d.set_broker_option("log", "checkpoint_every", "2");  // a checkpoint soon after each message
  d.start_broker();
  TempDir tmp;
  ChildProcess service;
  d.start_service(service, "social.golfe", tmp.path() + "/service.log");
  ProcResult sent = d.agent("social.golfe", {"send", "--topic", "response.ngo.refuge", "--type", "referral-response",
                                             "--file", source_path("demo/documents/response-accepted.json")});
  INFO(sent.err);
  REQUIRE(sent.exit_code == 0);
  // The service logs it, then keeps the checkpoint and proof covering its
  // receipt: the export needs no broker (--no-fetch).
  const std::string heads = tmp.path() + "/heads";
  ProcResult exported;
  REQUIRE(eventually(30000, 200, [&] {
    std::filesystem::remove(heads);
    exported = d.agent("social.golfe", {"receipts", "--export", heads, "--no-fetch"});
    return exported.exit_code == 0 && exported.out.find("exported 1 ") != std::string::npos;
  }));
  CHECK(read_all(heads).find("relais-witness/1") != std::string::npos);
}
