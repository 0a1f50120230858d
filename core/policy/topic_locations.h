// Places named in topics must be real: the region and prefecture tokens of
// alert.<kind>.<region>.<prefecture> and the prefecture token of
// stats.<prefecture> must be in the location table the trust bundle signs
// (policy/locations.h), the prefecture in that region. Other topics pass.
// The broker checks this at ingest and the agent before sending.
//
// check_place is the shared rule (also used for the places named inside
// documents, agent/location_rules.h): empty values are not checked; a value
// that is not a slug, an unknown region or prefecture, or a prefecture of
// another region is Status::Invalid in plain words, prefixed by `where`
// ("topic alert.x.kara.golfe: 'kara.golfe' is not a prefecture of region
// kara: golfe is in region maritime"), never a pattern.
// Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "policy/locations.h"
#include "util/status.h"

namespace relais {

Status check_place(std::string_view region, std::string_view prefecture, const Locations& locations,
                   const std::string& where);

Status check_topic_locations(std::string_view topic, const Locations& locations);

}  // namespace relais
