#include "report/report_csv.h"

#include <vector>

#include "report/labels.h"

namespace relais::report {
namespace {

class CsvWriter {
 public:
  explicit CsvWriter(const std::string& lang) : sep_(lang == "en" ? ',' : ';') { out_ = "\xEF\xBB\xBF"; }
  void row(const std::vector<std::string>& fields) {
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) out_ += sep_;
      const std::string& f = fields[i];
      if (f.find_first_of(std::string(1, sep_) + "\"\r\n") == std::string::npos) {
        out_ += f;
        continue;
      }
      out_ += '"';
      for (char c : f) {
        if (c == '"') out_ += '"';
        out_ += c;
      }
      out_ += '"';
    }
    out_ += "\r\n";
  }
  std::string take() { return std::move(out_); }

 private:
  char sep_;
  std::string out_;
};

const char* status_of(const Cell& c) {
  switch (c.shown) {
    case Shown::kNoReport: return "no_report";
    case Shown::kExact: return "exact";
    case Shown::kLowerBound: return "lower_bound";
    case Shown::kSuppressed: return "suppressed";
  }
  return "suppressed";
}

std::vector<std::string> cell_fields(const Cell& c) {
  const auto v = c.value();
  return {v ? std::to_string(*v) : "", c.shown == Shown::kLowerBound ? "1" : "0",
          c.shown == Shown::kSuppressed ? "1" : "0"};
}

}  // namespace

std::string render_report_csv(const Report& r, const desk::Catalog& t) {
  CsvWriter w(t.lang());
  std::vector<std::string> head;
  for (const char* k : {"table", "group", "group_label", "item", "item_label", "value", "lower_bound", "suppressed",
                        "target", "progress", "status"})
    head.push_back(t.text(std::string("report.csv.") + k));
  w.row(head);
  const std::string total = t.text("report.total");
  for (const Table& tb : r.main.tables) {
    for (size_t row = 0; row < tb.row_count(); ++row) {
      const bool total_row = row == tb.rows.size();
      std::string gid = total_row ? "total" : tb.rows[row];
      std::string glabel = total;
      if (!total_row) glabel = tb.id == "repatriations" ? tb.rows[row] : r.main.groups[row].label;
      for (size_t col = 0; col < tb.column_count(); ++col) {
        const bool total_col = col == tb.columns.size();
        const Cell& c = tb.at(row, col);
        std::vector<std::string> f = {tb.id, gid, glabel, total_col ? "total" : tb.columns[col],
                                      total_col ? total : column_label(tb.id, tb.columns[col], t)};
        for (auto& x : cell_fields(c)) f.push_back(std::move(x));
        f.insert(f.end(), {"", "", status_of(c)});
        w.row(f);
      }
    }
  }
  std::string years;
  for (size_t i = 0; i < r.target_years.size(); ++i) years += (i == 0 ? "" : "+") + std::to_string(r.target_years[i]);
  for (const TargetLine& l : r.targets) {
    std::vector<std::string> f = {"targets", years, years, l.indicator, indicator_label(l.indicator, t)};
    for (auto& x : cell_fields(l.achieved)) f.push_back(std::move(x));
    f.push_back(l.target ? std::to_string(*l.target) : "");
    f.push_back(l.progress_pct ? format_decimal(*l.progress_pct, 1, t.lang()) : "");
    f.push_back(status_of(l.achieved));
    w.row(f);
  }
  for (const CoverageRow& row : r.coverage.rows)
    for (size_t i = 0; i < r.coverage.periods.size(); ++i)
      w.row({"coverage", row.prefecture, row.name, r.coverage.periods[i].id, r.coverage.periods[i].id, "", "0", "0", "",
             "", reported_name(row.status[i])});
  for (const ExcludedReport& e : r.selection.excluded)
    w.row({"excluded", e.report.prefecture, e.report.prefecture, e.report.name(),
           e.report.period_start + "/" + e.report.period_end, "", "0", "0", "", "", e.reason});
  return w.take();
}

}  // namespace relais::report
