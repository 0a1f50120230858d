#include "util/expires_in.h"

#include <string>

namespace relais {

Result<int64_t> parse_expires_in(std::string_view text) {
  const Status usage = Status::Usage("--expires-in takes a whole number followed by m, h or d (minutes, hours, days), "
                                     "such as 90m or 30d; got '" + std::string(text.substr(0, 32)) + "'");
  if (text.size() < 2 || text.size() > 12) return usage;
  int64_t unit = 0;
  switch (text.back()) {
    case 'm': unit = 60000; break;
    case 'h': unit = 3600000; break;
    case 'd': unit = 86400000; break;
    default: return usage;
  }
  int64_t n = 0;
  for (char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9') return usage;
    n = n * 10 + (c - '0');
    if (n > 10LL * 366 * 1440) return Status::Usage("--expires-in is longer than 10 years: give a shorter duration, such as 30d");
  }
  if (n == 0) return Status::Usage("--expires-in must be at least 1m, such as 90m or 30d");
  const int64_t ms = n * unit;
  if (ms > 10LL * 366 * 86400000) return Status::Usage("--expires-in is longer than 10 years: give a shorter duration, such as 30d");
  return ms;
}

}  // namespace relais
