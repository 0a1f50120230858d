// Calendar days for the indicators: a date written YYYY-MM-DD as a day
// number (days since 1970-01-01, proleptic Gregorian, UTC), and back.
// Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace relais::report {

// The day of a real date written YYYY-MM-DD (2026-02-30 is not one).
std::optional<int64_t> parse_day(std::string_view text);
// "2026-03-01".
std::string format_day(int64_t day);
// The day that holds ms since the epoch (UTC).
int64_t day_of_ms(int64_t ms);

struct YearMonth {
  int year = 0;
  int month = 0;  // 1..12
};
YearMonth year_month(int64_t day);
// The first day of that month (month may run past 12 or below 1: it carries).
int64_t first_day_of(int year, int month);
// "2026-03".
std::string format_month(YearMonth ym);

}  // namespace relais::report
