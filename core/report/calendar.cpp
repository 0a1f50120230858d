#include "report/calendar.h"

#include <cstdio>

namespace relais::report {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

}  // namespace

std::optional<int64_t> parse_day(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
  auto digits = [&](size_t at, size_t n) -> std::optional<unsigned> {
    unsigned v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (t[i] < '0' || t[i] > '9') return std::nullopt;
      v = v * 10 + static_cast<unsigned>(t[i] - '0');
    }
    return v;
  };
  auto y = digits(0, 4), m = digits(5, 2), d = digits(8, 2);
  if (!y || !m || !d || *m < 1 || *m > 12 || *d < 1) return std::nullopt;
  const int64_t day = days_from_civil(*y, *m, *d);
  if (format_day(day) != t) return std::nullopt;  // 2026-02-30
  return day;
}

std::string format_day(int64_t day) {
  int64_t y;
  unsigned m, d;
  civil_from_days(day, &y, &m, &d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

int64_t day_of_ms(int64_t ms) { return ms / 86400000 - (ms < 0 && ms % 86400000 != 0 ? 1 : 0); }

YearMonth year_month(int64_t day) {
  int64_t y;
  unsigned m, d;
  civil_from_days(day, &y, &m, &d);
  return {static_cast<int>(y), static_cast<int>(m)};
}

int64_t first_day_of(int year, int month) {
  int y = year + (month - 1 >= 0 ? (month - 1) / 12 : (month - 12) / 12);
  int m = ((month - 1) % 12 + 12) % 12 + 1;
  return days_from_civil(y, static_cast<unsigned>(m), 1);
}

std::string format_month(YearMonth ym) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d", ym.year, ym.month);
  return buf;
}

}  // namespace relais::report
