#include "report/svg_charts.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "desk/html.h"

namespace relais::report {
namespace {

using desk::escape;

constexpr const char* kPalette[] = {"#1b5e9a", "#d9822b", "#3a8f5c", "#b23b3b", "#7a5ba8", "#8c6d3f",
                                    "#c45a9a", "#6b6b6b", "#a6a21f", "#1f9fae", "#2f2f6f"};

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// A round upper bound for an axis (1, 2 or 5 times a power of ten).
double nice_max(double v) {
  if (v <= 0) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= v) return m * p;
  return 10 * p;
}

std::string tick_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

// Under the plot: the category labels, then the x axis title, then a legend.
constexpr double kAxisTitleOffset = 62;
constexpr double kLegendOffset = 80;

struct Frame {
  double width = 640, height = 320;
  double left = 64, right = 16, top = 16, bottom = 72;
  double plot_w() const { return width - left - right; }
  double plot_h() const { return height - top - bottom; }
};

std::string open_figure(const ChartText& t, const Frame& f) {
  std::string s = "<figure class=\"chart\" id=\"" + escape(t.id) + "\" data-chart=\"" + escape(t.id) + "\">\n";
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart-svg\" role=\"img\" viewBox=\"0 0 " + num(f.width) + " " +
       num(f.height) + "\" aria-labelledby=\"" + escape(t.id) + "-title " + escape(t.id) + "-desc\">\n";
  s += "<title id=\"" + escape(t.id) + "-title\">" + escape(t.title) + "</title>\n";
  s += "<desc id=\"" + escape(t.id) + "-desc\">" + escape(t.alt) + "</desc>\n";
  return s;
}

std::string close_figure(const ChartText& t) {
  std::string s = "</svg>\n<figcaption>" + escape(t.title) + "</figcaption>\n";
  s += "<details class=\"chart-alt\"><summary>" + escape(t.alt_summary) + "</summary><p>" +
       escape(t.alt) + "</p></details>\n</figure>\n";
  return s;
}

// Value axis on the left (0..max), with ticks and its title; the x axis
// title under the plot.
std::string axes(const ChartText& t, const Frame& f, double max) {
  std::string s = "<g class=\"axis\">\n";
  const double x0 = f.left, y0 = f.top + f.plot_h();
  for (int i = 0; i <= 4; ++i) {
    const double v = max * i / 4, y = y0 - f.plot_h() * i / 4;
    s += "<line class=\"grid\" x1=\"" + num(x0) + "\" y1=\"" + num(y) + "\" x2=\"" + num(x0 + f.plot_w()) + "\" y2=\"" +
         num(y) + "\" stroke=\"#dddddd\"/>\n";
    s += "<text x=\"" + num(x0 - 6) + "\" y=\"" + num(y + 4) + "\" text-anchor=\"end\">" + tick_text(v) + "</text>\n";
  }
  s += "<line x1=\"" + num(x0) + "\" y1=\"" + num(f.top) + "\" x2=\"" + num(x0) + "\" y2=\"" + num(y0) +
       "\" stroke=\"#333333\"/>\n";
  s += "<line x1=\"" + num(x0) + "\" y1=\"" + num(y0) + "\" x2=\"" + num(x0 + f.plot_w()) + "\" y2=\"" + num(y0) +
       "\" stroke=\"#333333\"/>\n";
  s += "<text class=\"axis-title\" x=\"" + num(x0 + f.plot_w() / 2) + "\" y=\"" + num(y0 + kAxisTitleOffset) +
       "\" text-anchor=\"middle\">" + escape(t.x_axis) + "</text>\n";
  s += "<text class=\"axis-title\" transform=\"translate(14 " + num(f.top + f.plot_h() / 2) +
       ") rotate(-90)\" text-anchor=\"middle\">" + escape(t.y_axis) + "</text>\n";
  return s + "</g>\n";
}

// A category label under the x axis, slanted when there are many.
std::string x_label(const Frame& f, double x, const std::string& label, size_t count) {
  const double y = f.top + f.plot_h() + 14;
  if (count <= 6)
    return "<text class=\"x-label\" x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"middle\">" + escape(label) +
           "</text>\n";
  return "<text class=\"x-label\" transform=\"translate(" + num(x) + " " + num(y) +
         ") rotate(-35)\" text-anchor=\"end\">" + escape(label) + "</text>\n";
}

std::string no_data(const ChartText& t, const Frame& f) {
  return "<text class=\"no-data\" x=\"" + num(f.left + f.plot_w() / 2) + "\" y=\"" + num(f.top + f.plot_h() / 2) +
         "\" text-anchor=\"middle\">" + escape(t.no_data) + "</text>\n";
}

std::string legend(const Frame& f, const std::vector<std::pair<std::string, std::string>>& items) {
  // name, fill; laid out in rows under the x axis title
  std::string s = "<g class=\"legend\">\n";
  double x = f.left, y = f.top + f.plot_h() + kLegendOffset;
  for (const auto& [name, fill] : items) {
    const double w = 22 + 6.2 * static_cast<double>(name.size());
    if (x + w > f.width - f.right) {
      x = f.left;
      y += 16;
    }
    s += "<rect x=\"" + num(x) + "\" y=\"" + num(y - 9) + "\" width=\"10\" height=\"10\" fill=\"" + fill + "\"/>\n";
    s += "<text x=\"" + num(x + 14) + "\" y=\"" + num(y) + "\">" + escape(name) + "</text>\n";
    x += w;
  }
  return s + "</g>\n";
}

double legend_height(const Frame& f, const std::vector<std::pair<std::string, std::string>>& items) {
  double x = f.left, rows = 1;
  for (const auto& item : items) {
    const double w = 22 + 6.2 * static_cast<double>(item.first.size());
    if (x + w > f.width - f.right) {
      x = f.left;
      ++rows;
    }
    x += w;
  }
  return rows * 16 + (kLegendOffset - 72);
}

}  // namespace

