#include "service/desk_actions.h"

#include <cstring>

#include "service/outbox_queue.h"
#include "service/reply.h"

namespace relais {
namespace {

SecretBytes copy_secret(const SecretBytes& s) {
  SecretBytes out(s.size());
  if (s.size() > 0) std::memcpy(out.data(), s.data(), s.size());
  return out;
}

}  // namespace

DeskActions::DeskActions(const AgentContext& ctx) {
  own_.config = ctx.config;
  own_.identity.card = ctx.identity.card;
  own_.identity.sign_sk = copy_secret(ctx.identity.sign_sk);
  own_.identity.link_sk = copy_secret(ctx.identity.link_sk);
  own_.identity.seal_sk = copy_secret(ctx.identity.seal_sk);
  own_.schemas = ctx.schemas;
  own_.warn = [](const std::string&) {};
  std::lock_guard lock(mu_);
  take_bundle_locked(ctx);
}

void DeskActions::refresh(const AgentContext& ctx) {
  std::lock_guard lock(mu_);
  if (ctx.bundle.serial == own_.bundle.serial && ctx.broker_serial == own_.broker_serial) return;
  take_bundle_locked(ctx);
}

void DeskActions::take_bundle_locked(const AgentContext& ctx) {
  own_.bundle = ctx.bundle;
  own_.broker_serial = ctx.broker_serial;
  auto dir = std::make_shared<desk::ComposeDirectory>();
  dir->self = own_.identity.card.name;
  dir->region = own_.identity.card.region;
  dir->prefecture = own_.identity.card.prefecture;
  dir->locations = own_.bundle.locations;
  dir->serial = own_.bundle.serial;
  for (const auto& p : own_.bundle.participants)
    if (p.name != dir->self && !p.revoked && p.role != Role::kBroker) dir->participants.push_back(p.name);
  directory_ = std::move(dir);
}

std::shared_ptr<const desk::ComposeDirectory> DeskActions::directory() const {
  std::lock_guard lock(mu_);
  return directory_;
}

Result<OutboxEntry> DeskActions::send(Store& store, const desk::ComposeRequest& request, int64_t now_ms) {
  std::lock_guard lock(mu_);
  PublishRequest req;
  if (!request.reply_to.empty()) {
    auto r = reply_request(store, request.reply_to, request.type, request.document, now_ms);
    if (!r.ok()) return r.status();
    req = std::move(*r);
  } else {
    req.topic = request.topic;
    req.type = request.type;
    req.json_text = request.document;
  }
  req.urgency = request.urgency;
  req.handling = request.handling;
  req.attachments = request.attachments;  // queued with the document, sealed with it
  return queue_document(own_, store, std::move(req), "user", now_ms, true);
}

}  // namespace relais
