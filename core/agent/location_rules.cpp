// Locations and periods against the signed location table (see location_rules.h).
#include "agent/location_rules.h"

#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "agent/content_rules.h"

namespace relais {
namespace {

// Days since 1970-01-01 of a YYYY-MM-DD date, or nothing if it is not one.
std::optional<int64_t> day_number(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int y = 0, m = 0, d = 0;
  auto num = [](std::string_view t, int* out) {
    auto r = std::from_chars(t.data(), t.data() + t.size(), *out);
    return r.ec == std::errc() && r.ptr == t.data() + t.size();
  };
  if (!num(s.substr(0, 4), &y) || !num(s.substr(5, 2), &m) || !num(s.substr(8, 2), &d)) return std::nullopt;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (m < 1 || m > 12 || d < 1 || d > kDays[m - 1] + (m == 2 && leap ? 1 : 0)) return std::nullopt;
  // Days from civil (proleptic Gregorian).
  const int yy = y - (m <= 2 ? 1 : 0);
  const int era = (yy >= 0 ? yy : yy - 399) / 400;
  const int yoe = yy - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int64_t>(era) * 146097 + doe - 719468;
}

Status check_period(const nlohmann::json& doc, int64_t now_ms) {
  const std::string start = document_text(doc, "period", "start"), end = document_text(doc, "period", "end");
  if (start.empty() && end.empty()) return Status::Ok();  // the schema requires them; it says so itself
  const auto s = day_number(start), e = day_number(end);
  if (!s) return Status::Invalid("period.start: '" + start + "' is not a date written as year-month-day, like 2026-01-31");
  if (!e) return Status::Invalid("period.end: '" + end + "' is not a date written as year-month-day, like 2026-01-31");
  if (*e < *s)
    return Status::Invalid("period: it ends (" + end + ") before it starts (" + start +
                           "); swap the two dates or correct one of them");
  const int64_t today = now_ms / 86400000 - (now_ms < 0 && now_ms % 86400000 != 0 ? 1 : 0);
  if (*e > today)
    return Status::Invalid("period: it ends on " + end +
                           ", which is in the future; send the report once the period is over");
  return Status::Ok();
}

}  // namespace

Status check_document_locations(DocType versioned_type, const nlohmann::json& doc, const Locations& locations,
                                int64_t now_ms) {
  const DocType type = doc_type_family(versioned_type);  // alert/2 follows the rules of alert/1
  switch (type) {
    case DocType::kAlert:
      return check_place(document_text(doc, "location", "region"), document_text(doc, "location", "prefecture"), locations,
                         "location");
    case DocType::kStatisticsReport:
    case DocType::kStatisticsReportV2:
      if (Status st = check_place(document_text(doc, "region"), document_text(doc, "prefecture"), locations, "region and prefecture");
          !st.ok())
        return st;
      return check_period(doc, now_ms);
    case DocType::kReferral:
    case DocType::kReferralResponse:
    case DocType::kCaseUpdate:
    case DocType::kEscalation:
    case DocType::kAlertV2:
    case DocType::kReferralV2:
    case DocType::kCaseUpdateV2:
      return Status::Ok();
  }
  return Status::Ok();
}

}  // namespace relais
