#include "util/size_text.h"

#include <cstdio>

namespace relais {

std::string size_in_words(size_t n) {
  char buf[32];
  if (n >= (size_t{1} << 20)) {
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(n) / static_cast<double>(size_t{1} << 20));
  } else if (n >= 1024) {
    std::snprintf(buf, sizeof buf, "%zu KiB", n / 1024);
  } else {
    std::snprintf(buf, sizeof buf, "%zu bytes", n);
  }
  return buf;
}

}  // namespace relais
