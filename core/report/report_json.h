// The indicators as JSON, for other tools (format "relais-indicators/1"):
//   {"format", "from", "to", "by", "lang", "public", "min_cell",
//    "counted_reports", "tables": [{"id", "rows": [ids], "columns": [ids],
//      "row_totals": bool, "total_row": bool,
//      "cells": [[cell]]}],          // (rows + total row) x (columns + total)
//    "targets": [{"indicator", "target"|null, "achieved": cell,
//                 "progress_pct"|null, "progress_lower_bound"}],
//    "target_years": [2026],
//    "coverage": {"periods": [{"id","start","end","due"}],
//                 "prefectures": [{"region","prefecture","name","status":[...]}],
//                 "reported": [n per period]},
//    "excluded": [{"message_id","report_id","prefecture","period_start",
//                  "period_end","sender","reason","by"}]}
// A cell is {"value": n} (exact), {"value": n, "lower_bound": true},
// {"suppressed": true} or {"no_report": true}. Pure function.
#pragma once

#include <nlohmann/json.hpp>

#include "report/report.h"

namespace relais::report {

nlohmann::ordered_json report_json(const Report& report);

}  // namespace relais::report
