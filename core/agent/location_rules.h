// Locations and periods must be real: a document's regions and prefectures
// must be in the location table the trust bundle signs
// (policy/locations.h), and a statistics period must be a real past span.
//
//   alert              location.region / location.prefecture: a known
//                      region, and a prefecture of that region
//   statistics-report  region / prefecture the same way; period.start and
//                      period.end are dates (YYYY-MM-DD), start <= end, and
//                      end is not after today (UTC) at now_ms
//   other types        nothing to check
// Topics are checked the same way by check_topic_locations
// (policy/topic_locations.h, included here), which the broker shares.
// Errors are Status::Invalid in plain words ("'kara.golfe' is not a
// prefecture of region kara: golfe is in region maritime"), never a pattern.
// Pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string_view>

#include "policy/locations.h"
#include "policy/topic_locations.h"
#include "schema/registry.h"
#include "util/status.h"

namespace relais {

Status check_document_locations(DocType type, const nlohmann::json& doc, const Locations& locations, int64_t now_ms);

}  // namespace relais
