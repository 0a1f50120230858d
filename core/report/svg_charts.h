// The report's charts, drawn as inline SVG by the project (no library, no
// script): a bar chart, a line chart, stacked bars, a status grid and
// progress bars against targets. Each returns one <figure class="chart">
// holding an <svg role="img"> with a <title> and a <desc> (the text
// alternative), the axes with their titles (which carry the unit), and a
// <figcaption>; the text alternative is also given in a <details> below the
// chart, for reading and printing. Colours are presentation attributes and
// classes (report.css styles them): no style attribute, so the desk's CSP
// holds. Every drawn datum has class "mark". Values arrive already
// protected (report/figures.h): a hidden value is never drawn, only named.
// All text is escaped here. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace relais::report {

struct ChartText {
  std::string id;      // unique in the page ("chart-region")
  std::string title;
  std::string x_axis;  // the axis titles, with their units
  std::string y_axis;
  std::string alt;     // the text alternative
  std::string no_data;  // shown when nothing can be drawn
  std::string alt_summary;  // the heading of the text alternative below the chart
};

struct Datum {
  std::string label;
  std::optional<double> value;  // nullopt: not drawn (hidden, or no report)
  bool lower_bound = false;
  std::string text;             // the value as printed ("≥ 45", "supprimé")
};

std::string bar_chart(const ChartText& t, const std::vector<Datum>& bars);

struct Series {
  std::string name;
  std::vector<Datum> points;  // one per x label
};
std::string line_chart(const ChartText& t, const std::vector<std::string>& x_labels, const std::vector<Series>& series);

struct Stack {
  std::string label;
  std::vector<Datum> parts;  // one per part name
  Datum total;
};
std::string stacked_bar_chart(const ChartText& t, const std::vector<std::string>& part_names,
                              const std::vector<Stack>& stacks);

// rows x columns of states (indexes into state_names); state_classes name
// each state's CSS class and fill.
struct GridState {
  std::string name;
  std::string css_class;
  std::string fill;
};
std::string grid_chart(const ChartText& t, const std::vector<std::string>& row_labels,
                       const std::vector<std::string>& column_labels, const std::vector<std::vector<int>>& states,
                       const std::vector<GridState>& state_names);

// Progress against a target: value is the percentage reached.
std::string progress_chart(const ChartText& t, const std::vector<Datum>& bars);

}  // namespace relais::report
