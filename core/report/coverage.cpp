#include "report/coverage.h"

#include <algorithm>
#include <map>

#include "report/calendar.h"

namespace relais::report {

const char* reported_name(Reported r) {
  switch (r) {
    case Reported::kOnTime: return "on_time";
    case Reported::kLate: return "late";
    case Reported::kNotDue: return "not_due";
    case Reported::kMissing: return "missing";
  }
  return "missing";
}

namespace {

std::vector<CoveragePeriod> periods_of(const std::string& from, const std::string& to, const PtbaConfig& config) {
  std::vector<CoveragePeriod> out;
  const auto f = parse_day(from), t = parse_day(to);
  if (!f || !t) return out;
  const int step = config.period == "quarter" ? 3 : 1;
  YearMonth ym = year_month(*f);
  ym.month = (ym.month - 1) / step * step + 1;
  for (int64_t d = first_day_of(ym.year, ym.month); d <= *t;) {
    ym = year_month(d);
    const int64_t next = first_day_of(ym.year, ym.month + step);
    CoveragePeriod p;
    p.id = step == 1 ? format_month(ym) : std::to_string(ym.year) + "-Q" + std::to_string((ym.month - 1) / 3 + 1);
    p.start = format_day(d);
    p.end = format_day(next - 1);
    p.due = format_day(next - 1 + config.due_days);
    out.push_back(std::move(p));
    d = next;
  }
  return out;
}

bool intersects(const StoredReport& r, const CoveragePeriod& p) { return r.period_start <= p.end && r.period_end >= p.start; }

}  // namespace

Coverage coverage_of(const Selection& selection, const Locations& locations, const std::string& from,
                     const std::string& to, const PtbaConfig& config, int64_t now_ms) {
  Coverage cov;
  cov.periods = periods_of(from, to, config);
  cov.reported.assign(cov.periods.size(), 0);
  std::map<std::string, std::vector<const StoredReport*>> counted, sent;  // per prefecture
  for (const StoredReport& r : selection.counted) {
    counted[r.prefecture].push_back(&r);
    sent[r.prefecture].push_back(&r);
  }
  for (const ExcludedReport& e : selection.excluded)
    if (e.reason == "superseded" || e.reason == "replaced") sent[e.report.prefecture].push_back(&e.report);
  const std::string today = format_day(day_of_ms(now_ms));
  for (const Prefecture& pref : locations.prefectures()) {
    CoverageRow row{pref.region, pref.region_name, pref.slug, pref.name, {}};
    for (size_t i = 0; i < cov.periods.size(); ++i) {
      const CoveragePeriod& p = cov.periods[i];
      const auto& mine = counted[pref.slug];
      const bool reported = std::any_of(mine.begin(), mine.end(), [&](const StoredReport* r) { return intersects(*r, p); });
      if (!reported) {
        row.status.push_back(today <= p.due ? Reported::kNotDue : Reported::kMissing);
        continue;
      }
      ++cov.reported[i];
      bool on_time = false;
      for (const StoredReport* r : sent[pref.slug])
        if (intersects(*r, p) && (r->sent_ms == 0 || format_day(day_of_ms(r->sent_ms)) <= p.due)) on_time = true;
      row.status.push_back(on_time ? Reported::kOnTime : Reported::kLate);
    }
    cov.rows.push_back(std::move(row));
  }
  return cov;
}

}  // namespace relais::report
