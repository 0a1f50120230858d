// The label catalogs schemas/i18n/*.json and the desk's assets
// (core/desk/assets/: CSS, JavaScript, icons), compiled into relais_desk at
// build time (cmake/embed_files.cmake), so the desk serves everything from
// its own origin and installed programs never read the source tree.
#pragma once

#include <string_view>
#include <vector>

namespace relais {

// The text of schemas/i18n/NAME ("fr.json"), or empty when absent.
std::string_view embedded_i18n(std::string_view name);
std::vector<std::string_view> embedded_i18n_names();
// The bytes of core/desk/assets/NAME ("desk.css"), or empty when absent.
std::string_view embedded_asset(std::string_view name);
std::vector<std::string_view> embedded_asset_names();

}  // namespace relais
