#include "service/received_message.h"

namespace relais {
namespace {

std::string text_of(const nlohmann::ordered_json& m, const char* key) {
  auto it = m.find(key);
  return it != m.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

StoredMessage stored_message_of(const OpenedDelivery& opened, const std::string& subscription, int64_t received_ms) {
  const nlohmann::ordered_json& m = opened.message;
  StoredMessage s;
  s.id = opened.id;
  s.seq = m.value("seq", uint64_t{0});
  s.subscription = subscription;
  s.sender = text_of(m, "from");
  s.topic = text_of(m, "topic");
  s.type = text_of(m, "type");
  s.case_ref = text_of(m, "case_ref");
  s.urgency = text_of(m, "urgency");
  s.handling = text_of(m, "handling");
  s.in_reply_to = text_of(m, "in_reply_to");
  s.ts_ms = opened.ts_ms;
  s.expires_ms = opened.expires_ms;
  s.received_ms = received_ms;
  s.status = opened.expired ? "expired" : "new";
  return s;
}

nlohmann::ordered_json hook_input(const nlohmann::ordered_json& message, bool with_body) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (auto it = message.begin(); it != message.end(); ++it)
    if (it.key() != "body" || with_body) out[it.key()] = it.value();
  // Without the body, a hook still learns that files came and how large
  // (never their names, which may name a person, nor their bytes).
  if (!with_body) {
    auto body = message.find("body");
    if (body != message.end() && body->is_object()) {
      auto list = body->find("attachments");
      if (list != body->end() && list->is_array() && !list->empty()) {
        nlohmann::ordered_json files = nlohmann::ordered_json::array();
        for (const auto& a : *list)
          if (a.is_object()) files.push_back({{"media_type", a.value("media_type", "")}, {"size", a.value("size", 0)}});
        out["attachments"] = files;
      }
    }
  }
  return out;
}

}  // namespace relais
