#include "report/selection.h"

#include <algorithm>
#include <set>
#include <tuple>

namespace relais::report {

std::vector<StoredReport> group_reports(const std::vector<StatsCell>& cells,
                                        const std::map<std::string, int64_t>& sent_ms) {
  std::map<std::string, StoredReport> by_id;
  for (const StatsCell& c : cells) {
    auto [it, fresh] = by_id.try_emplace(c.message_id);
    StoredReport& r = it->second;
    if (fresh) {
      r.message_id = c.message_id;
      r.sender = c.sender;
      r.period_start = c.period_start;
      r.period_end = c.period_end;
      r.region = r.claimed_region = c.region;
      r.prefecture = c.prefecture;
      if (auto s = sent_ms.find(c.message_id); s != sent_ms.end()) r.sent_ms = s->second;
    }
    if (c.table == "report") {
      if (c.key.rfind("report_id=", 0) == 0) r.report_id = c.key.substr(10);
      if (c.key.rfind("supersedes=", 0) == 0) r.supersedes = c.key.substr(11);
    } else {
      r.cells.push_back(c);
    }
  }
  std::vector<StoredReport> out;
  for (auto& [id, r] : by_id) out.push_back(std::move(r));
  return out;
}

namespace {

ExcludedReport excluded(const StoredReport& r, std::string reason, std::string by) {
  ExcludedReport e{r, std::move(reason), std::move(by)};
  e.report.cells.clear();
  return e;
}

bool touches(const StoredReport& r, const std::string& from, const std::string& to) {
  return r.period_end >= from && r.period_start <= to;
}

// Sent later: the greater sent time, then the greater message id.
bool sent_after(const StoredReport& a, const StoredReport& b) {
  return std::tie(a.sent_ms, a.message_id) > std::tie(b.sent_ms, b.message_id);
}

}  // namespace

Selection select_reports(std::vector<StoredReport> reports, const Locations& locations, const std::string& from,
                         const std::string& to) {
  Selection out;
  std::sort(reports.begin(), reports.end(), [](const StoredReport& a, const StoredReport& b) {
    return std::tie(a.period_start, a.period_end, a.prefecture, a.message_id) <
           std::tie(b.period_start, b.period_end, b.prefecture, b.message_id);
  });
  // 2. superseded ids, per prefecture; who supersedes them.
  std::map<std::pair<std::string, std::string>, std::string> superseded_by;
  for (const StoredReport& r : reports)
    if (!r.supersedes.empty() && r.supersedes != r.report_id) superseded_by[{r.prefecture, r.supersedes}] = r.name();

  std::vector<StoredReport> candidates;
  for (StoredReport& r : reports) {
    const Prefecture* p = locations.find_prefecture(r.prefecture);
    if (p == nullptr) {
      if (touches(r, from, to)) out.excluded.push_back(excluded(r, "unknown_prefecture", ""));
      continue;
    }
    r.region = p->region;
    if (!r.report_id.empty())
      if (auto s = superseded_by.find({r.prefecture, r.report_id}); s != superseded_by.end()) {
        if (touches(r, from, to)) out.excluded.push_back(excluded(r, "superseded", s->second));
        continue;
      }
    candidates.push_back(std::move(r));
  }
  // 3. the latest per prefecture and period.
  std::map<std::tuple<std::string, std::string, std::string>, size_t> latest;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const StoredReport& r = candidates[i];
    auto [it, fresh] = latest.try_emplace({r.prefecture, r.period_start, r.period_end}, i);
    if (!fresh && sent_after(r, candidates[it->second])) it->second = i;
  }
  std::vector<StoredReport> winners;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const StoredReport& r = candidates[i];
    const size_t w = latest[{r.prefecture, r.period_start, r.period_end}];
    if (w != i) {
      if (touches(r, from, to)) out.excluded.push_back(excluded(r, "replaced", candidates[w].name()));
      continue;
    }
    winners.push_back(r);
  }
  // 4. and 5.
  std::map<std::string, std::vector<const StoredReport*>> kept;  // per prefecture, into out.counted
  out.counted.reserve(winners.size());                            // so the pointers stay valid
  for (StoredReport& r : winners) {
    if (!touches(r, from, to)) continue;
    if (r.period_start < from || r.period_end > to) {
      out.excluded.push_back(excluded(r, "crosses_span", ""));
      continue;
    }
    const StoredReport* overlap = nullptr;
    for (const StoredReport* k : kept[r.prefecture])
      if (k->period_end >= r.period_start && k->period_start <= r.period_end) overlap = k;
    if (overlap != nullptr) {
      out.excluded.push_back(excluded(r, "overlaps", overlap->name()));
      continue;
    }
    out.counted.push_back(r);
    kept[r.prefecture].push_back(&out.counted.back());
  }
  for (const StoredReport& r : out.counted)
    if (r.claimed_region != r.region) {
      StoredReport c = r;
      c.cells.clear();
      out.corrected.push_back(std::move(c));
    }
  auto order = [](const auto& a, const auto& b) { return std::tie(a.period_start, a.prefecture) < std::tie(b.period_start, b.prefecture); };
  std::stable_sort(out.excluded.begin(), out.excluded.end(),
                   [&](const ExcludedReport& a, const ExcludedReport& b) { return order(a.report, b.report); });
  return out;
}

}  // namespace relais::report
