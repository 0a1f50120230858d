#include "service/workflow.h"

#include "service/escalation.h"
#include "service/outbox_queue.h"
#include "store/stats_cells.h"
#include "util/json_output.h"

namespace relais {

Workflow::Workflow(const AgentContext& ctx, Store& store, const ServiceConfig& config, ServiceLog log)
    : ctx_(ctx), store_(store), config_(config), log_(std::move(log)) {}

Status Workflow::start(int64_t now_ms) {
  auto logged = store_.outbox("logged");
  if (!logged.ok()) return logged.status();
  for (const OutboxEntry& e : *logged) {
    if (e.escalate_at_ms != 0 || !e.escalation_id.empty() || settles_referral(e.answer_status)) continue;
    if (int64_t at = escalate_at_ms(e, config_); at != 0) RELAIS_RETURN_IF_ERROR(store_.set_escalate_at(e.id, at));
  }
  return tick(now_ms);
}

Status Workflow::on_stored(const StoredMessage& meta, const nlohmann::ordered_json& message) {
  if (meta.status == "expired") return Status::Ok();
  const auto body = message.find("body");
  if (body == message.end() || !body->is_object()) return Status::Ok();
  if (meta.type == "statistics-report") {
    const auto cells = stats_cells_of(meta.id, meta.sender, nlohmann::json::parse(json_text(*body)));
    if (!cells.empty()) RELAIS_RETURN_IF_ERROR(store_.put_stats_cells(cells));
    return Status::Ok();
  }
  if (meta.type != "referral-response" || meta.in_reply_to.empty()) return Status::Ok();
  auto sent = store_.outbox_entry(meta.in_reply_to);
  if (!sent.ok()) return sent.status();
  if (!*sent || (*sent)->type != "referral") return Status::Ok();
  const auto st = body->find("status");
  if (st == body->end() || !st->is_string()) return Status::Ok();
  const std::string status = st->get<std::string>();
  if (answer_rank(status) == 0 || answer_rank(status) < answer_rank((*sent)->answer_status)) return Status::Ok();
  RELAIS_RETURN_IF_ERROR(store_.set_answer_status((*sent)->id, status));
  if (settles_referral(status) && (*sent)->escalate_at_ms != 0) RELAIS_RETURN_IF_ERROR(store_.set_escalate_at((*sent)->id, 0));
  log_("referral " + (*sent)->id + " answered " + status + " by " + meta.sender);
  return Status::Ok();
}

Status Workflow::on_logged(const OutboxEntry& entry, int64_t now_ms) {
  OutboxEntry e = entry;
  e.status = "logged";
  if (e.logged_ms == 0) e.logged_ms = now_ms;
  if (int64_t at = escalate_at_ms(e, config_); at != 0) return store_.set_escalate_at(e.id, at);
  return Status::Ok();
}

Status Workflow::tick(int64_t now_ms) {
  RELAIS_RETURN_IF_ERROR(answer_received(now_ms));
  return escalate(now_ms);
}

Status Workflow::answer_received(int64_t now_ms) {
  auto awaiting = store_.referrals_awaiting_auto_response();
  if (!awaiting.ok()) return awaiting.status();
  if (awaiting->empty()) return Status::Ok();
  // Every response of this tick queued under one sync (a backlog of
  // referrals after a night offline), logged once committed.
  auto batch = store_.begin_batch("queue the automatic responses");
  if (!batch.ok()) return batch.status();
  std::vector<std::string> queued;
  for (const StoredMessage& m : *awaiting) {
    if (m.status == "expired") continue;
    // An entry already replying (a stop between queuing it and recording it).
    auto existing = store_.outbox_reply_id("auto-received", m.id);
    if (!existing.ok()) return existing.status();
    if (!existing->empty()) {
      RELAIS_RETURN_IF_ERROR(store_.set_auto_response(m.id, *existing));
      continue;
    }
    std::string referral_id;
    auto opened = store_.open_message(m.id);
    if (!opened.ok()) return opened.status();
    try {
      const auto msg = nlohmann::json::parse(*opened);
      if (auto b = msg.find("body"); b != msg.end() && b->is_object())
        if (auto r = b->find("referral_id"); r != b->end() && r->is_string()) referral_id = r->get<std::string>();
    } catch (const nlohmann::json::exception&) {
    }
    if (referral_id.empty()) referral_id = m.id;  // a stored referral always has one (its schema requires it)
    PublishRequest req;
    req.topic = "response." + m.sender;
    req.type = "referral-response";
    req.json_text = received_response_document(referral_id, now_ms).dump();
    req.in_reply_to = m.id;
    if (!m.case_ref.empty()) req.case_ref = m.case_ref;
    req.handling = m.handling.empty() ? "H2" : m.handling;
    auto e = queue_document(ctx_, store_, req, "auto-received", now_ms, /*check=*/false);
    if (!e.ok()) return e.status();
    RELAIS_RETURN_IF_ERROR(store_.set_auto_response(m.id, e->id));
    queued.push_back("referral " + m.id + " from " + m.sender + ": response \"received\" queued as " + e->id);
  }
  RELAIS_RETURN_IF_ERROR(batch->commit());
  for (const std::string& line : queued) log_(line);
  return Status::Ok();
}

Status Workflow::escalate(int64_t now_ms) {
  auto due = store_.due_escalations(now_ms);
  if (!due.ok()) return due.status();
  for (const OutboxEntry& r : *due) {
    if (!escalation_due(r, now_ms)) continue;  // e.g. settled by "done" alone
    auto existing = store_.outbox_reply_id("escalation", r.id);
    if (!existing.ok()) return existing.status();
    if (!existing->empty()) {
      RELAIS_RETURN_IF_ERROR(store_.set_escalation(r.id, *existing));
      continue;
    }
    const int64_t deadline = escalation_deadline_ms(r.type, r.urgency, config_).value_or(0);
    PublishRequest req;
    req.topic = "escalation." + ctx_.identity.card.name;
    req.type = "escalation";
    req.json_text = escalation_document(r, now_ms, deadline).dump();
    req.in_reply_to = r.id;
    if (!r.case_ref.empty()) req.case_ref = r.case_ref;
    req.urgency = r.urgency;
    auto e = queue_document(ctx_, store_, req, "escalation", now_ms, /*check=*/false);
    if (!e.ok()) return e.status();
    RELAIS_RETURN_IF_ERROR(store_.set_escalation(r.id, e->id));
    const int64_t sent = r.logged_ms > 0 ? r.logged_ms : r.created_ms;
    log_("referral " + r.id + " to " + referral_recipient(r.topic) + " not accepted or rejected after " +
         std::to_string((now_ms - sent) / 60000) + " minutes: escalation queued as " + e->id);
  }
  return Status::Ok();
}

}  // namespace relais
