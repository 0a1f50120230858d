// build_report: the commission's indicators over a span, from its store's
// statistics cells (`relais-agent report`, and the desk's dashboard).
//
// Steps: the reports that count (report/selection.h); the tables per group
// (report/aggregate.h) for the grouping asked (--by), and per region and
// per month for the charts; small-cell protection over all of them at once
// (report/figures.h), with the total rows linked across groupings and, for
// --by prefecture, each region's total over its prefectures; the coverage
// (report/coverage.h); each indicator against the plan's targets of the
// years the span touches (added up). min_cell is the configuration's, or
// its public_min_cell with --public.
// Pure function: the caller reads the store and the clock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "policy/locations.h"
#include "report/aggregate.h"
#include "report/coverage.h"
#include "report/figures.h"
#include "report/ptba_config.h"
#include "report/selection.h"
#include "util/status.h"

namespace relais::report {

struct ReportRequest {
  std::string from, to;  // YYYY-MM-DD, inclusive
  Dimension by = Dimension::kRegion;
  std::string lang = "fr";  // fr | en
  bool is_public = false;
  int64_t now_ms = 0;
};

struct TargetLine {
  std::string indicator;          // report/indicators.h, kTargetIndicators
  std::optional<int64_t> target;  // nullopt: no target for these years
  Cell achieved;                  // as shown in its table's total row
  std::optional<double> progress_pct;  // achieved / target, when both are shown
  bool progress_lower_bound = false;   // the achieved figure is a lower bound
};

struct Report {
  ReportRequest request;
  int64_t min_cell = 5;
  Selection selection;
  Dataset main;       // grouped as asked
  Dataset by_region;  // for the charts
  Dataset by_month;
  Coverage coverage;
  std::vector<int> target_years;
  std::vector<TargetLine> targets;
  int hidden_complementary = 0;
};

// The request's dates: real, from <= to (Status::Usage in plain words).
Status check_request(const ReportRequest& request);

Result<Report> build_report(std::vector<StoredReport> reports, const Locations& locations, const PtbaConfig& config,
                            const ReportRequest& request);

}  // namespace relais::report
