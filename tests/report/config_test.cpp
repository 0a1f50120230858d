// config/ptba.toml (report/ptba_config.h) and the report's request.
#include <catch2/catch.hpp>

#include "report/ptba_config.h"
#include "report/report.h"
#include "util/files.h"

using namespace relais;
using namespace relais::report;

TEST_CASE("The shipped ptba.toml is built in and reads", "[report][config]") {
  const auto file = read_text_file(std::string(RELAIS_SOURCE_DIR) + "/config/ptba.toml");
  REQUIRE(file.ok());
  CHECK(builtin_ptba_toml() == *file);
  auto c = parse_ptba_config(builtin_ptba_toml(), "ptba.toml");
  INFO(c.status().message());
  REQUIRE(c.ok());
  CHECK(c->period == "month");
  CHECK(c->due_days == 10);
  CHECK(c->min_cell == 5);
  CHECK(c->public_min_cell == 11);
  CHECK(c->targets.at(2026).at("justice.convictions") == 30);
  CHECK(c->targets.at(2026).size() == 17);
}

TEST_CASE("A bad ptba.toml is refused with every problem and its line", "[report][config]") {
  auto c = parse_ptba_config(R"([reporting]
period = "week"
min_cell = 0
colour = "blue"

[targets.2026]
"justice.convictions" = 30
"justice.arrests" = 4

[targets.next]
"referrals.made" = 1
)",
                             "ptba.toml");
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().code() == Code::kConfig);
  const std::string m = c.status().message();
  CHECK_THAT(m, Catch::Contains("ptba.toml:2:") && Catch::Contains("\"month\" or \"quarter\""));
  CHECK_THAT(m, Catch::Contains("ptba.toml:3:") && Catch::Contains("min_cell"));
  CHECK_THAT(m, Catch::Contains("ptba.toml:4:") && Catch::Contains("unknown key reporting.colour"));
  CHECK_THAT(m, Catch::Contains("ptba.toml:8:") && Catch::Contains("\"justice.arrests\" is not an indicator"));
  CHECK_THAT(m, Catch::Contains("must be a year"));
  CHECK(load_ptba_config("/nonexistent/ptba.toml").status().code() == Code::kConfig);
}

TEST_CASE("A report's span must be real dates in order", "[report][config]") {
  ReportRequest q;
  q.from = "2026-03-31";
  q.to = "2026-01-01";
  Status s = check_request(q);
  CHECK(s.code() == Code::kUsage);
  CHECK_THAT(s.message(), Catch::Contains("before it starts") && Catch::Contains("swap --from and --to"));
  q.from = "2026-02-30";
  q.to = "2026-03-31";
  CHECK_THAT(check_request(q).message(), Catch::Contains("--from '2026-02-30' is not a date"));
  q.from = "2026-01-01";
  CHECK(check_request(q).ok());
  q.lang = "de";
  CHECK(check_request(q).code() == Code::kUsage);
}
