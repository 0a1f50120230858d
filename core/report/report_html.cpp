#include "report/report_html.h"

#include "desk/embedded.h"
#include "desk/html.h"
#include "report/indicators.h"
#include "report/labels.h"
#include "report/svg_charts.h"

namespace relais::report {
namespace {

using desk::escape;

std::string cell_class(const Cell& c) {
  switch (c.shown) {
    case Shown::kNoReport: return "num no-report";
    case Shown::kExact: return "num";
    case Shown::kLowerBound: return "num lower-bound";
    case Shown::kSuppressed: return "num suppressed";
  }
  return "num";
}

std::string td(const Cell& c, const desk::Catalog& t) {
  return "<td class=\"" + cell_class(c) + "\">" + escape(format_cell(c, t)) + "</td>";
}

Datum datum(const std::string& label, const Cell& c, const desk::Catalog& t) {
  Datum d;
  d.label = label;
  if (auto v = c.value()) d.value = static_cast<double>(*v);
  d.lower_bound = c.shown == Shown::kLowerBound;
  d.text = format_cell(c, t);
  return d;
}

std::string alt_of(const std::string& lead, const std::vector<Datum>& data) {
  std::string s = lead;
  for (size_t i = 0; i < data.size(); ++i) s += (i == 0 ? " " : "; ") + data[i].label + ": " + data[i].text;
  return s + ".";
}

std::string group_title(Dimension by, const desk::Catalog& t) {
  return t.text(std::string("report.group.") + dimension_name(by));
}

// The heading of a column of groups.
std::string group_head(Dimension by, const desk::Catalog& t) {
  switch (by) {
    case Dimension::kRegion: return t.text("field.region");
    case Dimension::kPrefecture: return t.text("field.prefecture");
    case Dimension::kMonth: return t.text("report.col.month");
  }
  return t.text("field.region");
}

std::string period_label(const std::string& id, const desk::Catalog& t) {
  // "2026-Q1" -> "T1 2026" / "Q1 2026"; months stay "2026-03".
  const size_t q = id.find("-Q");
  if (q == std::string::npos) return id;
  return t.format("report.quarter", {{"q", id.substr(q + 2)}, {"year", id.substr(0, q)}});
}

ChartText chart_text(const std::string& id, const std::string& key, const desk::Catalog& t,
                     const std::map<std::string, std::string>& values = {}) {
  ChartText c;
  c.id = id;
  c.title = t.format("report.chart." + key + ".title", values);
  c.x_axis = t.text("report.chart." + key + ".x");
  c.y_axis = t.text("report.chart." + key + ".y");
  c.no_data = t.text("report.chart.no_data");
  c.alt_summary = t.text("report.chart.alt_summary");
  return c;
}

std::string years_text(const Report& r) {
  std::string s;
  for (size_t i = 0; i < r.target_years.size(); ++i) s += (i == 0 ? "" : "+") + std::to_string(r.target_years[i]);
  return s;
}

std::string charts(const Report& r, const desk::Catalog& t) {
  std::string s = "<section class=\"report-charts\">\n<h2>" + escape(t.text("report.section.charts")) + "</h2>\n";
  // 1. victims by region
  {
    const Table& v = r.by_region.table("victims_by_exploitation");
    std::vector<Datum> bars;
    for (size_t g = 0; g < v.rows.size(); ++g)
      bars.push_back(datum(r.by_region.groups[g].label, v.at(g, v.columns.size()), t));
    ChartText c = chart_text("chart-region", "region", t);
    c.alt = alt_of(c.title + ":", bars);
    s += bar_chart(c, bars);
  }
  // 2. monthly series
  {
    const Table& v = r.by_month.table("victims_by_exploitation");
    const Table& a = r.by_month.table("alerts_by_kind");
    std::vector<std::string> months;
    Series victims{t.text("report.chart.monthly.victims"), {}}, alerts{t.text("report.chart.monthly.alerts"), {}};
    for (size_t g = 0; g < v.rows.size(); ++g) {
      months.push_back(r.by_month.groups[g].label);
      victims.points.push_back(datum(months.back(), v.at(g, v.columns.size()), t));
      alerts.points.push_back(datum(months.back(), a.at(g, a.columns.size()), t));
    }
    ChartText c = chart_text("chart-monthly", "monthly", t);
    c.alt = alt_of(c.title + ". " + victims.name + ":", victims.points) + " " + alt_of(alerts.name + ":", alerts.points);
    s += line_chart(c, months, {victims, alerts});
  }
  // 3. stacked by exploitation type, per region
  {
    const Table& v = r.by_region.table("victims_by_exploitation");
    std::vector<std::string> parts;
    for (const std::string& col : v.columns) parts.push_back(column_label(v.id, col, t));
    std::vector<Stack> stacks;
    std::string alt = chart_text("chart-exploitation", "exploitation", t).title + ".";
    for (size_t g = 0; g < v.rows.size(); ++g) {
      Stack st;
      st.label = r.by_region.groups[g].label;
      for (size_t k = 0; k < v.columns.size(); ++k) st.parts.push_back(datum(parts[k], v.at(g, k), t));
      st.total = datum(st.label, v.at(g, v.columns.size()), t);
      alt += " " + alt_of(st.label + " (" + t.text("report.total") + " " + st.total.text + "):", st.parts);
      stacks.push_back(std::move(st));
    }
    ChartText c = chart_text("chart-exploitation", "exploitation", t);
    c.alt = alt;
    s += stacked_bar_chart(c, parts, stacks);
  }
  // 4. coverage grid
  {
    std::vector<std::string> rows, cols;
    std::vector<std::vector<int>> states;
    for (const auto& p : r.coverage.periods) cols.push_back(period_label(p.id, t));
    for (const auto& row : r.coverage.rows) {
      rows.push_back(row.name);
      std::vector<int> st;
      for (Reported x : row.status) st.push_back(static_cast<int>(x));
      states.push_back(std::move(st));
    }
    std::vector<GridState> names = {
        {t.text("report.status.on_time"), "status-on_time", "#3a8f5c"},
        {t.text("report.status.late"), "status-late", "#e0a526"},
        {t.text("report.status.not_due"), "status-not_due", "#b9c7d6"},
        {t.text("report.status.missing"), "status-missing", "#b23b3b"},
    };
    ChartText c = chart_text("chart-coverage", "coverage", t);
    std::string alt = c.title + ".";
    for (size_t i = 0; i < r.coverage.periods.size(); ++i)
      alt += " " + cols[i] + ": " +
             t.format("report.coverage.reported", {{"n", std::to_string(r.coverage.reported[i])},
                                                   {"total", std::to_string(r.coverage.rows.size())}}) +
             ".";
    c.alt = alt;
    s += grid_chart(c, rows, cols, states, names);
  }
  // 5. indicators against targets
  {
    std::vector<Datum> bars;
    for (const TargetLine& l : r.targets) {
      if (!l.target) continue;
      Datum d;
      d.label = indicator_label(l.indicator, t);
      if (l.progress_pct) {
        d.value = *l.progress_pct;
        d.lower_bound = l.progress_lower_bound;
        d.text = format_pct(*l.progress_pct, l.progress_lower_bound, t);
      } else {
        d.text = format_cell(l.achieved, t);
      }
      bars.push_back(std::move(d));
    }
    ChartText c = chart_text("chart-targets", "targets", t, {{"years", years_text(r)}});
    c.alt = alt_of(c.title + ":", bars);
    s += progress_chart(c, bars);
  }
  return s + "</section>\n";
}

std::string targets_table(const Report& r, const desk::Catalog& t) {
  std::string s = "<section class=\"report-section\">\n<h2>" +
                   escape(t.format("report.section.targets", {{"years", years_text(r)}})) + "</h2>\n";
  s += "<table class=\"report-table\">\n<thead><tr><th scope=\"col\">" + escape(t.text("report.col.indicator")) +
       "</th><th scope=\"col\">" + escape(t.text("report.col.achieved")) + "</th><th scope=\"col\">" +
       escape(t.text("report.col.target")) + "</th><th scope=\"col\">" + escape(t.text("report.col.progress")) +
       "</th></tr></thead>\n<tbody>\n";
  for (const TargetLine& l : r.targets) {
    s += "<tr><th scope=\"row\">" + escape(indicator_label(l.indicator, t)) + "</th>" + td(l.achieved, t);
    s += "<td class=\"num\">" + (l.target ? escape(format_count(*l.target, t)) : "\u2014") + "</td>";
    s += "<td class=\"num\">" +
         (l.progress_pct ? escape(format_pct(*l.progress_pct, l.progress_lower_bound, t)) : std::string("\u2014")) +
         "</td></tr>\n";
  }
  return s + "</tbody>\n</table>\n</section>\n";
}

// A table with groups as columns and items as rows (the indicators).
std::string transposed_table(const Dataset& ds, const Table& tb, const std::string& title, const desk::Catalog& t) {
  std::string s = "<section class=\"report-section\">\n<h2>" + escape(title) + "</h2>\n<div class=\"table-wrap\">\n";
  s += "<table class=\"report-table\">\n<thead><tr><th scope=\"col\">" + escape(t.text("report.col.indicator")) +
       "</th>";
  for (const Group& g : ds.groups) s += "<th scope=\"col\">" + escape(g.label) + "</th>";
  s += "<th scope=\"col\">" + escape(t.text("report.total")) + "</th></tr></thead>\n<tbody>\n";
  for (size_t c = 0; c < tb.columns.size(); ++c) {
    s += "<tr><th scope=\"row\">" + escape(column_label(tb.id, tb.columns[c], t)) + "</th>";
    for (size_t r = 0; r < tb.row_count(); ++r) s += td(tb.at(r, c), t);
    s += "</tr>\n";
  }
  return s + "</tbody>\n</table>\n</div>\n</section>\n";
}

// A table with its rows as they are (groups, or countries).
std::string plain_table(const std::vector<std::string>& row_labels, const std::string& row_head, const Table& tb,
                        const std::string& title, const desk::Catalog& t) {
  std::string s = "<section class=\"report-section\">\n<h2>" + escape(title) + "</h2>\n<div class=\"table-wrap\">\n";
  s += "<table class=\"report-table\">\n<thead><tr><th scope=\"col\">" + escape(row_head) + "</th>";
  for (const std::string& col : tb.columns) s += "<th scope=\"col\">" + escape(column_label(tb.id, col, t)) + "</th>";
  if (tb.row_totals) s += "<th scope=\"col\">" + escape(t.text("report.total")) + "</th>";
  s += "</tr></thead>\n<tbody>\n";
  for (size_t r = 0; r < tb.row_count(); ++r) {
    const bool total = r == tb.rows.size();
    s += std::string(total ? "<tr class=\"total\">" : "<tr>") + "<th scope=\"row\">" +
         escape(total ? t.text("report.total") : row_labels[r]) + "</th>";
    for (size_t c = 0; c < tb.column_count(); ++c) s += td(tb.at(r, c), t);
    s += "</tr>\n";
  }
  if (tb.rows.empty()) s += "<tr><td colspan=\"" + std::to_string(tb.column_count() + 1) + "\">" +
                            escape(t.text("report.none")) + "</td></tr>\n";
  return s + "</tbody>\n</table>\n</div>\n</section>\n";
}

std::string coverage_table(const Report& r, const desk::Catalog& t) {
  std::string s = "<section class=\"report-section\">\n<h2>" + escape(t.text("report.section.coverage")) +
                  "</h2>\n<p>" + escape(t.text("report.coverage.note")) + "</p>\n<div class=\"table-wrap\">\n";
  s += "<table class=\"report-table coverage\">\n<thead><tr><th scope=\"col\">" + escape(t.text("field.region")) +
       "</th><th scope=\"col\">" + escape(t.text("field.prefecture")) + "</th>";
  for (const auto& p : r.coverage.periods) s += "<th scope=\"col\">" + escape(period_label(p.id, t)) + "</th>";
  s += "</tr></thead>\n<tbody>\n";
  for (const CoverageRow& row : r.coverage.rows) {
    s += "<tr><td>" + escape(row.region_name) + "</td><th scope=\"row\">" + escape(row.name) + "</th>";
    for (Reported st : row.status)
      s += "<td class=\"status-" + std::string(reported_name(st)) + "\">" +
           escape(t.text(std::string("report.status.") + reported_name(st))) + "</td>";
    s += "</tr>\n";
  }
  s += "<tr class=\"total\"><th scope=\"row\" colspan=\"2\">" + escape(t.text("report.coverage.count")) + "</th>";
  for (int n : r.coverage.reported)
    s += "<td class=\"num\">" + std::to_string(n) + " / " + std::to_string(r.coverage.rows.size()) + "</td>";
  return s + "</tr>\n</tbody>\n</table>\n</div>\n</section>\n";
}

std::string excluded_table(const Report& r, const desk::Catalog& t) {
  std::string s = "<section class=\"report-section\">\n<h2>" + escape(t.text("report.section.excluded")) + "</h2>\n";
  if (r.selection.excluded.empty()) {
    s += "<p>" + escape(t.text("report.none")) + "</p>\n";
  } else {
    s += "<table class=\"report-table\">\n<thead><tr><th scope=\"col\">" + escape(t.text("field.prefecture")) +
         "</th><th scope=\"col\">" + escape(t.text("field.period")) + "</th><th scope=\"col\">" +
         escape(t.text("report.col.report")) + "</th><th scope=\"col\">" + escape(t.text("report.col.sender")) +
         "</th><th scope=\"col\">" + escape(t.text("report.col.reason")) + "</th></tr></thead>\n<tbody>\n";
    for (const ExcludedReport& e : r.selection.excluded)
      s += "<tr><td>" + escape(e.report.prefecture) + "</td><td>" + escape(e.report.period_start) + " \u2013 " +
           escape(e.report.period_end) + "</td><td>" + escape(e.report.name()) + "</td><td>" + escape(e.report.sender) +
           "</td><td>" + escape(t.format("report.reason." + e.reason, {{"by", e.by}})) + "</td></tr>\n";
    s += "</tbody>\n</table>\n";
  }
  if (!r.selection.corrected.empty()) {
    s += "<h3>" + escape(t.text("report.section.corrected")) + "</h3>\n<ul>\n";
    for (const StoredReport& c : r.selection.corrected)
      s += "<li>" + escape(t.format("report.corrected", {{"report", c.name()},
                                                           {"prefecture", c.prefecture},
                                                           {"claimed", c.claimed_region},
                                                           {"region", c.region}})) +
           "</li>\n";
    s += "</ul>\n";
  }
  return s + "</section>\n";
}

}  // namespace

std::string render_report_main(const Report& r, const desk::Catalog& t, const DownloadLinks& links) {
  const ReportRequest& q = r.request;
  std::string s = "<div class=\"report\">\n<header class=\"report-head\">\n<h1>" + escape(t.text("report.title")) +
                  "</h1>\n";
  s += "<p class=\"report-span\">" +
       escape(t.format("report.span", {{"from", q.from}, {"to", q.to}, {"by", group_title(q.by, t)}})) + "</p>\n";
  s += "<p>" + escape(t.format("report.counted", {{"n", std::to_string(r.selection.counted.size())},
                                                   {"excluded", std::to_string(r.selection.excluded.size())}})) +
       "</p>\n";
  s += "<p class=\"report-rule\">" +
       escape(t.format("report.rule", {{"max", std::to_string(r.min_cell - 1)}, {"min", std::to_string(r.min_cell)}})) +
       "</p>\n";
  if (q.is_public) s += "<p class=\"report-public\">" + escape(t.text("report.public")) + "</p>\n";
  s += "</header>\n";
  if (!links.html.empty() || !links.csv.empty() || !links.json.empty()) {
    s += "<nav class=\"report-downloads\" aria-label=\"" + escape(t.text("report.downloads")) + "\">" +
         escape(t.text("report.downloads")) + " ";
    if (!links.html.empty()) s += "<a href=\"" + escape(links.html) + "\" download>HTML</a> ";
    if (!links.csv.empty()) s += "<a href=\"" + escape(links.csv) + "\" download>CSV</a> ";
    if (!links.json.empty()) s += "<a href=\"" + escape(links.json) + "\" download>JSON</a>";
    s += "</nav>\n";
  }
  s += charts(r, t);
  s += targets_table(r, t);
  const std::string by = group_title(q.by, t);
  s += transposed_table(r.main, r.main.table("indicators"), t.format("report.section.indicators", {{"by", by}}), t);
  std::vector<std::string> groups;
  for (const Group& g : r.main.groups) groups.push_back(g.label);
  const std::string head = group_head(q.by, t);
  s += plain_table(groups, head, r.main.table("alerts_by_kind"), t.text("report.section.alerts"), t);
  s += plain_table(groups, head, r.main.table("victims_by_exploitation"), t.text("report.section.victims"), t);
  const Table& rep = r.main.table("repatriations");
  s += plain_table(rep.rows, t.text("report.col.country"), rep, t.text("report.section.repatriations"), t);
  s += coverage_table(r, t);
  s += excluded_table(r, t);
  return s + "</div>\n";
}

std::string render_report_html(const Report& r, const desk::Catalog& t) {
  std::string s = "<!DOCTYPE html>\n<html lang=\"" + escape(t.lang()) + "\">\n<head>\n<meta charset=\"utf-8\">\n";
  s += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  s += "<title>" + escape(t.text("report.title") + " " + r.request.from + " \u2013 " + r.request.to) + "</title>\n";
  s += "<style>\n" + std::string(embedded_asset("report.css")) + "\n</style>\n</head>\n<body>\n<main>\n";
  s += render_report_main(r, t);
  return s + "</main>\n</body>\n</html>\n";
}

}  // namespace relais::report
