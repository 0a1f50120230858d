// PtbaConfig: config/ptba.toml, the settings of the commission's indicators
// (`relais-agent report`): the reporting period and its grace (due_days),
// the smallest count shown (min_cell, and public_min_cell for --public), and
// the plan's targets per indicator and year. Every key is documented in
// config/ptba.toml. Errors are reported all at once with file:line
// (Status::Config, exit 2). The file as shipped is compiled in
// (builtin_ptba_toml) and used when a deployment has none.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "util/status.h"

namespace relais::report {

struct PtbaConfig {
  std::string period = "month";  // month | quarter: the span each committee reports on
  int64_t due_days = 10;         // days after a period's end before its report is late
  int64_t min_cell = 5;          // the smallest count shown
  int64_t public_min_cell = 11;  // the same for --public
  // year -> indicator id (report/indicators.h, kTargetIndicators) -> target
  std::map<int, std::map<std::string, int64_t>> targets;
};

Result<PtbaConfig> parse_ptba_config(std::string_view text, const std::string& origin);
Result<PtbaConfig> load_ptba_config(const std::string& path);
// config/ptba.toml as it was at build time.
std::string_view builtin_ptba_toml();

}  // namespace relais::report
