#include "report/aggregate.h"

#include <algorithm>
#include <cassert>
#include <map>
#include <set>

#include "report/calendar.h"
#include "report/indicators.h"

namespace relais::report {

const char* dimension_name(Dimension d) {
  switch (d) {
    case Dimension::kRegion: return "region";
    case Dimension::kPrefecture: return "prefecture";
    case Dimension::kMonth: return "month";
  }
  return "region";
}

const Table& Dataset::table(const std::string& id) const {
  for (const Table& t : tables)
    if (t.id == id) return t;
  assert(false && "no such table");
  return tables.front();
}

Table& Dataset::table(const std::string& id) {
  return const_cast<Table&>(static_cast<const Dataset&>(*this).table(id));
}

namespace {

template <typename Array>
std::vector<std::string> strings(const Array& a) {
  return std::vector<std::string>(a.begin(), a.end());
}

std::vector<Group> groups_of(Dimension by, const Locations& locations, const std::string& from, const std::string& to) {
  std::vector<Group> out;
  if (by == Dimension::kMonth) {
    const auto f = parse_day(from), t = parse_day(to);
    if (!f || !t) return out;
    for (int64_t d = first_day_of(year_month(*f).year, year_month(*f).month); d <= *t;) {
      const YearMonth ym = year_month(d);
      out.push_back({format_month(ym), format_month(ym)});
      d = first_day_of(ym.year, ym.month + 1);
    }
    return out;
  }
  std::set<std::string> seen;
  for (const Prefecture& p : locations.prefectures()) {
    if (by == Dimension::kPrefecture) {
      out.push_back({p.slug, p.name});
    } else if (seen.insert(p.region).second) {
      out.push_back({p.region, p.region_name});
    }
  }
  return out;
}

std::string group_of(const StoredReport& r, Dimension by) {
  switch (by) {
    case Dimension::kRegion: return r.region;
    case Dimension::kPrefecture: return r.prefecture;
    case Dimension::kMonth: return r.period_start.substr(0, 7);
  }
  return r.region;
}

size_t index_of(const std::vector<std::string>& v, const std::string& x) {
  return static_cast<size_t>(std::find(v.begin(), v.end(), x) - v.begin());
}

}  // namespace

Dataset aggregate(const std::vector<StoredReport>& counted, Dimension by, const Locations& locations,
                  const std::string& from, const std::string& to) {
  Dataset ds;
  ds.by = by;
  ds.groups = groups_of(by, locations, from, to);
  std::vector<std::string> group_ids;
  for (const Group& g : ds.groups) group_ids.push_back(g.id);

  std::set<std::string> countries;
  for (const StoredReport& r : counted)
    for (const StatsCell& c : r.cells)
      if (c.table == "repatriations") countries.insert(c.key.substr(c.key.find('|') + 1));

  ds.tables.push_back(Table::make("indicators", group_ids, strings(kGroupIndicators), false, true));
  ds.tables.push_back(Table::make("alerts_by_kind", group_ids, strings(kAlertKinds), true, true));
  ds.tables.push_back(Table::make("victims_by_exploitation", group_ids, strings(kExploitationTypes), true, true));
  ds.tables.push_back(Table::make("repatriations", std::vector<std::string>(countries.begin(), countries.end()),
                                  strings(kDirections), true, true));
  Table& ind = ds.tables[0];
  Table& alerts = ds.tables[1];
  Table& victims = ds.tables[2];
  Table& rep = ds.tables[3];

  for (const StoredReport& r : counted) {
    const size_t g = index_of(group_ids, group_of(r, by));
    if (g >= group_ids.size()) continue;  // outside the groups (cannot happen for a counted report)
    // Every report has victims and alerts, if only as zeros.
    for (size_t k = 0; k < alerts.columns.size(); ++k) alerts.at(g, k).figure.add(std::optional<int64_t>(0));
    for (size_t k = 0; k < victims.columns.size(); ++k) victims.at(g, k).figure.add(std::optional<int64_t>(0));
    for (const StatsCell& c : r.cells) {
      if (c.table == "alerts_by_kind") {
        if (size_t k = index_of(alerts.columns, c.key); k < alerts.columns.size()) alerts.at(g, k).figure.add(c.count);
      } else if (c.table == "victims") {
        // age_band|gender|exploitation_type|nationality
        const size_t a = c.key.find('|'), b = c.key.find('|', a + 1), e = c.key.find('|', b + 1);
        if (a == std::string::npos || b == std::string::npos || e == std::string::npos) continue;
        if (size_t k = index_of(victims.columns, c.key.substr(b + 1, e - b - 1)); k < victims.columns.size())
          victims.at(g, k).figure.add(c.count);
      } else if (c.table == "repatriations") {
        const size_t bar = c.key.find('|');
        if (bar == std::string::npos) continue;
        const size_t row = index_of(rep.rows, c.key.substr(bar + 1)), col = index_of(rep.columns, c.key.substr(0, bar));
        if (row < rep.rows.size() && col < rep.columns.size()) rep.at(row, col).figure.add(c.count);
      } else {
        if (size_t k = index_of(ind.columns, c.table + "." + c.key); k < ind.columns.size())
          ind.at(g, k).figure.add(c.count);
      }
    }
  }
  for (Table& t : ds.tables) t.compute_totals();
  return ds;
}

}  // namespace relais::report
