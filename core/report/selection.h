// Which stored statistics reports count in the indicators.
//
// group_reports() rebuilds the reports from the store's statistics cells
// (store/stats_cells.h; no body is opened) and the time each was sent (the
// envelope's ts, from the message rows; 0 when unknown).
//
// select_reports() decides, for the span [from, to] (YYYY-MM-DD, inclusive):
//   1. a report of a prefecture missing from the location table is
//      excluded (unknown_prefecture);
//   2. a report whose report_id is named in the supersedes of another
//      report of the same prefecture is never counted (superseded; a report
//      naming itself supersedes nothing);
//   3. of the reports left for one prefecture and period, the one sent
//      last counts (ties: the greater message id); the others are replaced;
//   4. a report counts only when its period lies inside the span; one that
//      runs over either end is excluded (crosses_span);
//   5. a report whose period overlaps one already counted for the same
//      prefecture (taken in order of start, then end) is excluded
//      (overlaps), so that no day is counted twice.
// Reports entirely outside the span are not listed. A counted report is
// placed in the region the location table gives its prefecture, whatever
// region it claims; a different claim is listed in `corrected`.
// Pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "policy/locations.h"
#include "store/store.h"

namespace relais::report {

struct StoredReport {
  std::string message_id;
  std::string sender;
  std::string report_id;   // empty for a version 1 report
  std::string supersedes;  // empty when none
  std::string period_start, period_end;  // YYYY-MM-DD
  std::string region;      // after selection: the location table's
  std::string claimed_region;
  std::string prefecture;
  int64_t sent_ms = 0;     // 0: unknown
  std::vector<StatsCell> cells;  // its counts (every table but "report")
  int version() const { return report_id.empty() ? 1 : 2; }
  // report_id, else the message id.
  const std::string& name() const { return report_id.empty() ? message_id : report_id; }
};

std::vector<StoredReport> group_reports(const std::vector<StatsCell>& cells,
                                        const std::map<std::string, int64_t>& sent_ms);

struct ExcludedReport {
  StoredReport report;  // without its cells
  std::string reason;   // unknown_prefecture | superseded | replaced | crosses_span | overlaps
  std::string by;       // the report that supersedes, replaces or overlaps it (its name)
};

struct Selection {
  std::vector<StoredReport> counted;     // by period start, prefecture
  std::vector<ExcludedReport> excluded;  // by period start, prefecture
  std::vector<StoredReport> corrected;   // counted, with a claimed region that is not the table's
};

Selection select_reports(std::vector<StoredReport> reports, const Locations& locations, const std::string& from,
                         const std::string& to);

}  // namespace relais::report
