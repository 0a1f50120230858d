// report_file and dashboard_main (report/report_file.h): from a real store
// to a file, as the command and the desk use them.
#include <catch2/catch.hpp>

#include <fstream>

#include "report/report_file.h"
#include "report/report_test_util.h"

using namespace relais;
using namespace relais::test;

namespace {

report::ReportRequest q1(const std::string& lang = "fr") {
  report::ReportRequest q;
  q.from = "2026-01-01";
  q.to = "2026-03-31";
  q.lang = lang;
  q.now_ms = noon_ms("2026-06-01");
  return q;
}

}  // namespace

TEST_CASE("A report file in each format, named in its language", "[report][file]") {
  StoredFixture f;
  const auto config = fixture_config();
  auto html = report::report_file(*f.store, togo(), config, q1(), "html");
  REQUIRE(html.ok());
  CHECK(html->content_type == "text/html; charset=utf-8");
  CHECK(html->file_name == "indicateurs-2026-01-01-2026-03-31.html");
  CHECK(html->counted == 47);
  CHECK(html->excluded == 11);
  auto csv = report::report_file(*f.store, togo(), config, q1("en"), "csv");
  REQUIRE(csv.ok());
  CHECK(csv->file_name == "indicators-2026-01-01-2026-03-31.csv");
  CHECK(csv->body.rfind("\xEF\xBB\xBFtable,group,", 0) == 0);
  auto json = report::report_file(*f.store, togo(), config, q1(), "json");
  REQUIRE(json.ok());
  CHECK(nlohmann::json::parse(json->body)["counted_reports"] == 47);
  CHECK(report::report_file(*f.store, togo(), config, q1(), "pdf").status().code() == Code::kUsage);
  auto bad = q1();
  bad.to = "2025-12-31";
  CHECK(report::report_file(*f.store, togo(), config, bad, "html").status().code() == Code::kUsage);
  auto main = report::dashboard_main(*f.store, togo(), config, q1(), {"", "/r.csv", "/r.json"});
  REQUIRE(main.ok());
  CHECK(main->rfind("<div class=\"report\">", 0) == 0);
  CHECK(main->find("href=\"/r.csv\"") != std::string::npos);
}

TEST_CASE("The settings come from --ptba, else beside the configuration, else built in", "[report][file]") {
  TempDir dir("relais-ptba");
  auto builtin = report::ptba_config_for(dir.path + "/commission.toml", "");
  REQUIRE(builtin.ok());
  CHECK(builtin->targets.count(2026) == 1);
  std::ofstream(dir.path + "/ptba.toml") << "[reporting]\nmin_cell = 7\n";
  auto beside = report::ptba_config_for(dir.path + "/commission.toml", "");
  REQUIRE(beside.ok());
  CHECK(beside->min_cell == 7);
  CHECK(beside->targets.empty());
  std::ofstream(dir.path + "/other.toml") << "[reporting]\nmin_cell = 9\n";
  CHECK(report::ptba_config_for(dir.path + "/commission.toml", dir.path + "/other.toml")->min_cell == 9);
}
