// config/ptba.toml compiled into relais_report at build time
// (cmake/embed_files.cmake), so installed programs have the sample settings
// and targets without the source tree.
#pragma once

#include <string_view>
#include <vector>

namespace relais {

// The bytes of config/NAME ("ptba.toml"), or empty when absent.
std::string_view embedded_ptba(std::string_view name);
std::vector<std::string_view> embedded_ptba_names();

}  // namespace relais
