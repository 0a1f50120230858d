#include "schema/format.h"

namespace relais {
namespace {

bool digits(std::string_view s, size_t at, size_t n, int* out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// Parses partial-time + time-offset starting at s[0]; returns minutes of day
// in UTC through utc_minutes and the seconds value through sec.
bool parse_time(std::string_view s, int* utc_minutes, int* sec) {
  int h, m, sc;
  if (!digits(s, 0, 2, &h) || s.size() < 3 || s[2] != ':' || !digits(s, 3, 2, &m) ||
      s.size() < 6 || s[5] != ':' || !digits(s, 6, 2, &sc)) {
    return false;
  }
  if (h > 23 || m > 59 || sc > 60) return false;
  size_t i = 8;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return false;
  }
  if (i >= s.size()) return false;
  int offset = 0;
  if (s[i] == 'Z' || s[i] == 'z') {
    ++i;
  } else if (s[i] == '+' || s[i] == '-') {
    int oh, om;
    if (!digits(s, i + 1, 2, &oh) || i + 3 >= s.size() || s[i + 3] != ':' ||
        !digits(s, i + 4, 2, &om)) {
      return false;
    }
    if (oh > 23 || om > 59) return false;
    offset = (oh * 60 + om) * (s[i] == '+' ? 1 : -1);
    i += 6;
  } else {
    return false;
  }
  if (i != s.size()) return false;
  *utc_minutes = ((h * 60 + m - offset) % 1440 + 1440) % 1440;
  *sec = sc;
  return true;
}

}  // namespace

bool is_rfc3339_date(std::string_view s) {
  int y, m, d;
  if (s.size() != 10 || !digits(s, 0, 4, &y) || s[4] != '-' || !digits(s, 5, 2, &m) ||
      s[7] != '-' || !digits(s, 8, 2, &d)) {
    return false;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  const int max = kDays[m - 1] + (m == 2 && leap(y) ? 1 : 0);
  return d <= max;
}

bool is_rfc3339_time(std::string_view s) {
  int utc, sec;
  if (!parse_time(s, &utc, &sec)) return false;
  return sec < 60 || utc == 23 * 60 + 59;
}

bool is_rfc3339_date_time(std::string_view s) {
  if (s.size() < 11 || !is_rfc3339_date(s.substr(0, 10))) return false;
  if (s[10] != 'T' && s[10] != 't') return false;
  return is_rfc3339_time(s.substr(11));
}

}  // namespace relais
