#include "report/figures.h"

#include <cassert>

namespace relais::report {

void Figure::add(std::optional<int64_t> count) {
  ++cells;
  if (count)
    known += *count;
  else
    partial = true;
}

void Figure::add(const Figure& other) {
  known += other.known;
  partial = partial || other.partial;
  cells += other.cells;
}

std::optional<int64_t> Cell::value() const {
  if (shown == Shown::kExact || shown == Shown::kLowerBound) return figure.known;
  return std::nullopt;
}

Shown shown_alone(const Figure& f, int64_t min_cell) {
  if (f.cells == 0) return Shown::kNoReport;
  if (!f.partial) return f.known == 0 || f.known >= min_cell ? Shown::kExact : Shown::kSuppressed;
  return f.known >= min_cell ? Shown::kLowerBound : Shown::kSuppressed;
}

Table Table::make(std::string id, std::vector<std::string> rows, std::vector<std::string> columns, bool row_totals,
                  bool total_row) {
  Table t;
  t.id = std::move(id);
  t.rows = std::move(rows);
  t.columns = std::move(columns);
  t.row_totals = row_totals;
  t.total_row = total_row;
  t.cells.assign(t.row_count(), std::vector<Cell>(t.column_count()));
  return t;
}

void Table::compute_totals() {
  const size_t nr = rows.size(), nc = columns.size();
  if (row_totals)
    for (size_t r = 0; r < nr; ++r) {
      Figure sum;
      for (size_t c = 0; c < nc; ++c) sum.add(cells[r][c].figure);
      cells[r][nc].figure = sum;
    }
  if (total_row)
    for (size_t c = 0; c < column_count(); ++c) {
      Figure sum;
      for (size_t r = 0; r < nr; ++r) sum.add(cells[r][c].figure);
      cells[nr][c].figure = sum;
    }
}

std::vector<Line> lines_of(Table& t) {
  std::vector<Line> lines;
  const size_t nr = t.rows.size(), nc = t.columns.size();
  if (t.row_totals)
    for (size_t r = 0; r < t.row_count(); ++r) {
      Line l;
      for (size_t c = 0; c < nc; ++c) l.members.push_back(&t.cells[r][c]);
      l.total = &t.cells[r][nc];
      lines.push_back(std::move(l));
    }
  if (t.total_row)
    for (size_t c = 0; c < t.column_count(); ++c) {
      Line l;
      for (size_t r = 0; r < nr; ++r) l.members.push_back(&t.cells[r][c]);
      l.total = &t.cells[nr][c];
      lines.push_back(std::move(l));
    }
  return lines;
}

namespace {

// Hides more cells of a line while the hidden known parts add up to
// 1..min_cell-1. Returns whether anything changed.
bool protect_line(Line& line, int64_t min_cell, int* hidden_count) {
  bool changed = false;
  if (line.same) {
    bool any = line.total->hidden();
    for (Cell* c : line.members) any = any || c->hidden();
    if (!any) return false;
    line.members.push_back(line.total);
    for (Cell* c : line.members)
      if (!c->hidden()) {
        c->shown = Shown::kSuppressed;
        c->complementary = true;
        ++*hidden_count;
        changed = true;
      }
    line.members.pop_back();
    return changed;
  }
  for (;;) {
    int64_t hidden_known = 0;
    for (Cell* c : line.members)
      if (c->hidden()) hidden_known += c->figure.known;
    if (hidden_known == 0 || hidden_known >= min_cell) return changed;
    if (line.total->hidden()) return changed;  // nothing to subtract from
    Cell* smallest = nullptr;
    for (Cell* c : line.members)
      if (!c->hidden() && c->figure.known > 0 && (smallest == nullptr || c->figure.known < smallest->figure.known))
        smallest = c;
    Cell* hide = smallest != nullptr ? smallest : line.total;
    hide->shown = Shown::kSuppressed;
    hide->complementary = true;
    ++*hidden_count;
    changed = true;
  }
}

}  // namespace

int protect(Table& t, int64_t min_cell) { return protect_lines({&t}, {}, min_cell); }

int protect_lines(const std::vector<Table*>& tables, std::vector<Line> lines, int64_t min_cell) {
  assert(min_cell >= 1);
  for (Table* t : tables) {
    for (auto& row : t->cells)
      for (Cell& c : row) {
        c.complementary = false;
        c.shown = shown_alone(c.figure, min_cell);
      }
    for (Line& l : lines_of(*t)) lines.push_back(std::move(l));
  }
  int hidden = 0;
  for (bool changed = true; changed;) {
    changed = false;
    for (Line& l : lines) changed = protect_line(l, min_cell, &hidden) || changed;
  }
  return hidden;
}

}  // namespace relais::report
