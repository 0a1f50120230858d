// Small helpers for the indicators tests: a report built from the fixture
// in a real store, and a cell read as text ("45", ">=45", "suppressed",
// "none").
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "report/figures.h"
#include "report/report.h"
#include "report/store_source.h"
#include "report/fixture.h"
#include "store/store_fixture.h"
#include "temp_dir.h"

namespace relais::test {

inline std::string shown(const report::Cell& c) {
  switch (c.shown) {
    case report::Shown::kNoReport: return "none";
    case report::Shown::kExact: return std::to_string(c.figure.known);
    case report::Shown::kLowerBound: return ">=" + std::to_string(c.figure.known);
    case report::Shown::kSuppressed: return "suppressed";
  }
  return "?";
}

// The cell of group `row` ("total": the total row) and item `col` ("total":
// the row's total).
inline std::string shown(const report::Table& t, const std::string& row, const std::string& col) {
  const size_t r = row == "total" ? t.rows.size()
                                  : static_cast<size_t>(std::find(t.rows.begin(), t.rows.end(), row) - t.rows.begin());
  const size_t c = col == "total" ? t.columns.size()
                                  : static_cast<size_t>(std::find(t.columns.begin(), t.columns.end(), col) -
                                                        t.columns.begin());
  REQUIRE(r < t.row_count());
  REQUIRE(c < t.column_count());
  return shown(t.at(r, c));
}

inline const Locations& togo() {
  static const Locations l = *Locations::parse(Locations::builtin_csv(), "built-in");
  return l;
}

// The fixture's config: monthly, due 10 days, min_cell 5 / 11, and targets.
inline report::PtbaConfig fixture_config() {
  auto c = report::parse_ptba_config(R"(
[reporting]
period = "month"
due_days = 10
min_cell = 5
public_min_cell = 11

[targets.2026]
"justice.investigations_opened" = 200
"justice.convictions" = 30
"victims_identified.total" = 1000
"repatriations.inbound" = 410
)",
                                     "fixture");
  REQUIRE(c.ok());
  return *c;
}

// The 60 reports in a fresh store, read back as the report command does.
struct StoredFixture {
  TempDir dir{"relais-report"};
  Identity me = make_identity("commission");
  std::unique_ptr<Store> store;
  std::vector<report::StoredReport> reports;
  StoredFixture() {
    auto s = Store::open(dir.path + "/state", me, {});
    REQUIRE(s.ok());
    store = std::move(*s);
    store_reports(*store, sixty_reports());
    auto r = report::reports_from_store(*store);
    REQUIRE(r.ok());
    reports = std::move(*r);
  }
};

inline report::Report build(const std::vector<report::StoredReport>& reports, report::Dimension by, bool is_public) {
  report::ReportRequest q;
  q.from = "2026-01-01";
  q.to = "2026-03-31";
  q.by = by;
  q.is_public = is_public;
  q.now_ms = noon_ms("2026-06-01");
  auto r = report::build_report(reports, togo(), fixture_config(), q);
  REQUIRE(r.ok());
  return std::move(*r);
}

}  // namespace relais::test
