#include "report/report_json.h"

namespace relais::report {
namespace {

using Json = nlohmann::ordered_json;

Json cell_json(const Cell& c) {
  switch (c.shown) {
    case Shown::kNoReport: return Json{{"no_report", true}};
    case Shown::kExact: return Json{{"value", c.figure.known}};
    case Shown::kLowerBound: return Json{{"value", c.figure.known}, {"lower_bound", true}};
    case Shown::kSuppressed: return Json{{"suppressed", true}};
  }
  return Json{{"suppressed", true}};
}

}  // namespace

nlohmann::ordered_json report_json(const Report& r) {
  Json j;
  j["format"] = "relais-indicators/1";
  j["from"] = r.request.from;
  j["to"] = r.request.to;
  j["by"] = dimension_name(r.request.by);
  j["lang"] = r.request.lang;
  j["public"] = r.request.is_public;
  j["min_cell"] = r.min_cell;
  j["counted_reports"] = r.selection.counted.size();
  j["tables"] = Json::array();
  for (const Table& tb : r.main.tables) {
    Json t;
    t["id"] = tb.id;
    t["rows"] = tb.rows;
    t["columns"] = tb.columns;
    t["row_totals"] = tb.row_totals;
    t["total_row"] = tb.total_row;
    t["cells"] = Json::array();
    for (size_t row = 0; row < tb.row_count(); ++row) {
      Json line = Json::array();
      for (size_t col = 0; col < tb.column_count(); ++col) line.push_back(cell_json(tb.at(row, col)));
      t["cells"].push_back(std::move(line));
    }
    j["tables"].push_back(std::move(t));
  }
  j["target_years"] = r.target_years;
  j["targets"] = Json::array();
  for (const TargetLine& l : r.targets)
    j["targets"].push_back(Json{{"indicator", l.indicator},
                                {"target", l.target ? Json(*l.target) : Json(nullptr)},
                                {"achieved", cell_json(l.achieved)},
                                {"progress_pct", l.progress_pct ? Json(*l.progress_pct) : Json(nullptr)},
                                {"progress_lower_bound", l.progress_lower_bound}});
  Json cov;
  cov["periods"] = Json::array();
  for (const auto& p : r.coverage.periods)
    cov["periods"].push_back(Json{{"id", p.id}, {"start", p.start}, {"end", p.end}, {"due", p.due}});
  cov["prefectures"] = Json::array();
  for (const auto& row : r.coverage.rows) {
    Json st = Json::array();
    for (Reported x : row.status) st.push_back(reported_name(x));
    cov["prefectures"].push_back(
        Json{{"region", row.region}, {"prefecture", row.prefecture}, {"name", row.name}, {"status", std::move(st)}});
  }
  cov["reported"] = r.coverage.reported;
  j["coverage"] = std::move(cov);
  j["excluded"] = Json::array();
  for (const ExcludedReport& e : r.selection.excluded)
    j["excluded"].push_back(Json{{"message_id", e.report.message_id},
                                 {"report_id", e.report.report_id.empty() ? Json(nullptr) : Json(e.report.report_id)},
                                 {"prefecture", e.report.prefecture},
                                 {"period_start", e.report.period_start},
                                 {"period_end", e.report.period_end},
                                 {"sender", e.report.sender},
                                 {"reason", e.reason},
                                 {"by", e.by.empty() ? Json(nullptr) : Json(e.by)}});
  return j;
}

}  // namespace relais::report
