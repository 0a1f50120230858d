// The 60-report fixture (fixture.h) aggregated from a real store, checked
// against figures worked out by hand here.
//
// Counted: 47 reports. Savanes 6 (version 1: Tone's January resubmission,
// February, March; Oti's three), Kara 9 (Kozah's March counted in Kara
// although it claims Maritime), Centrale 8 (Blitta sent no March), Plateaux
// 12 (Ogou's January version 2, not its earlier version 1; Kloto's monthly
// reports, not its quarter; Haho's March once; Agou's February third
// version), Maritime 12 (Golfe's January resubmission and February
// correction; Lacs' January correction although sent before the report it
// corrects). Version 2 reports: Kara 9, Centrale 8, Plateaux 12, Maritime 12.
#include <catch2/catch.hpp>

#include "report/report_test_util.h"

using namespace relais;
using namespace relais::test;
using report::Dimension;

TEST_CASE("The fixture holds 60 reports and 47 of them count", "[report][aggregation]") {
  StoredFixture f;
  REQUIRE(f.reports.size() == 60);
  const auto r = build(f.reports, Dimension::kRegion, false);
  CHECK(r.selection.counted.size() == 47);
  CHECK(r.min_cell == 5);

  // Excluded and listed (11); Zio's April and December are outside the span, not listed.
  std::map<std::string, std::string> why;  // name/prefecture -> reason
  for (const auto& e : r.selection.excluded) why[e.report.name() + "@" + e.report.period_start] = e.reason + ":" + e.by;
  CHECK(r.selection.excluded.size() == 11);
  CHECK(why["golfe-2026-01@2026-01-01"] == "replaced:golfe-2026-01-b");
  CHECK(why["golfe-2026-02@2026-02-01"] == "superseded:golfe-2026-02-r2");
  CHECK(why["lacs-2026-01@2026-01-01"] == "superseded:lacs-2026-01-r2");
  CHECK(why["agou-2026-02@2026-02-01"] == "superseded:agou-2026-02-r2");
  CHECK(why["agou-2026-02-r2@2026-02-01"] == "superseded:agou-2026-02-r3");
  CHECK(why["haho-2026-03@2026-03-01"] == "replaced:haho-2026-03");
  CHECK(why["ave-x@2025-12-15"] == "crosses_span:");
  CHECK(why["kloto-2026-q1@2026-01-01"] == "overlaps:kloto-2026-01");
  CHECK(why["atlantis-1@2026-01-01"] == "unknown_prefecture:");
  int replaced_v1 = 0;  // Tone's first January, Ogou's version 1 January
  for (const auto& e : r.selection.excluded)
    if (e.report.version() == 1 && e.reason == "replaced") ++replaced_v1;
  CHECK(replaced_v1 == 2);
  for (const auto& c : r.selection.counted) CHECK(c.name() != "zio-2026-04");

  REQUIRE(r.selection.corrected.size() == 1);
  CHECK(r.selection.corrected[0].prefecture == "kozah");
  CHECK(r.selection.corrected[0].claimed_region == "maritime");
  CHECK(r.selection.corrected[0].region == "kara");
}

TEST_CASE("Victims by exploitation type and region add up to the hand-computed totals", "[report][aggregation]") {
  StoredFixture f;
  const auto r = build(f.reports, Dimension::kRegion, false);
  const auto& v = r.main.table("victims_by_exploitation");
  // child_labour: 10 per report, Golfe's January resubmission 20.
  CHECK(shown(v, "savanes", "child_labour") == "60");   // 6 x 10
  CHECK(shown(v, "kara", "child_labour") == "90");      // 9 x 10, Kozah's March included
  CHECK(shown(v, "centrale", "child_labour") == "80");  // 8 x 10
  CHECK(shown(v, "plateaux", "child_labour") == "120");
  CHECK(shown(v, "maritime", "child_labour") == "130");  // 11 x 10 + 20
  CHECK(shown(v, "total", "child_labour") == "480");
  // forced_labour: 5 per report, Bassar's February suppressed.
  CHECK(shown(v, "savanes", "forced_labour") == "30");
  CHECK(shown(v, "kara", "forced_labour") == ">=40");  // 8 x 5 known, one suppressed
  CHECK(shown(v, "centrale", "forced_labour") == "40");
  CHECK(shown(v, "plateaux", "forced_labour") == "60");
  CHECK(shown(v, "maritime", "forced_labour") == "60");
  CHECK(shown(v, "total", "forced_labour") == ">=230");
  CHECK(shown(v, "kara", "total") == ">=130");
  CHECK(shown(v, "maritime", "total") == "190");
  CHECK(shown(v, "total", "total") == ">=710");
  CHECK(shown(v, "savanes", "servitude") == "0");  // reported, none
}

