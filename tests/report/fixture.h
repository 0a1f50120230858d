// The 60-report fixture of the indicators tests: statistics reports of the
// first quarter of 2026, monthly, from 16 prefectures of the five regions,
// stored in a real store (messages and their statistics cells), with
// resubmissions, corrections (supersedes, in and out of order, a chain),
// suppressed cells, version 1 and version 2 reports, a Kozah report claiming
// region maritime, reports outside the span, crossing it or overlapping
// others, an unknown prefecture, a late report and a missing one.
//
// The standard version 2 report (report_v2) counts, per report:
//   victims child_labour 10, forced_labour 5; victims_identified 15;
//   assisted shelter 5, medical 10 (others 0); investigations 5 (prosecutions,
//   convictions 0); repatriations inbound BJ 5; awareness 5 sessions, 100
//   people; trainings 0; referrals made 5, accepted 5, done 0; alerts
//   suspected_trafficking 6, missing_child 0.
// The version 1 report (report_v1, Savanes) has victims, referrals and
// alerts as above. A report for month M is sent on the 5th of M+1 (on time)
// unless stated. See aggregation_test.cpp for the figures worked out by hand.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

#include "crypto/uuid.h"
#include "report/calendar.h"
#include "store/stats_cells.h"
#include "store/store.h"

