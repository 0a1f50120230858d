#include "service/reply.h"

#include "util/clock.h"

namespace relais {

Result<PublishRequest> reply_request(Store& store, const std::string& message_id, const std::string& type,
                                     const std::string& document_text, int64_t now_ms) {
  if (type != "referral-response" && type != "case-update")
    return Status::Usage("reply --type must be referral-response or case-update");
  auto found = store.message(message_id);
  if (!found.ok()) return found.status();
  if (!*found)
    return Status::Invalid("no received message has the id " + message_id +
                           ": reply answers a message in your inbox (relais-agent inbox lists them)");
  const StoredMessage& m = **found;
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(document_text);
  } catch (const nlohmann::json::exception&) {
    return Status::Invalid("the document is not valid JSON");
  }
  if (!doc.is_object()) return Status::Invalid("the document must be a JSON object");
  if (type == "referral-response") {
    if (!doc.contains("referral_id") && m.type == "referral" && m.status != "expired") {
      auto opened = store.open_message(m.id);
      if (!opened.ok()) return opened.status();
      try {
        const auto msg = nlohmann::json::parse(*opened);
        if (auto b = msg.find("body"); b != msg.end() && b->is_object() && b->contains("referral_id"))
          doc["referral_id"] = (*b)["referral_id"];
      } catch (const nlohmann::json::exception&) {
        return Status::Corruption("the stored message " + m.id + " does not read as JSON");
      }
    }
    if (!doc.contains("responded_at")) doc["responded_at"] = format_rfc3339_ms(now_ms);
  } else if (!doc.contains("case_ref") && !m.case_ref.empty()) {
    doc["case_ref"] = m.case_ref;
  }
  PublishRequest req;
  req.topic = "response." + m.sender;
  req.type = type;
  req.json_text = doc.dump();
  req.in_reply_to = m.id;
  if (!m.case_ref.empty()) req.case_ref = m.case_ref;
  return req;
}

}  // namespace relais
