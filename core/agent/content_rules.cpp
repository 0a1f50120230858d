#include "agent/content_rules.h"

#include "policy/topic.h"

namespace relais {
namespace {

Status mismatch(const std::string& what, const std::string& doc_value, std::string_view topic_value,
                std::string_view topic) {
  return Status::Invalid("content does not match topic " + std::string(topic) + ": " + what + " is '" + doc_value +
                         "' but the topic says '" + std::string(topic_value) + "'");
}

}  // namespace

std::string document_text(const nlohmann::json& doc, const char* a, const char* b) {
  const nlohmann::json* j = &doc;
  if (!j->is_object() || !j->contains(a)) return {};
  j = &(*j)[a];
  if (b != nullptr) {
    if (!j->is_object() || !j->contains(b)) return {};
    j = &(*j)[b];
  }
  return j->is_string() ? j->get<std::string>() : std::string();
}

Status check_content_matches_topic(DocType versioned_type, std::string_view topic, const nlohmann::json& doc) {
  const DocType type = doc_type_family(versioned_type);  // alert/2 follows the rules of alert/1
  const std::vector<std::string_view> t = split_tokens(topic);
  // An empty token would match a field the document leaves out.
  if (type == DocType::kAlert || type == DocType::kReferral || type == DocType::kStatisticsReport ||
      type == DocType::kStatisticsReportV2)
    for (std::string_view token : t)
      if (token.empty()) return Status::Invalid("topic " + std::string(topic) + " has an empty token");
  switch (type) {
    case DocType::kAlert: {
      if (t.size() != 4 || t[0] != "alert")
        return Status::Invalid("an alert must be sent on alert.<kind>.<region>.<prefecture>, not " + std::string(topic));
      if (std::string v = document_text(doc, "kind"); v != t[1]) return mismatch("kind", v, t[1], topic);
      if (std::string v = document_text(doc, "location", "region"); v != t[2]) return mismatch("location.region", v, t[2], topic);
      if (std::string v = document_text(doc, "location", "prefecture"); v != t[3])
        return mismatch("location.prefecture", v, t[3], topic);
      return Status::Ok();
    }
    case DocType::kReferral: {
      if (t.size() < 2 || t[0] != "referral")
        return Status::Invalid("a referral must be sent on referral.<recipient>, not " + std::string(topic));
      const std::string owner(topic.substr(std::string_view("referral.").size()));
      if (std::string v = document_text(doc, "to_org"); v != owner)
        return Status::Invalid("content does not match topic " + std::string(topic) + ": to_org is '" + v +
                               "' but the inbox belongs to '" + owner + "'");
      return Status::Ok();
    }
    case DocType::kStatisticsReport:
    case DocType::kStatisticsReportV2: {
      if (t.size() != 2 || t[0] != "stats")
        return Status::Invalid("a statistics report must be sent on stats.<prefecture>, not " + std::string(topic));
      if (std::string v = document_text(doc, "prefecture"); v != t[1]) return mismatch("prefecture", v, t[1], topic);
      return Status::Ok();
    }
    case DocType::kEscalation:
      if (t.size() < 3 || t[0] != "escalation")
        return Status::Invalid("an escalation must be sent on escalation.<your participant name>, not " +
                               std::string(topic));
      return Status::Ok();
    case DocType::kReferralResponse:
    case DocType::kCaseUpdate:
    case DocType::kAlertV2:
    case DocType::kReferralV2:
    case DocType::kCaseUpdateV2:
      return Status::Ok();
  }
  return Status::Ok();
}

}  // namespace relais
