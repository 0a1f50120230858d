// stats_cells_of (store/stats_cells.h): one cell per count of a statistics
// report, "suppressed" kept as no count, no cell at all from a malformed report.
#include <catch2/catch.hpp>

#include "store/stats_cells.h"
#include "util/files.h"

using namespace relais;

namespace {

nlohmann::json report() {
  return nlohmann::json::parse(R"({
    "period": {"start": "2026-01-01", "end": "2026-03-31"},
    "region": "maritime", "prefecture": "golfe",
    "victims": [
      {"age_band": "9-17", "gender": "female", "exploitation_type": "child_labour", "nationality": "TG", "count": 12},
      {"age_band": "18-20", "gender": "male", "exploitation_type": "forced_labour", "nationality": "foreign",
       "count": "suppressed"},
      {"age_band": "0-8", "gender": "female", "exploitation_type": "forced_begging", "nationality": "TG", "count": 0}
    ],
    "referrals": {"made": 9, "accepted": "suppressed", "done": 5},
    "alerts_by_kind": {"missing_child": 7, "border_interception": 0}
  })");
}

const StatsCell* find(const std::vector<StatsCell>& cells, const std::string& table, const std::string& key) {
  for (const auto& c : cells)
    if (c.table == table && c.key == key) return &c;
  return nullptr;
}

}  // namespace

TEST_CASE("a statistics report gives one cell per count", "[store][stats]") {
  auto cells = stats_cells_of("m-1", "committee.golfe", report());
  CHECK(cells.size() == 3 + 3 + 2);
  const StatsCell* v = find(cells, "victims", "9-17|female|child_labour|TG");
  REQUIRE(v != nullptr);
  CHECK(v->count == 12);
  CHECK(v->message_id == "m-1");
  CHECK(v->sender == "committee.golfe");
  CHECK(v->period_start == "2026-01-01");
  CHECK(v->period_end == "2026-03-31");
  CHECK(v->region == "maritime");
  CHECK(v->prefecture == "golfe");
  const StatsCell* s = find(cells, "victims", "18-20|male|forced_labour|foreign");
  REQUIRE(s != nullptr);
  CHECK_FALSE(s->count.has_value());
  CHECK(find(cells, "victims", "0-8|female|forced_begging|TG")->count == 0);
  CHECK(find(cells, "referrals", "made")->count == 9);
  CHECK_FALSE(find(cells, "referrals", "accepted")->count.has_value());
  CHECK(find(cells, "alerts_by_kind", "missing_child")->count == 7);
  CHECK(find(cells, "alerts_by_kind", "other") == nullptr);
}

TEST_CASE("victim rows with the same key add up, and stay suppressed when one is", "[store][stats]") {
  auto r = report();
  r["victims"].push_back(r["victims"][0]);
  r["victims"].push_back(r["victims"][1]);
  r["victims"][4]["count"] = 5;
  auto cells = stats_cells_of("m", "c", r);
  CHECK(cells.size() == 8);
  CHECK(find(cells, "victims", "9-17|female|child_labour|TG")->count == 24);
  CHECK_FALSE(find(cells, "victims", "18-20|male|forced_labour|foreign")->count.has_value());
}

TEST_CASE("a malformed statistics report gives no cell at all", "[store][stats]") {
  struct Case {
    const char* what;
    std::function<void(nlohmann::json&)> damage;
  };
  const std::vector<Case> cases = {
      {"not an object", [](nlohmann::json& r) { r = nlohmann::json::array(); }},
      {"no period", [](nlohmann::json& r) { r.erase("period"); }},
      {"no period end", [](nlohmann::json& r) { r["period"].erase("end"); }},
      {"a numeric region", [](nlohmann::json& r) { r["region"] = 3; }},
      {"victims not a list", [](nlohmann::json& r) { r["victims"] = 3; }},
      {"a victim row without gender", [](nlohmann::json& r) { r["victims"][1].erase("gender"); }},
      {"a negative count", [](nlohmann::json& r) { r["victims"][0]["count"] = -4; }},
      {"a count as text", [](nlohmann::json& r) { r["referrals"]["done"] = "many"; }},
      {"a fractional count", [](nlohmann::json& r) { r["alerts_by_kind"]["missing_child"] = 7.5; }},
      {"no referrals", [](nlohmann::json& r) { r.erase("referrals"); }},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    auto r = report();
    c.damage(r);
    CHECK(stats_cells_of("m", "c", r).empty());
  }
  CHECK(stats_cells_of("m", "c", report()).size() == 8);  // the undamaged one has cells
}

TEST_CASE("a version 2 report adds its identity and every PTBA indicator as cells", "[store][stats]") {
  const auto doc = nlohmann::json::parse(read_text_file(std::string(RELAIS_SOURCE_DIR) +
                                                        "/schemas/examples/statistics-report.v2.valid-correction.json")
                                             .value());
  auto cells = stats_cells_of("m-2", "committee.golfe", doc);
  REQUIRE(find(cells, "report", "report_id=golfe-2026-03-r2") != nullptr);
  CHECK(find(cells, "report", "report_id=golfe-2026-03-r2")->count == 0);
  REQUIRE(find(cells, "report", "supersedes=golfe-2026-03") != nullptr);
  CHECK(find(cells, "victims_identified", "total")->count == 14);
  CHECK(find(cells, "victims_assisted", "psychosocial")->count == 12);
  CHECK_FALSE(find(cells, "victims_assisted", "legal")->count.has_value());
  CHECK(find(cells, "justice", "prosecutions")->count == 5);
  CHECK(find(cells, "repatriations", "inbound|BJ")->count == 6);
  CHECK_FALSE(find(cells, "repatriations", "outbound|GH")->count.has_value());
  CHECK(find(cells, "awareness", "people_reached")->count == 640);
  CHECK_FALSE(find(cells, "trainings", "sessions")->count.has_value());
  CHECK(find(cells, "trainings", "people_trained")->count == 35);
  CHECK(find(cells, "referrals", "made")->count == 15);
  // 1 id + 1 supersedes + 2 victims + 3 referrals + 3 alerts + 1 + 6 + 3 + 2 + 2 + 2
  CHECK(cells.size() == 26);

  auto damaged = doc;
  damaged["justice"].erase("convictions");
  CHECK(stats_cells_of("m", "c", damaged).empty());
  damaged = doc;
  damaged["repatriations"][0]["count"] = "many";
  CHECK(stats_cells_of("m", "c", damaged).empty());
}

TEST_CASE("a version 1 report gives no identity cell", "[store][stats]") {
  for (const auto& c : stats_cells_of("m-1", "committee.golfe", report())) CHECK(c.table != "report");
}