TEST_CASE("Alerts by kind: resubmissions once, suppressed cells as lower bounds or suppressed", "[report][aggregation]") {
  StoredFixture f;
  const auto r = build(f.reports, Dimension::kRegion, false);
  const auto& a = r.main.table("alerts_by_kind");
  CHECK(shown(a, "savanes", "suspected_trafficking") == "42");  // 5 x 6 + Tone's resubmitted 12
  CHECK(shown(a, "kara", "suspected_trafficking") == "54");
  CHECK(shown(a, "centrale", "suspected_trafficking") == "48");
  CHECK(shown(a, "plateaux", "suspected_trafficking") == "72");
  CHECK(shown(a, "maritime", "suspected_trafficking") == "72");
  CHECK(shown(a, "total", "suspected_trafficking") == "288");
  // Bassar's suppressed missing_child: its known part is 0, so suppressed, never "0".
  CHECK(shown(a, "kara", "missing_child") == "suppressed");
  CHECK(shown(a, "total", "missing_child") == "suppressed");
  CHECK(shown(a, "kara", "total") == ">=54");
  CHECK(shown(a, "maritime", "border_interception") == "5");
  CHECK(shown(a, "maritime", "total") == "77");
  CHECK(shown(a, "total", "total") == ">=293");
}

TEST_CASE("The PTBA indicators per region, version 1 reports counted where their fields exist", "[report][aggregation]") {
  StoredFixture f;
  const auto r = build(f.reports, Dimension::kRegion, false);
  const auto& i = r.main.table("indicators");
  // Savanes sent only version 1 reports: no investigations to show, but referrals.
  CHECK(shown(i, "savanes", "justice.investigations_opened") == "none");
  CHECK(shown(i, "savanes", "referrals.made") == "30");
  CHECK(shown(i, "kara", "justice.investigations_opened") == "45");
  CHECK(shown(i, "centrale", "justice.investigations_opened") == "40");
  CHECK(shown(i, "plateaux", "justice.investigations_opened") == "60");
  CHECK(shown(i, "maritime", "justice.investigations_opened") == "64");  // Golfe's correction: 9
  CHECK(shown(i, "total", "justice.investigations_opened") == "209");
  CHECK(shown(i, "plateaux", "justice.prosecutions") == "7");
  CHECK(shown(i, "total", "justice.prosecutions") == "7");
  CHECK(shown(i, "plateaux", "justice.convictions") == "suppressed");
  CHECK(shown(i, "total", "justice.convictions") == "suppressed");
  CHECK(shown(i, "kara", "victims_identified.total") == "135");
  CHECK(shown(i, "maritime", "victims_identified.total") == "190");  // Golfe's resubmission: 25
  CHECK(shown(i, "total", "victims_identified.total") == "625");
  CHECK(shown(i, "maritime", "victims_assisted.shelter") == "63");  // Lacs' correction: 8
  CHECK(shown(i, "total", "victims_assisted.shelter") == "208");
  CHECK(shown(i, "total", "victims_assisted.medical") == "410");
  CHECK(shown(i, "kara", "victims_assisted.legal") == "suppressed");
  CHECK(shown(i, "centrale", "victims_assisted.legal") == "0");
  CHECK(shown(i, "plateaux", "awareness.people_reached") == "1400");  // Agou's third version: 300
  CHECK(shown(i, "total", "awareness.people_reached") == "4300");
  CHECK(shown(i, "total", "awareness.sessions") == "205");
  CHECK(shown(i, "total", "referrals.made") == "235");
  CHECK(shown(i, "total", "referrals.accepted") == "235");
  CHECK(shown(i, "total", "referrals.done") == "0");
  CHECK(shown(i, "total", "trainings.people_trained") == "0");

  const auto& rep = r.main.table("repatriations");
  REQUIRE(rep.rows == std::vector<std::string>{"BJ", "GH"});
  CHECK(shown(rep, "BJ", "inbound") == "205");  // 41 x 5
  CHECK(shown(rep, "BJ", "outbound") == "none");
  CHECK(shown(rep, "GH", "outbound") == "suppressed");
  CHECK(shown(rep, "total", "inbound") == "205");
  CHECK(shown(rep, "total", "total") == ">=205");
}

TEST_CASE("Each indicator against its target", "[report][aggregation]") {
  StoredFixture f;
  const auto r = build(f.reports, Dimension::kRegion, false);
  CHECK(r.target_years == std::vector<int>{2026});
  std::map<std::string, const report::TargetLine*> t;
  for (const auto& l : r.targets) t[l.indicator] = &l;
  REQUIRE(t.size() == 19);
  CHECK(*t["justice.investigations_opened"]->target == 200);
  CHECK(*t["justice.investigations_opened"]->progress_pct == Approx(104.5));  // 209 / 200
  CHECK(*t["victims_identified.total"]->progress_pct == Approx(62.5));        // 625 / 1000
  CHECK(*t["repatriations.inbound"]->progress_pct == Approx(50.0));           // 205 / 410
  CHECK(*t["justice.convictions"]->target == 30);
  CHECK_FALSE(t["justice.convictions"]->progress_pct.has_value());  // suppressed: no rate
  CHECK_FALSE(t["referrals.made"]->target.has_value());
}

