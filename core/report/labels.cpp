#include "report/labels.h"

#include <cmath>
#include <cstdio>

namespace relais::report {

std::string format_count(int64_t n, const desk::Catalog& t) {
  const bool negative = n < 0;
  std::string digits = std::to_string(negative ? -n : n);
  const std::string sep = t.lang() == "en" ? "," : "\u202f";
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += sep;
    out += digits[i];
  }
  return negative ? "-" + out : out;
}

std::string format_cell(const Cell& c, const desk::Catalog& t) {
  switch (c.shown) {
    case Shown::kNoReport: return "\u2014";
    case Shown::kExact: return format_count(c.figure.known, t);
    case Shown::kLowerBound: return "\u2265 " + format_count(c.figure.known, t);
    case Shown::kSuppressed: return t.text("report.suppressed");
  }
  return t.text("report.suppressed");
}

std::string format_decimal(double v, int digits, const std::string& lang) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  std::string s = buf;
  if (lang != "en")
    for (char& ch : s)
      if (ch == '.') ch = ',';
  return s;
}

std::string format_pct(double pct, bool lower_bound, const desk::Catalog& t) {
  const std::string n = format_decimal(pct, 1, t.lang());
  return (lower_bound ? "\u2265 " : "") + (t.lang() == "en" ? n + "%" : n + "\u202f%");
}

std::string indicator_label(const std::string& id, const desk::Catalog& t) { return t.text("report.indicator." + id); }

std::string column_label(const std::string& table, const std::string& column, const desk::Catalog& t) {
  if (table == "indicators") return indicator_label(column, t);
  if (table == "alerts_by_kind") return t.text("field." + column);
  if (table == "victims_by_exploitation") return t.text("report.exploitation." + column);
  if (table == "repatriations") return t.text("report.direction." + column);
  return column;
}

}  // namespace relais::report
