// stats_cells_of: the cells of a statistics report (statistics-report/1),
// as the store's stats_cells table holds them for the indicators: one cell
// per count, keyed by the report's period, region and prefecture.
//   table "victims":        key "age_band|gender|exploitation_type|nationality"
//                           (e.g. "9-17|female|child_labour|TG")
//   table "referrals":      keys "made", "accepted", "done"
//   table "alerts_by_kind": one key per kind present ("missing_child", ...)
// A cell is an integer >= 0, or "suppressed" (count nullopt). Two victim rows
// with the same key add up (suppressed when either is).
// The report is expected to have passed its schema; a report that does not
// read as one (a missing field, a cell that is not a count) gives no cells at
// all, never a part of them. Pure function.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/store.h"
#include "util/status.h"

namespace relais {

std::vector<StatsCell> stats_cells_of(const std::string& message_id, const std::string& sender,
                                      const nlohmann::json& report);

}  // namespace relais