TEST_CASE("Coverage: who reported each month, late or not at all", "[report][coverage]") {
  StoredFixture f;
  const auto r = build(f.reports, Dimension::kRegion, false);
  const auto& cov = r.coverage;
  REQUIRE(cov.periods.size() == 3);
  CHECK(cov.periods[0].id == "2026-01");
  CHECK(cov.periods[0].due == "2026-02-10");
  REQUIRE(cov.rows.size() == 39);  // every prefecture of the table
  CHECK(cov.reported == std::vector<int>{16, 16, 15});
  auto status = [&](const std::string& p) {
    std::string s;
    for (const auto& row : cov.rows)
      if (row.prefecture == p)
        for (auto x : row.status) s += std::string(report::reported_name(x)) + " ";
    return s;
  };
  CHECK(status("blitta") == "late on_time missing ");
  CHECK(status("golfe") == "on_time on_time on_time ");  // its first January report was on time
  CHECK(status("lacs") == "on_time on_time on_time ");
  CHECK(status("tone") == "on_time on_time on_time ");
  CHECK(status("vo") == "missing missing missing ");
  CHECK(status("kozah") == "on_time on_time on_time ");
}

TEST_CASE("Public figures: no count from 1 to 10, with complementary suppression", "[report][suppression]") {
  StoredFixture f;
  const auto r = build(f.reports, Dimension::kRegion, true);
  CHECK(r.min_cell == 11);
  const auto& a = r.main.table("alerts_by_kind");
  // Maritime's 5 border interceptions are hidden; so is another cell of its
  // row (the smallest non-zero: suspected_trafficking 72), else 77 - 72 gives it.
  CHECK(shown(a, "maritime", "border_interception") == "suppressed");
  CHECK(shown(a, "maritime", "suspected_trafficking") == "suppressed");
  CHECK(shown(a, "maritime", "total") == "77");
  // The same along the total row.
  CHECK(shown(a, "total", "border_interception") == "suppressed");
  CHECK(shown(a, "total", "suspected_trafficking") == "suppressed");
  CHECK(shown(a, "total", "total") == ">=293");
  CHECK(shown(a, "kara", "suspected_trafficking") == "54");
  const auto& i = r.main.table("indicators");
  CHECK(shown(i, "plateaux", "justice.prosecutions") == "suppressed");
  CHECK(shown(i, "total", "justice.prosecutions") == "suppressed");
  // The monthly figures hide the same total row (one figure, two tables).
  CHECK(shown(r.by_month.table("alerts_by_kind"), "total", "suspected_trafficking") == "suppressed");

  // No table of any grouping shows a count from 1 to 10.
  for (const auto* ds : {&r.main, &r.by_region, &r.by_month})
    for (const auto& t : ds->tables)
      for (const auto& row : t.cells)
        for (const auto& c : row)
          if (auto v = c.value()) CHECK((*v == 0 || *v >= 11));
}

TEST_CASE("By month and by prefecture, the same totals", "[report][aggregation]") {
  StoredFixture f;
  const auto m = build(f.reports, Dimension::kMonth, false);
  const auto& v = m.main.table("victims_by_exploitation");
  REQUIRE(v.rows == std::vector<std::string>{"2026-01", "2026-02", "2026-03"});
  CHECK(shown(v, "2026-01", "total") == "250");   // 16 x 15 + 10
  CHECK(shown(v, "2026-02", "total") == ">=235");  // 16 x 15 - 5 (Bassar's suppressed)
  CHECK(shown(v, "2026-03", "total") == "225");   // 15 x 15
  CHECK(shown(v, "total", "total") == ">=710");
  const auto p = build(f.reports, Dimension::kPrefecture, false);
  const auto& pv = p.main.table("victims_by_exploitation");
  CHECK(pv.rows.size() == 39);
  CHECK(shown(pv, "golfe", "child_labour") == "40");  // 20 + 10 + 10
  CHECK(shown(pv, "kozah", "total") == "45");
  CHECK(shown(pv, "vo", "total") == "none");
  CHECK(shown(pv, "total", "total") == ">=710");
}

TEST_CASE("A report naming itself in supersedes still counts, and a correction of another prefecture replaces nothing",
          "[report][aggregation]") {
  std::vector<report::StoredReport> reports;
  auto add = [&](const std::string& id, const std::string& prefecture, const std::string& supersedes) {
    report::StoredReport r;
    r.message_id = "m-" + id;
    r.report_id = id;
    r.supersedes = supersedes;
    r.prefecture = prefecture;
    r.region = r.claimed_region = prefecture == "golfe" ? "maritime" : "kara";
    r.period_start = "2026-01-01";
    r.period_end = "2026-01-31";
    reports.push_back(r);
  };
  add("golfe-1", "golfe", "golfe-1");
  add("kozah-1", "kozah", "golfe-1");
  const auto s = report::select_reports(reports, togo(), "2026-01-01", "2026-03-31");
  CHECK(s.counted.size() == 2);
  CHECK(s.excluded.empty());
}
