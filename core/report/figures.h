// Figures and small-cell protection: how an aggregated count is shown.
//
// A Figure adds up statistics cells: the known part (the counts given) and
// whether any cell was "suppressed" (partial). It is shown as
//   - no report:   no cell contributed (nothing to show, not a zero);
//   - exact:       not partial, and 0 or >= min_cell;
//   - lower bound: partial, and the known part >= min_cell ("≥ 45");
//   - suppressed:  otherwise. No count from 1 to min_cell - 1 is ever shown.
// A Table holds figures in rows (groups) and columns (items), with optional
// margins: a total per row (the last column) and a total row (the last
// row), each the sum of its line. protect() sets how every figure is shown,
// then applies complementary suppression: along every line that has a
// total, the cells hidden for being small must not be recoverable by
// subtraction, so while the known parts of the hidden cells of a line add up
// to 1..min_cell-1, the smallest shown non-zero cell of the line is hidden
// too (else the line's total), until every line is safe. protect_lines() does
// the same over several tables at once, with extra lines linking them (a
// figure shown in two tables, a region's total over its prefectures).
// Pure functions and values; not thread-safe to mutate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace relais::report {

struct Figure {
  int64_t known = 0;     // the sum of the counts given
  bool partial = false;  // a "suppressed" cell went in
  int64_t cells = 0;     // how many cells went in (0: no report)
  void add(std::optional<int64_t> count);
  void add(const Figure& other);
};

enum class Shown { kNoReport, kExact, kLowerBound, kSuppressed };

struct Cell {
  Figure figure;
  Shown shown = Shown::kNoReport;
  bool complementary = false;  // hidden only to protect another cell
  bool hidden() const { return shown == Shown::kSuppressed; }
  // The number printed (exact or lower bound); nullopt otherwise.
  std::optional<int64_t> value() const;
};

// How a figure alone is shown (before complementary suppression).
Shown shown_alone(const Figure& f, int64_t min_cell);

struct Table {
  std::string id;                    // "indicators", "alerts_by_kind", ...
  std::vector<std::string> rows;     // group ids (without the total row)
  std::vector<std::string> columns;  // item ids (without the total column)
  bool row_totals = false;           // a last column: each row's total
  bool total_row = false;            // a last row: each column's total
  // (rows + total_row) x (columns + row_totals)
  std::vector<std::vector<Cell>> cells;

  // A table of empty figures of that shape.
  static Table make(std::string id, std::vector<std::string> rows, std::vector<std::string> columns, bool row_totals,
                    bool total_row);
  size_t row_count() const { return rows.size() + (total_row ? 1 : 0); }
  size_t column_count() const { return columns.size() + (row_totals ? 1 : 0); }
  Cell& at(size_t r, size_t c) { return cells[r][c]; }
  const Cell& at(size_t r, size_t c) const { return cells[r][c]; }
  // Fills the margins from the body's figures.
  void compute_totals();
};

// A line: members whose figures add up to the total's; or, with `same`,
// cells that show one figure (when one is hidden, all are).
struct Line {
  std::vector<Cell*> members;
  Cell* total = nullptr;
  bool same = false;
};
// The lines of a table's margins (none without margins).
std::vector<Line> lines_of(Table& table);

// Sets every cell's Shown, with complementary suppression (see above).
// Returns how many cells were hidden for complementary reasons.
int protect(Table& table, int64_t min_cell);
// The same over several tables, with extra lines between their cells (the
// cells must belong to the tables given).
int protect_lines(const std::vector<Table*>& tables, std::vector<Line> extra, int64_t min_cell);

}  // namespace relais::report
