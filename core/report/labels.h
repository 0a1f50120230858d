// How the indicators read, in the catalog's language (schemas/i18n,
// desk/catalog.h; keys "report.*"): counts, shown cells, percentages, and
// the names of groups, indicators and breakdowns. French groups thousands
// with a narrow no-break space and writes a decimal comma ("1 234", "45,3 %");
// English writes "1,234" and "45.3%". Pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "desk/catalog.h"
#include "report/figures.h"

namespace relais::report {

std::string format_count(int64_t n, const desk::Catalog& t);
// "45", "≥ 45", the catalog's "suppressed", or "—" for no report.
std::string format_cell(const Cell& c, const desk::Catalog& t);
// A number with `digits` decimals in the language's notation ("45,3").
std::string format_decimal(double v, int digits, const std::string& lang);
// "45,3 %" / "45.3%", with "≥ " before a lower bound.
std::string format_pct(double pct, bool lower_bound, const desk::Catalog& t);

// The label of a column of a table ("indicators", "alerts_by_kind", ...).
std::string column_label(const std::string& table, const std::string& column, const desk::Catalog& t);
std::string indicator_label(const std::string& id, const desk::Catalog& t);

}  // namespace relais::report
