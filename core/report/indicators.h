// The indicators of the commission's annual budgeted work plan (PTBA), as
// the statistics cells (store/stats_cells.h) carry them, and the fixed
// breakdowns of the report. An indicator id is "table.key" of its cells
// ("justice.convictions"), except the repatriations, which add up every
// country of one direction ("repatriations.inbound"). Labels are in the
// catalogs under "report.indicator.<id>", "field.<kind>" and
// "report.exploitation.<type>".
#pragma once

#include <array>
#include <string_view>

namespace relais::report {

// Indicators shown per group (rows of the "indicators" table), in order.
inline constexpr std::array<std::string_view, 17> kGroupIndicators = {
    "justice.investigations_opened",   "justice.prosecutions",          "justice.convictions",
    "victims_identified.total",        "victims_assisted.shelter",      "victims_assisted.medical",
    "victims_assisted.psychosocial",   "victims_assisted.legal",        "victims_assisted.family_tracing",
    "victims_assisted.reintegration",  "awareness.sessions",            "awareness.people_reached",
    "trainings.sessions",              "trainings.people_trained",      "referrals.made",
    "referrals.accepted",              "referrals.done"};

// Every indicator that may have a target (config/ptba.toml).
inline constexpr std::array<std::string_view, 19> kTargetIndicators = {
    "justice.investigations_opened",   "justice.prosecutions",          "justice.convictions",
    "victims_identified.total",        "victims_assisted.shelter",      "victims_assisted.medical",
    "victims_assisted.psychosocial",   "victims_assisted.legal",        "victims_assisted.family_tracing",
    "victims_assisted.reintegration",  "repatriations.inbound",         "repatriations.outbound",
    "awareness.sessions",              "awareness.people_reached",      "trainings.sessions",
    "trainings.people_trained",        "referrals.made",                "referrals.accepted",
    "referrals.done"};

inline constexpr std::array<std::string_view, 5> kAlertKinds = {
    "suspected_trafficking", "missing_child", "border_interception", "child_at_risk", "other"};

inline constexpr std::array<std::string_view, 11> kExploitationTypes = {
    "forced_labour",   "sexual_exploitation", "child_labour",   "forced_marriage",
    "servitude",       "forced_military",     "organ_removal",  "forced_begging",
    "forced_adoption", "surrogacy",           "other"};

inline constexpr std::array<std::string_view, 2> kDirections = {"inbound", "outbound"};

}  // namespace relais::report
