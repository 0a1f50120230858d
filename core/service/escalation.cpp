#include "service/escalation.h"

#include <algorithm>

#include "util/clock.h"

namespace relais {

std::optional<int64_t> escalation_deadline_ms(const std::string& type, const std::string& urgency,
                                              const ServiceConfig& config) {
  if (type != "referral") return std::nullopt;
  if (urgency == "immediate") return config.escalate_immediate_ms;
  if (urgency == "urgent") return config.escalate_urgent_ms;
  return std::nullopt;
}

int64_t escalate_at_ms(const OutboxEntry& entry, const ServiceConfig& config) {
  auto deadline = escalation_deadline_ms(entry.type, entry.urgency, config);
  if (!deadline || entry.status != "logged") return 0;
  const int64_t sent = entry.logged_ms > 0 ? entry.logged_ms : entry.created_ms;
  return sent + *deadline;
}

int answer_rank(const std::string& s) {
  if (s == "received") return 1;
  if (s == "accepted" || s == "rejected") return 2;
  if (s == "done" || s == "revoked") return 3;
  return 0;
}

bool settles_referral(const std::string& answer_status) { return answer_rank(answer_status) >= 2; }

bool escalation_due(const OutboxEntry& e, int64_t now_ms) {
  return e.type == "referral" && e.status == "logged" && e.escalate_at_ms != 0 && e.escalate_at_ms <= now_ms &&
         e.escalation_id.empty() && !settles_referral(e.answer_status);
}

std::string referral_recipient(const std::string& topic) {
  const std::string prefix = "referral.";
  return topic.rfind(prefix, 0) == 0 ? topic.substr(prefix.size()) : std::string();
}

namespace {

bool case_ref_fits(const std::string& ref) {
  if (ref.empty() || ref.size() > 64) return false;
  return std::all_of(ref.begin(), ref.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == ':' || c == '-';
  });
}

}  // namespace

nlohmann::json escalation_document(const OutboxEntry& referral, int64_t now_ms, int64_t deadline_ms) {
  const int64_t sent = referral.logged_ms > 0 ? referral.logged_ms : referral.created_ms;
  const int64_t elapsed_min = std::max<int64_t>(0, now_ms - sent) / 60000;
  const std::string recipient = referral_recipient(referral.topic);
  nlohmann::json doc = {{"about_id", referral.id},
                        {"reason", referral.answer_status.empty() ? "not_acknowledged" : "not_answered"},
                        {"raised_at", format_rfc3339_ms(now_ms)}};
  if (case_ref_fits(referral.case_ref)) doc["case_ref"] = referral.case_ref;
  doc["note"] = "No accepted or rejected response from " + (recipient.empty() ? referral.topic : recipient) + " " +
                std::to_string(elapsed_min) + " minutes after this " + referral.urgency +
                " referral was sent (deadline " + std::to_string(deadline_ms / 60000) + " minutes).";
  return doc;
}

nlohmann::json received_response_document(const std::string& referral_id, int64_t now_ms) {
  return {{"referral_id", referral_id}, {"status", "received"}, {"responded_at", format_rfc3339_ms(now_ms)}};
}

}  // namespace relais
