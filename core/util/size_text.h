// A byte count in words for people: "95 bytes", "812 KiB", "3.2 MiB".
// Used wherever a size or a limit is told (attachments, uploads).
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>

namespace relais {

std::string size_in_words(size_t bytes);

}  // namespace relais
