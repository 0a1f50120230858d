// stats_cells_of: the cells of a statistics report (statistics-report/1 or
// /2), as the store's stats_cells table holds them for the indicators: one
// cell per count, keyed by the report's period, region and prefecture.
//   table "victims":        key "age_band|gender|exploitation_type|nationality"
//                           (e.g. "9-17|female|child_labour|TG")
//   table "referrals":      keys "made", "accepted", "done"
//   table "alerts_by_kind": one key per kind present ("missing_child", ...)
// Version 2 (a report with a report_id) adds:
//   table "report":             key "report_id=<id>", and "supersedes=<id>"
//                               when it replaces another report (count 0:
//                               these two are identities, not counts)
//   table "victims_identified": key "total"
//   table "victims_assisted":   keys "shelter", "medical", "psychosocial",
//                               "legal", "family_tracing", "reintegration"
//   table "justice":            keys "investigations_opened", "prosecutions",
//                               "convictions"
//   table "repatriations":      key "direction|country" ("inbound|BJ")
//   table "awareness":          keys "sessions", "people_reached"
//   table "trainings":          keys "sessions", "people_trained"
// A cell is an integer >= 0, or "suppressed" (count nullopt). Two victim (or
// repatriation) rows with the same key add up (suppressed when either is).
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
