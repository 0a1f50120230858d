#include "service/receiver.h"

#include "service/inbox_export.h"
#include "service/received_message.h"
#include "util/clock.h"
#include "util/json_output.h"

namespace relais {

Receiver::Receiver(AgentContext& ctx, Store& store, Workflow& workflow, HookRunner* hooks, ServiceLog log)
    : ctx_(ctx), store_(store), workflow_(workflow), hooks_(hooks), log_(std::move(log)) {}

void Receiver::handle(BrokerClient& client, const Delivery& d, const std::string& subscription) {
  const std::string record = "record " + std::to_string(d.args.seq) + " (" + subscription + ")";
  ErrorCode code = ErrorCode::kMalformed;
  auto opened = open_received(ctx_, client, d, monotonic_ms() + 3000, &code);
  if (!opened.ok()) {
    log_(record + " rejected: " + opened.status().message());
    client.nack(d.args.sub_id, d.args.seq, code, opened.status().message());
    return;
  }
  const StoredMessage meta = stored_message_of(*opened, subscription, now_ms());
  const std::string text = json_text(opened->message);
  auto put = store_.put_message(meta, text, opened->attachments);
  if (!put.ok()) {
    log_(record + " " + meta.id + " not stored (" + put.status().message() +
         "): not acknowledged, the broker will deliver it again");
    return;
  }
  client.ack(d.args.sub_id, d.args.seq);
  if (!*put) return;  // stored before (a redelivery): acknowledged again, nothing else
  ++stored_;
  log_(record + " stored: " + meta.id + ", " + meta.type + " from " + meta.sender + " on " + meta.topic +
       (opened->expired ? " (expired: kept without its body)" : ""));
  if (opened->expired) return;
  const std::string& dir = ctx_.config.service.inbox_dir;
  if (!dir.empty())
    if (Status s = export_message(dir, meta.id, json_text(opened->message), opened->attachments); !s.ok())
      log_("inbox_dir: " + meta.id + " not written: " + s.message());
  if (hooks_ != nullptr)
    hooks_->submit(meta.id, json_text(hook_input(opened->message, ctx_.config.service.on_message_body)) + "\n");
  if (Status s = workflow_.on_stored(meta, opened->message); !s.ok()) log_("workflow: " + s.message());
}

}  // namespace relais
