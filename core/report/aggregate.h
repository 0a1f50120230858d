// Aggregation of the counted reports into tables, per group (region,
// prefecture or month):
//   "indicators"              rows: groups; columns: kGroupIndicators; a total row
//   "alerts_by_kind"          rows: groups; columns: kAlertKinds; totals both ways
//   "victims_by_exploitation" rows: groups; columns: kExploitationTypes (the victim
//                             rows of every report, all ages, genders, nationalities);
//                             totals both ways
//   "repatriations"           rows: countries (ISO codes, sorted); columns: inbound,
//                             outbound; totals both ways (the same in every grouping)
// A version 1 report adds to what it has (victims, referrals, alerts) and to
// nothing else: a figure no report fed shows as "no report", not as 0.
// Groups: every region (or prefecture) of the location table, in its order,
// or every month from `from` to `to`; a report counts in the month its period
// starts. Figures are raw here; report/report.h protects them.
// Pure functions.
#pragma once

#include <string>
#include <vector>

#include "policy/locations.h"
#include "report/figures.h"
#include "report/selection.h"

namespace relais::report {

enum class Dimension { kRegion, kPrefecture, kMonth };

// "region" | "prefecture" | "month".
const char* dimension_name(Dimension d);

struct Group {
  std::string id;     // slug, or "2026-03"
  std::string label;  // the table's name ("Maritime"), or the id for a month
};

struct Dataset {
  Dimension by = Dimension::kRegion;
  std::vector<Group> groups;
  std::vector<Table> tables;  // in the order above
  const Table& table(const std::string& id) const;
  Table& table(const std::string& id);
};

Dataset aggregate(const std::vector<StoredReport>& counted, Dimension by, const Locations& locations,
                  const std::string& from, const std::string& to);

}  // namespace relais::report
