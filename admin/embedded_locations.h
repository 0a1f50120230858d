// The default location data (config/locations.csv at build time), compiled
// into relais-admin by admin/embed_locations.cmake. Static storage; never empty.
#pragma once

#include <string_view>

namespace relais::admin {

std::string_view embedded_locations_csv();

}  // namespace relais::admin
