// The "format" keyword values Relais checks (RFC 3339 §5.6). Pure functions.
#pragma once

#include <string_view>

namespace relais {

// full-date: "2024-02-29" (month days and leap years checked).
bool is_rfc3339_date(std::string_view s);
// date-time: full-date "T" partial-time time-offset; 'T' and 'Z' in either
// case; fractional seconds; a leap second only at 23:59:60 UTC.
bool is_rfc3339_date_time(std::string_view s);
// full-time: partial-time time-offset ("08:30:06Z").
bool is_rfc3339_time(std::string_view s);

}  // namespace relais