std::string bar_chart(const ChartText& t, const std::vector<Datum>& bars) {
  Frame f;
  double max = 0;
  for (const Datum& d : bars)
    if (d.value) max = std::max(max, *d.value);
  max = nice_max(max);
  std::string s = open_figure(t, f) + axes(t, f, max);
  const double slot = bars.empty() ? 0 : f.plot_w() / static_cast<double>(bars.size());
  const double y0 = f.top + f.plot_h();
  bool drawn = false;
  for (size_t i = 0; i < bars.size(); ++i) {
    const Datum& d = bars[i];
    const double cx = f.left + slot * (static_cast<double>(i) + 0.5);
    if (d.value) {
      const double h = f.plot_h() * *d.value / max, w = slot * 0.6;
      s += "<rect class=\"mark" + std::string(d.lower_bound ? " lower-bound" : "") + "\" x=\"" + num(cx - w / 2) +
           "\" y=\"" + num(y0 - h) + "\" width=\"" + num(w) + "\" height=\"" + num(h) + "\" fill=\"" + kPalette[0] +
           "\"" + (d.lower_bound ? " fill-opacity=\"0.55\" stroke=\"#1b5e9a\" stroke-dasharray=\"3 2\"" : "") +
           "><title>" + escape(d.label + ": " + d.text) + "</title></rect>\n";
      s += "<text class=\"value\" x=\"" + num(cx) + "\" y=\"" + num(y0 - h - 3) + "\" text-anchor=\"middle\">" +
           escape(d.text) + "</text>\n";
      drawn = true;
    } else {
      s += "<text class=\"value hidden-value\" x=\"" + num(cx) + "\" y=\"" + num(y0 - 3) + "\" text-anchor=\"middle\">" +
           escape(d.text) + "</text>\n";
    }
    s += x_label(f, cx, d.label, bars.size());
  }
  if (!drawn) s += no_data(t, f);
  return s + close_figure(t);
}

std::string line_chart(const ChartText& t, const std::vector<std::string>& x_labels, const std::vector<Series>& series) {
  std::vector<std::pair<std::string, std::string>> items;
  for (size_t i = 0; i < series.size(); ++i) items.push_back({series[i].name, kPalette[i % 11]});
  Frame f;
  f.height = 320;
  const double extra = legend_height(f, items);
  double max = 0;
  for (const Series& se : series)
    for (const Datum& d : se.points)
      if (d.value) max = std::max(max, *d.value);
  max = nice_max(max);
  Frame g = f;
  g.height = f.height + extra;
  g.bottom = f.bottom + extra;
  std::string s = open_figure(t, g) + axes(t, g, max);
  const size_t n = x_labels.size();
  const double pad = 24;  // room for the first and last labels
  const double step = n > 1 ? (g.plot_w() - 2 * pad) / static_cast<double>(n - 1) : 0;
  auto x_at = [&](size_t i) { return n > 1 ? g.left + pad + step * static_cast<double>(i) : g.left + g.plot_w() / 2; };
  const double y0 = g.top + g.plot_h();
  for (size_t i = 0; i < n; ++i) s += x_label(g, x_at(i), x_labels[i], n);
  bool drawn = false;
  for (size_t k = 0; k < series.size(); ++k) {
    const char* color = kPalette[k % 11];
    std::string points;
    auto flush = [&] {
      if (points.find(' ') != std::string::npos)
        s += "<polyline class=\"series\" fill=\"none\" stroke=\"" + std::string(color) + "\" stroke-width=\"2\" points=\"" +
             points + "\"/>\n";
      points.clear();
    };
    for (size_t i = 0; i < series[k].points.size() && i < n; ++i) {
      const Datum& d = series[k].points[i];
      if (!d.value) {
        flush();  // a gap where the value is not shown
        continue;
      }
      const double x = x_at(i), y = y0 - g.plot_h() * *d.value / max;
      points += (points.empty() ? "" : " ") + num(x) + "," + num(y);
      s += "<circle class=\"mark" + std::string(d.lower_bound ? " lower-bound" : "") + "\" cx=\"" + num(x) + "\" cy=\"" +
           num(y) + "\" r=\"3.5\" fill=\"" + color + "\"><title>" +
           escape(series[k].name + ", " + d.label + ": " + d.text) + "</title></circle>\n";
      drawn = true;
    }
    flush();
  }
  if (!drawn) s += no_data(t, g);
  s += legend(g, items);
  return s + close_figure(t);
}

