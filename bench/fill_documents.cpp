#include "fill_documents.h"

#include <cstdio>

namespace relais::bench {
namespace {

const char* const kFillKinds[] = {"suspected_trafficking", "missing_child", "border_interception", "child_at_risk"};
const char* const kFillExploitation[] = {"forced_labour", "child_labour", "servitude", "forced_begging",
                                         "sexual_exploitation"};
const char* const kFillGenders[] = {"female", "male"};

int fill_days_in_month(int year, int month) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[month - 1];
}

}  // namespace

std::string fill_alert_kind(size_t i) { return kFillKinds[i % 4]; }

std::string fill_urgency(size_t i) {
  if (i % 20 == 7) return "immediate";
  if (i % 5 == 2) return "urgent";
  return "routine";
}

std::string fill_alert_json(size_t i, const std::string& region, const std::string& prefecture) {
  const int count = 1 + static_cast<int>(i % 6);
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                R"({"kind":"%s","observed_at":"2026-%02d-%02dT%02d:%02d:00Z",)"
                R"("location":{"region":"%s","prefecture":"%s","detail":"Route nationale N1, point %zu"},)"
                R"("description":"%d children seen travelling without their parents with an adult who says he is their uncle (report %zu).",)"
                R"("subject_count":%d,"age_band":"9-17","minor_involved":true,"reliability":"%c","accuracy":%d,)"
                R"("gender":"%s","suspected_exploitation":["%s"],"route":"Kara - frontiere nord, N1"})",
                kFillKinds[i % 4], 1 + static_cast<int>(i % 11), 1 + static_cast<int>(i % 28),
                static_cast<int>(i % 24), static_cast<int>(i % 60), region.c_str(), prefecture.c_str(), i % 97, count,
                i, count, "ABC"[i % 3], 1 + static_cast<int>(i % 4), kFillGenders[i % 2], kFillExploitation[i % 5]);
  return buf;
}

std::string fill_referral_json(size_t i, const std::string& from_org, const std::string& to_org) {
  char buf[1536];
  std::snprintf(buf, sizeof buf,
                R"({"referral_id":"B-%zu","from_org":"%s","to_org":"%s","trafficking_status":"%s",)"
                R"("services_requested":["shelter","psychosocial","family_tracing"],)"
                R"("reason":"Child sheltered overnight after an alert; needs a protection placement and family tracing (case %zu).",)"
                R"("consent":{"given":true,"given_by":"guardian","date":"2026-11-20","scope":["share with social services"]},)"
                R"("is_minor":true,"age_band":"9-17","gender":"%s","citizenship":"TG","exploitation_types":["%s"],)"
                R"("urgent_needs":"medical check, clothes","relationship_to_trafficker":"acquainted","language":"kabiye, fr"})",
                i, from_org.c_str(), to_org.c_str(), i % 3 == 0 ? "actual" : "possible", i, kFillGenders[i % 2],
                kFillExploitation[i % 5]);
  return buf;
}

std::string fill_statistics_json(size_t i, const std::string& region, const std::string& prefecture) {
  const size_t back = i % 84;  // seven years of months
  const int months = 2026 * 12 + 10 - static_cast<int>(back);  // November 2026 back
  const int year = months / 12;
  const int month = months % 12 + 1;
  const int a = 5 + static_cast<int>(i % 9);
  char buf[2048];
  std::snprintf(
      buf, sizeof buf,
      R"({"report_id":"%s-b%zu","period":{"start":"%04d-%02d-01","end":"%04d-%02d-%02d"},"region":"%s","prefecture":"%s",)"
      R"("victims":[{"age_band":"9-17","gender":"male","exploitation_type":"forced_begging","nationality":"TG","count":%d},)"
      R"({"age_band":"0-8","gender":"female","exploitation_type":"child_labour","nationality":"TG","count":5}],)"
      R"("victims_identified":%d,)"
      R"("victims_assisted":{"shelter":5,"medical":%d,"psychosocial":6,"legal":0,"family_tracing":5,"reintegration":0},)"
      R"("justice":{"investigations_opened":5,"prosecutions":"suppressed","convictions":0},)"
      R"("repatriations":[{"direction":"outbound","country":"BF","count":5}],)"
      R"("awareness":{"sessions":5,"people_reached":%d},"trainings":{"sessions":5,"people_trained":48},)"
      R"("referrals":{"made":6,"accepted":5,"done":0},)"
      R"("alerts_by_kind":{"suspected_trafficking":5,"missing_child":0,"border_interception":%d}})",
      prefecture.c_str(), i, year, month, year, month, fill_days_in_month(year, month), region.c_str(),
      prefecture.c_str(), a, a + 5, a, 200 + static_cast<int>(i % 100), a);
  return buf;
}

}  // namespace relais::bench
