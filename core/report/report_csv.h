// The indicators as CSV: UTF-8 with a byte order mark, one row per cell.
// Dialect by language: "fr" separates fields with ';' and writes a decimal
// comma (what a French Excel and LibreOffice expect), "en" uses ',' and a
// decimal point. Fields holding the separator, a quote or a line break are
// quoted ("" for a quote); lines end with CRLF.
// Columns (the header row is in the catalog's language, in this order):
//   table        indicators | alerts_by_kind | victims_by_exploitation |
//                repatriations | targets | coverage | excluded
//   group        the group id (region, prefecture, "2026-03", a country),
//                "total" for a total row
//   group_label  its name
//   item         the column id (indicator, kind, type, direction, period),
//                "total" for a row's total
//   item_label   its name
//   value        the count shown (empty when suppressed or no report)
//   lower_bound  1 when the value is a lower bound (the true count is at
//                least that), else 0
//   suppressed   1 when the count is not shown, else 0
//   target       (targets) the plan's target for the years of the span
//   progress     (targets) value / target in percent, one decimal
//   status       exact | lower_bound | suppressed | no_report; for coverage
//                on_time | late | not_due | missing; for excluded, the reason
// Pure function.
#pragma once

#include <string>

#include "desk/catalog.h"
#include "report/report.h"

namespace relais::report {

std::string render_report_csv(const Report& report, const desk::Catalog& t);

}  // namespace relais::report
