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
