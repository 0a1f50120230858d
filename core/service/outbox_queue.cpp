#include "service/outbox_queue.h"

#include "crypto/uuid.h"
#include "schema/registry.h"

namespace relais {

Result<OutboxEntry> queue_document(const AgentContext& ctx, Store& store, PublishRequest req, const std::string& origin,
                                   int64_t now_ms, bool check) {
  auto type = parse_doc_type(req.type);
  if (!type.ok()) return type.status();
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(req.json_text);
  } catch (const nlohmann::json::exception&) {
    return Status::Invalid("the document is not valid JSON");
  }
  auto case_ref = envelope_case_ref(*type, doc, req.case_ref);
  if (!case_ref.ok()) return case_ref.status();
  req.case_ref = *case_ref;
  int64_t ttl = kDefaultExpiryMs;
  if (req.ttl_ms) {
    ttl = *req.ttl_ms;
  } else if (auto it = ctx.bundle.policy.expiry_ms().find(doc_type_versioned(*type));
             it != ctx.bundle.policy.expiry_ms().end()) {
    ttl = it->second;
  }
  req.expires_ms = now_ms + ttl;
  req.id = uuid_to_string(new_uuid_v7(now_ms));
  if (check) {
    auto env = prepare_envelope(ctx, req);
    if (!env.ok()) return env.status();
  }
  OutboxEntry e;
  e.id = *req.id;
  e.topic = req.topic;
  e.type = std::string(doc_type_name(*type));
  e.urgency = req.urgency;
  e.handling = req.handling;
  e.case_ref = req.case_ref.value_or("");
  e.in_reply_to = req.in_reply_to.value_or("");
  e.created_ms = now_ms;
  e.expires_ms = *req.expires_ms;
  e.origin = origin;
  RELAIS_RETURN_IF_ERROR(store.enqueue(e, req.json_text, req.attachments));
  return e;
}

PublishRequest request_for(const OutboxEntry& entry, std::string document) {
  PublishRequest r;
  r.topic = entry.topic;
  r.type = entry.type;
  r.json_text = std::move(document);
  r.urgency = entry.urgency;
  r.handling = entry.handling;
  if (!entry.case_ref.empty()) r.case_ref = entry.case_ref;
  if (!entry.in_reply_to.empty()) r.in_reply_to = entry.in_reply_to;
  r.id = entry.id;
  r.expires_ms = entry.expires_ms;
  return r;
}

}  // namespace relais
