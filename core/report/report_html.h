// The indicators as HTML: the dashboard (render_report_main, the page's
// main part, which the desk shows on its own page with report.css), and
// one self-contained file (render_report_html: the same part in a whole
// document with report.css inline, for printing on A4 and reading offline).
// The dashboard holds, in order: the heading (span, grouping, counted
// reports, the small-cell rule), optional download links, the five charts
// (report/svg_charts.h: victims by region, the monthly series, victims by
// exploitation type per region, the coverage grid, the indicators against
// their targets), the tables (indicators against targets, indicators per
// group, alerts by kind, victims by exploitation type, repatriations by
// country), the coverage table and the reports not counted, with why.
// Every text comes from the catalog (keys "report.*") or the location
// table, escaped; no inline style and no script, so the desk's CSP holds.
// Pure functions.
#pragma once

#include <string>

#include "desk/catalog.h"
#include "report/report.h"

namespace relais::report {

// Links to the other formats, for the desk ("" leaves one out).
struct DownloadLinks {
  std::string html, csv, json;
};

std::string render_report_main(const Report& report, const desk::Catalog& t, const DownloadLinks& links = {});
std::string render_report_html(const Report& report, const desk::Catalog& t);

}  // namespace relais::report