std::string stacked_bar_chart(const ChartText& t, const std::vector<std::string>& part_names,
                              const std::vector<Stack>& stacks) {
  std::vector<std::pair<std::string, std::string>> items;
  for (size_t i = 0; i < part_names.size(); ++i) items.push_back({part_names[i], kPalette[i % 11]});
  Frame f;
  f.height = 340;
  const double extra = legend_height(f, items);
  double max = 0;
  for (const Stack& st : stacks) {
    double sum = 0;
    for (const Datum& d : st.parts)
      if (d.value) sum += *d.value;
    max = std::max(max, std::max(sum, st.total.value.value_or(0)));
  }
  max = nice_max(max);
  Frame g = f;
  g.height = f.height + extra;
  g.bottom = f.bottom + extra;
  std::string s = open_figure(t, g) + axes(t, g, max);
  const double slot = stacks.empty() ? 0 : g.plot_w() / static_cast<double>(stacks.size());
  const double y0 = g.top + g.plot_h();
  bool drawn = false;
  for (size_t i = 0; i < stacks.size(); ++i) {
    const Stack& st = stacks[i];
    const double cx = g.left + slot * (static_cast<double>(i) + 0.5), w = slot * 0.6;
    double y = y0;
    for (size_t k = 0; k < st.parts.size(); ++k) {
      const Datum& d = st.parts[k];
      if (!d.value || *d.value <= 0) continue;
      const double h = g.plot_h() * *d.value / max;
      y -= h;
      s += "<rect class=\"mark" + std::string(d.lower_bound ? " lower-bound" : "") + "\" x=\"" + num(cx - w / 2) +
           "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" + num(h) + "\" fill=\"" + kPalette[k % 11] +
           "\"><title>" + escape(st.label + ", " + (k < part_names.size() ? part_names[k] : "") + ": " + d.text) +
           "</title></rect>\n";
      drawn = true;
    }
    s += "<text class=\"value\" x=\"" + num(cx) + "\" y=\"" + num(std::min(y, y0) - 3) + "\" text-anchor=\"middle\">" +
         escape(st.total.text) + "</text>\n";
    s += x_label(g, cx, st.label, stacks.size());
  }
  if (!drawn) s += no_data(t, g);
  s += legend(g, items);
  return s + close_figure(t);
}

std::string grid_chart(const ChartText& t, const std::vector<std::string>& row_labels,
                       const std::vector<std::string>& column_labels, const std::vector<std::vector<int>>& states,
                       const std::vector<GridState>& state_names) {
  Frame f;
  f.width = 1000;
  f.left = 150;
  f.top = 40;
  f.bottom = 40;
  const double cell_h = 12, cols = static_cast<double>(std::max<size_t>(column_labels.size(), 1));
  f.height = f.top + cell_h * static_cast<double>(row_labels.size()) + f.bottom;
  const double cell_w = std::min(60.0, f.plot_w() / cols);
  std::string s = open_figure(t, f);
  s += "<text class=\"axis-title\" x=\"" + num(f.left) + "\" y=\"12\">" + escape(t.x_axis) + "</text>\n";
  s += "<text class=\"axis-title\" x=\"4\" y=\"12\">" + escape(t.y_axis) + "</text>\n";
  for (size_t c = 0; c < column_labels.size(); ++c)
    s += "<text class=\"x-label\" x=\"" + num(f.left + cell_w * (static_cast<double>(c) + 0.5)) + "\" y=\"" +
         num(f.top - 6) + "\" text-anchor=\"middle\">" + escape(column_labels[c]) + "</text>\n";
  bool drawn = false;
  for (size_t r = 0; r < row_labels.size(); ++r) {
    const double y = f.top + cell_h * static_cast<double>(r);
    s += "<text class=\"y-label\" x=\"" + num(f.left - 6) + "\" y=\"" + num(y + cell_h - 2) + "\" text-anchor=\"end\">" +
         escape(row_labels[r]) + "</text>\n";
    for (size_t c = 0; c < column_labels.size() && r < states.size() && c < states[r].size(); ++c) {
      const int st = states[r][c];
      if (st < 0 || static_cast<size_t>(st) >= state_names.size()) continue;
      const GridState& gs = state_names[static_cast<size_t>(st)];
      s += "<rect class=\"mark " + escape(gs.css_class) + "\" x=\"" + num(f.left + cell_w * static_cast<double>(c) + 1) +
           "\" y=\"" + num(y + 1) + "\" width=\"" + num(cell_w - 2) + "\" height=\"" + num(cell_h - 2) + "\" fill=\"" +
           gs.fill + "\"><title>" + escape(row_labels[r] + ", " + column_labels[c] + ": " + gs.name) +
           "</title></rect>\n";
      drawn = true;
    }
  }
  if (!drawn) s += no_data(t, f);
  std::vector<std::pair<std::string, std::string>> items;
  for (const GridState& gs : state_names) items.push_back({gs.name, gs.fill});
  Frame lf = f;
  lf.top = f.top + cell_h * static_cast<double>(row_labels.size()) + 24 - kLegendOffset;
  lf.bottom = f.height - lf.top;  // plot height 0: the legend sits 24 under the rows
  s += legend(lf, items);
  return s + close_figure(t);
}

