// Wall-clock time in milliseconds since the Unix epoch, and RFC 3339 text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace relais {

int64_t now_ms();
int64_t monotonic_ms();
int64_t monotonic_us();

// "2026-11-28T17:03:04.123Z" (UTC, milliseconds).
std::string format_rfc3339_ms(int64_t ms);

// Parses an RFC 3339 date-time ("2026-11-28T17:03:04Z", fractional seconds
// and numeric offsets allowed) into ms since the epoch.
Result<int64_t> parse_rfc3339(std::string_view text);

}  // namespace relais
