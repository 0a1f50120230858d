// The schemas/*.schema.json files, compiled into relais_schema at build time
// (see embed_schemas.cmake), so installed programs never read the source tree.
#pragma once

#include <string_view>

namespace relais {

// The text of an embedded schema file by its name ("alert.v1.schema.json"),
// or an empty view if no such file was embedded. The text lives for the
// whole program.
std::string_view embedded_schema(std::string_view file_name);

}  // namespace relais
