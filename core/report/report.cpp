#include "report/report.h"

#include <algorithm>

#include "report/calendar.h"
#include "report/indicators.h"

namespace relais::report {

Status check_request(const ReportRequest& r) {
  const auto f = parse_day(r.from), t = parse_day(r.to);
  if (!f) return Status::Usage("report: --from '" + r.from + "' is not a date written as year-month-day, like 2026-01-01");
  if (!t) return Status::Usage("report: --to '" + r.to + "' is not a date written as year-month-day, like 2026-12-31");
  if (*t < *f)
    return Status::Usage("report: the span ends (" + r.to + ") before it starts (" + r.from +
                         "); swap --from and --to");
  if (*t - *f > 366 * 20) return Status::Usage("report: the span is longer than 20 years; choose a shorter one");
  if (r.lang != "fr" && r.lang != "en") return Status::Usage("report: --lang must be fr or en");
  return Status::Ok();
}

namespace {

// Lines making the same figure shown in two tables of the same shape hide
// together: the cells of their total rows.
void link_total_rows(Table& a, Table& b, std::vector<Line>* lines) {
  if (!a.total_row || !b.total_row || a.columns != b.columns) return;
  const size_t ra = a.rows.size(), rb = b.rows.size();
  for (size_t c = 0; c < a.column_count(); ++c) lines->push_back(Line{{&a.at(ra, c)}, &b.at(rb, c), true});
}

// Each region's cells over its prefectures' (--by prefecture).
void link_regions(Table& by_prefecture, Table& by_region, const Locations& locations, std::vector<Line>* lines) {
  for (size_t g = 0; g < by_region.rows.size(); ++g)
    for (size_t c = 0; c < by_region.column_count(); ++c) {
      Line l;
      l.total = &by_region.at(g, c);
      for (size_t p = 0; p < by_prefecture.rows.size(); ++p) {
        const Prefecture* pref = locations.find_prefecture(by_prefecture.rows[p]);
        if (pref != nullptr && pref->region == by_region.rows[g]) l.members.push_back(&by_prefecture.at(p, c));
      }
      lines->push_back(std::move(l));
    }
}

}  // namespace

Result<Report> build_report(std::vector<StoredReport> reports, const Locations& locations, const PtbaConfig& config,
                            const ReportRequest& request) {
  RELAIS_RETURN_IF_ERROR(check_request(request));
  Report rep;
  rep.request = request;
  rep.min_cell = request.is_public ? config.public_min_cell : config.min_cell;
  rep.selection = select_reports(std::move(reports), locations, request.from, request.to);
  const auto& counted = rep.selection.counted;
  rep.main = aggregate(counted, request.by, locations, request.from, request.to);
  // The charts' groupings, kept apart from main only when they differ.
  const bool own_region = request.by != Dimension::kRegion, own_month = request.by != Dimension::kMonth;
  if (own_region) rep.by_region = aggregate(counted, Dimension::kRegion, locations, request.from, request.to);
  if (own_month) rep.by_month = aggregate(counted, Dimension::kMonth, locations, request.from, request.to);

  std::vector<Table*> tables;
  std::vector<Line> lines;
  for (Table& t : rep.main.tables) tables.push_back(&t);
  for (size_t i = 0; i < rep.main.tables.size(); ++i) {
    if (own_region) {
      tables.push_back(&rep.by_region.tables[i]);
      link_total_rows(rep.main.tables[i], rep.by_region.tables[i], &lines);
      if (request.by == Dimension::kPrefecture && rep.main.tables[i].id != "repatriations")
        link_regions(rep.main.tables[i], rep.by_region.tables[i], locations, &lines);
    }
    if (own_month) {
      tables.push_back(&rep.by_month.tables[i]);
      link_total_rows(rep.main.tables[i], rep.by_month.tables[i], &lines);
    }
  }
  rep.hidden_complementary = protect_lines(tables, std::move(lines), rep.min_cell);
  if (!own_region) rep.by_region = rep.main;
  if (!own_month) rep.by_month = rep.main;

  rep.coverage = coverage_of(rep.selection, locations, request.from, request.to, config, request.now_ms);

  // Targets: the years the span touches, added up.
  const int y0 = year_month(*parse_day(request.from)).year, y1 = year_month(*parse_day(request.to)).year;
  for (int y = y0; y <= y1; ++y) rep.target_years.push_back(y);
  const Table& ind = rep.main.table("indicators");
  const Table& repat = rep.main.table("repatriations");
  for (std::string_view id_view : kTargetIndicators) {
    const std::string id(id_view);
    TargetLine line;
    line.indicator = id;
    for (int y : rep.target_years)
      if (auto yt = config.targets.find(y); yt != config.targets.end())
        if (auto it = yt->second.find(id); it != yt->second.end()) line.target = line.target.value_or(0) + it->second;
    if (id.rfind("repatriations.", 0) == 0) {
      const auto col = std::find(repat.columns.begin(), repat.columns.end(), id.substr(14)) - repat.columns.begin();
      line.achieved = repat.at(repat.rows.size(), static_cast<size_t>(col));
    } else {
      const auto col = std::find(ind.columns.begin(), ind.columns.end(), id) - ind.columns.begin();
      line.achieved = ind.at(ind.rows.size(), static_cast<size_t>(col));
    }
    if (line.target && *line.target > 0 && line.achieved.value()) {
      line.progress_pct = 100.0 * static_cast<double>(*line.achieved.value()) / static_cast<double>(*line.target);
      line.progress_lower_bound = line.achieved.shown == Shown::kLowerBound;
    }
    rep.targets.push_back(std::move(line));
  }
  return rep;
}

}  // namespace relais::report