namespace relais::test {

struct FixtureReport {
  std::string sender;
  nlohmann::json doc;
  std::string sent;  // YYYY-MM-DD (at noon UTC)
};

inline int64_t noon_ms(const std::string& day) { return *report::parse_day(day) * 86400000 + 12 * 3600000; }

inline std::string month_start(int m) { return "2026-0" + std::to_string(m) + "-01"; }
inline std::string month_end(int m) {
  static const char* kEnds[] = {"", "2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"};
  return kEnds[m];
}

inline nlohmann::json report_v1(const std::string& region, const std::string& prefecture, const std::string& start,
                                const std::string& end) {
  return nlohmann::json{
      {"period", {{"start", start}, {"end", end}}},
      {"region", region},
      {"prefecture", prefecture},
      {"victims",
       {{{"age_band", "9-17"}, {"gender", "female"}, {"exploitation_type", "child_labour"}, {"nationality", "TG"}, {"count", 10}},
        {{"age_band", "18-20"}, {"gender", "male"}, {"exploitation_type", "forced_labour"}, {"nationality", "foreign"}, {"count", 5}}}},
      {"referrals", {{"made", 5}, {"accepted", 5}, {"done", 0}}},
      {"alerts_by_kind", {{"suspected_trafficking", 6}}}};
}

inline nlohmann::json report_v2(const std::string& region, const std::string& prefecture, const std::string& start,
                                const std::string& end, const std::string& report_id) {
  nlohmann::json d = report_v1(region, prefecture, start, end);
  d["report_id"] = report_id;
  d["alerts_by_kind"]["missing_child"] = 0;
  d["victims_identified"] = 15;
  d["victims_assisted"] = {{"shelter", 5}, {"medical", 10}, {"psychosocial", 0}, {"legal", 0}, {"family_tracing", 0}, {"reintegration", 0}};
  d["justice"] = {{"investigations_opened", 5}, {"prosecutions", 0}, {"convictions", 0}};
  d["repatriations"] = {{{"direction", "inbound"}, {"country", "BJ"}, {"count", 5}}};
  d["awareness"] = {{"sessions", 5}, {"people_reached", 100}};
  d["trainings"] = {{"sessions", 0}, {"people_trained", 0}};
  return d;
}

inline std::vector<FixtureReport> sixty_reports() {
  std::vector<FixtureReport> out;
  const std::vector<std::pair<std::string, std::vector<std::string>>> v2_regions = {
      {"kara", {"kozah", "bassar", "binah"}},
      {"centrale", {"tchaoudjo", "sotouboua", "blitta"}},
      {"plateaux", {"ogou", "kloto", "haho", "agou"}},
      {"maritime", {"golfe", "lacs", "zio", "ave"}}};
  const std::string sent_for[] = {"", "2026-02-05", "2026-03-05", "2026-04-05"};
  // Savanes: version 1 reports (6).
  for (const std::string p : {"tone", "oti"})
    for (int m = 1; m <= 3; ++m)
      out.push_back({"committee." + p, report_v1("savanes", p, month_start(m), month_end(m)), sent_for[m]});
  // The others: version 2 (41 of the 48 slots... see the variations).
  for (const auto& [region, prefectures] : v2_regions)
    for (const std::string& p : prefectures)
      for (int m = 1; m <= 3; ++m) {
        if (p == "blitta" && m == 3) continue;  // Blitta never sent March
        const std::string id = p + "-2026-0" + std::to_string(m);
        FixtureReport r{"committee." + p, report_v2(region, p, month_start(m), month_end(m), id), sent_for[m]};
        if (p == "bassar" && m == 2) {
          r.doc["victims_assisted"]["legal"] = "suppressed";
          r.doc["alerts_by_kind"]["missing_child"] = "suppressed";
          r.doc["victims"][1]["count"] = "suppressed";
        }
        if (p == "ogou" && m == 1) {
          r.doc["justice"]["convictions"] = "suppressed";
          r.doc["justice"]["prosecutions"] = 7;
        }
        if (p == "kozah" && m == 3) r.doc["region"] = "maritime";  // claims the wrong region
        if (p == "blitta" && m == 1) r.sent = "2026-02-20";       // late
        if (p == "golfe" && m == 3) {
          r.doc["alerts_by_kind"]["border_interception"] = 5;
          r.doc["repatriations"].push_back({{"direction", "outbound"}, {"country", "GH"}, {"count", "suppressed"}});
        }
        if (p == "lacs" && m == 1) r.sent = "2026-02-06";  // after its own correction
        out.push_back(std::move(r));
      }
  // 47 so far. The extras (13):
  {  // 1. Golfe January sent again, later, without supersedes: the latest wins.
    auto d = report_v2("maritime", "golfe", month_start(1), month_end(1), "golfe-2026-01-b");
    d["victims"][0]["count"] = 20;
    d["victims_identified"] = 25;
    out.push_back({"committee.golfe", d, "2026-02-15"});
  }
  {  // 2. Golfe February corrected.
    auto d = report_v2("maritime", "golfe", month_start(2), month_end(2), "golfe-2026-02-r2");
    d["supersedes"] = "golfe-2026-02";
    d["justice"]["investigations_opened"] = 9;
    out.push_back({"committee.golfe", d, "2026-03-07"});
  }
  {  // 3. Lacs January corrected, the correction sent before the report it replaces.
    auto d = report_v2("maritime", "lacs", month_start(1), month_end(1), "lacs-2026-01-r2");
    d["supersedes"] = "lacs-2026-01";
    d["victims_assisted"]["shelter"] = 8;
    out.push_back({"committee.lacs", d, "2026-02-03"});
  }
  // 4. Zio, April: outside the span, not listed.
  out.push_back({"committee.zio", report_v2("maritime", "zio", month_start(4), month_end(4), "zio-2026-04"), "2026-05-05"});
  // 5. Avé, across the start of the span: excluded.
  out.push_back({"committee.ave", report_v2("maritime", "ave", "2025-12-15", "2026-01-14", "ave-x"), "2026-01-20"});
  // 6. Kloto, the whole quarter beside its monthly reports: excluded as overlapping.
  out.push_back({"committee.kloto", report_v2("plateaux", "kloto", "2026-01-01", "2026-03-31", "kloto-2026-q1"), "2026-04-06"});
  // 7. A prefecture that is not in the location table.
  out.push_back({"committee.atlantis", report_v2("maritime", "atlantis", month_start(1), month_end(1), "atlantis-1"), "2026-02-05"});
  {  // 8. Tone January (version 1) sent again, later.
    auto d = report_v1("savanes", "tone", month_start(1), month_end(1));
    d["alerts_by_kind"]["suspected_trafficking"] = 12;
    out.push_back({"committee.tone", d, "2026-02-12"});
  }
  // 9. Haho March sent twice, the same report.
  out.push_back({"committee.haho", report_v2("plateaux", "haho", month_start(3), month_end(3), "haho-2026-03"), "2026-04-08"});
  {  // 10, 11. Agou February corrected twice (a chain).
    auto d2 = report_v2("plateaux", "agou", month_start(2), month_end(2), "agou-2026-02-r2");
    d2["supersedes"] = "agou-2026-02";
    d2["awareness"]["people_reached"] = 200;
    out.push_back({"committee.agou", d2, "2026-03-08"});
    auto d3 = report_v2("plateaux", "agou", month_start(2), month_end(2), "agou-2026-02-r3");
    d3["supersedes"] = "agou-2026-02-r2";
    d3["awareness"]["people_reached"] = 300;
    out.push_back({"committee.agou", d3, "2026-03-09"});
  }
  // 12. Zio, December 2025: outside the span.
  out.push_back({"committee.zio", report_v2("maritime", "zio", "2025-12-01", "2025-12-31", "zio-2025-12"), "2026-01-05"});
  // 13. Ogou January in version 1, sent before its version 2 report.
  out.push_back({"committee.ogou", report_v1("plateaux", "ogou", month_start(1), month_end(1)), "2026-02-01"});
  return out;
}

// Stores every fixture report in `store` as a received message with its
// statistics cells; returns the message ids in fixture order.
inline std::vector<std::string> store_reports(Store& store, const std::vector<FixtureReport>& reports) {
  std::vector<std::string> ids;
  for (const FixtureReport& r : reports) {
    const int64_t ts = noon_ms(r.sent) + static_cast<int64_t>(ids.size());
    StoredMessage m;
    m.id = uuid_to_string(new_uuid_v7(ts));
    m.seq = ids.size() + 1;
    m.subscription = "stats";
    m.sender = r.sender;
    m.topic = "stats." + r.doc["prefecture"].get<std::string>();
    m.type = "statistics-report";
    m.urgency = "routine";
    m.handling = "H2";
    m.ts_ms = ts;
    m.expires_ms = ts + 30LL * 86400000;
    m.received_ms = ts + 1000;
    const nlohmann::json opened = {{"id", m.id}, {"body", r.doc}};
    auto put = store.put_message(m, opened.dump());
    REQUIRE(put.ok());
    const auto cells = stats_cells_of(m.id, m.sender, r.doc);
    REQUIRE_FALSE(cells.empty());
    REQUIRE(store.put_stats_cells(cells).ok());
    ids.push_back(m.id);
  }
  return ids;
}

}  // namespace relais::test