std::string progress_chart(const ChartText& t, const std::vector<Datum>& bars) {
  Frame f;
  f.width = 1000;
  f.left = 300;
  f.top = 16;
  f.bottom = 40;
  const double bar_h = 16;
  f.height = f.top + bar_h * static_cast<double>(std::max<size_t>(bars.size(), 1)) + f.bottom;
  double max = 100;
  for (const Datum& d : bars)
    if (d.value) max = std::max(max, std::min(*d.value, 200.0));
  max = nice_max(max);
  std::string s = open_figure(t, f);
  const double x0 = f.left, y_end = f.top + bar_h * static_cast<double>(bars.size());
  for (int i = 0; i <= 4; ++i) {
    const double v = max * i / 4, x = x0 + f.plot_w() * i / 4;
    s += "<line class=\"grid\" x1=\"" + num(x) + "\" y1=\"" + num(f.top) + "\" x2=\"" + num(x) + "\" y2=\"" + num(y_end) +
         "\" stroke=\"#dddddd\"/>\n";
    s += "<text x=\"" + num(x) + "\" y=\"" + num(y_end + 14) + "\" text-anchor=\"middle\">" + tick_text(v) + "</text>\n";
  }
  const double x100 = x0 + f.plot_w() * 100 / max;
  s += "<line class=\"target-line\" x1=\"" + num(x100) + "\" y1=\"" + num(f.top - 4) + "\" x2=\"" + num(x100) +
       "\" y2=\"" + num(y_end) + "\" stroke=\"#b23b3b\" stroke-width=\"2\"/>\n";
  s += "<text class=\"axis-title\" x=\"" + num(x0 + f.plot_w() / 2) + "\" y=\"" + num(f.height - 4) +
       "\" text-anchor=\"middle\">" + escape(t.x_axis) + "</text>\n";
  s += "<text class=\"axis-title\" x=\"4\" y=\"12\">" + escape(t.y_axis) + "</text>\n";
  bool drawn = false;
  for (size_t i = 0; i < bars.size(); ++i) {
    const Datum& d = bars[i];
    const double y = f.top + bar_h * static_cast<double>(i);
    s += "<text class=\"y-label\" x=\"" + num(x0 - 6) + "\" y=\"" + num(y + bar_h - 4) + "\" text-anchor=\"end\">" +
         escape(d.label) + "</text>\n";
    if (d.value) {
      const double w = f.plot_w() * std::min(*d.value, max) / max;
      s += "<rect class=\"mark" + std::string(d.lower_bound ? " lower-bound" : "") + "\" x=\"" + num(x0) + "\" y=\"" +
           num(y + 2) + "\" width=\"" + num(w) + "\" height=\"" + num(bar_h - 4) + "\" fill=\"" + kPalette[2] + "\"" +
           (d.lower_bound ? " fill-opacity=\"0.55\"" : "") + "><title>" + escape(d.label + ": " + d.text) +
           "</title></rect>\n";
      drawn = true;
    }
    s += "<text class=\"value\" x=\"" + num(x0 + 4 + (d.value ? f.plot_w() * std::min(*d.value, max) / max : 0)) +
         "\" y=\"" + num(y + bar_h - 4) + "\">" + escape(d.text) + "</text>\n";
  }
  if (!drawn) s += no_data(t, f);
  return s + close_figure(t);
}

}  // namespace relais::report
