// Coverage: which prefectures reported, per reporting period.
//
// The periods are the calendar months (or quarters, per config/ptba.toml)
// that the span [from, to] touches. For each prefecture of the location
// table and each period P:
//   on_time  a counted report of the prefecture covers part of P, and the
//            first report sent for it (counting those later superseded or
//            replaced) was sent by P's end + due_days (UTC days; a report
//            whose sending time is unknown counts as on time);
//   late     the same, sent after that day;
//   not_due  no report yet, and P's end + due_days is not past at now_ms;
//   missing  no report, and the day is past.
// Pure function.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "policy/locations.h"
#include "report/ptba_config.h"
#include "report/selection.h"

namespace relais::report {

enum class Reported { kOnTime, kLate, kNotDue, kMissing };
// "on_time" | "late" | "not_due" | "missing".
const char* reported_name(Reported r);

struct CoveragePeriod {
  std::string id;     // "2026-03", or "2026-Q1" for a quarter
  std::string start;  // YYYY-MM-DD
  std::string end;
  std::string due;    // the last day a report is on time
};

struct CoverageRow {
  std::string region;  // slug
  std::string region_name;
  std::string prefecture;
  std::string name;    // the prefecture's name
  std::vector<Reported> status;  // one per period
};

struct Coverage {
  std::vector<CoveragePeriod> periods;
  std::vector<CoverageRow> rows;  // the location table's order
  // How many prefectures reported (on time or late) per period.
  std::vector<int> reported;
};

Coverage coverage_of(const Selection& selection, const Locations& locations, const std::string& from,
                     const std::string& to, const PtbaConfig& config, int64_t now_ms);

}  // namespace relais::report
