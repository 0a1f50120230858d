#include "service/receiver.h"

#include "service/inbox_export.h"
#include "service/received_message.h"
#include "util/clock.h"
#include "util/json_output.h"

namespace relais {

Receiver::Receiver(AgentContext& ctx, Store& store, Workflow& workflow, HookRunner* hooks, ServiceLog log)
    : ctx_(ctx), store_(store), workflow_(workflow), hooks_(hooks), log_(std::move(log)) {}

void Receiver::handle(BrokerClient& client, const Delivery& delivery, const std::string& subscription) {
  handle_burst(client, {Received{delivery, subscription}});
}

void Receiver::handle_burst(BrokerClient& client, const std::vector<Received>& burst) {
  auto record_of = [](const Received& r) {
    return "record " + std::to_string(r.delivery.args.seq) + " (" + r.subscription + ")";
  };
  // 1. Verified and opened, each on its own; a failure is NACKed alone.
  struct Opened {
    const Received* from;
    OpenedDelivery opened;
  };
  std::vector<Opened> good;
  std::vector<Store::Incoming> rows;
  good.reserve(burst.size());
  rows.reserve(burst.size());
  for (const Received& r : burst) {
    ErrorCode code = ErrorCode::kMalformed;
    auto opened = open_received(ctx_, client, r.delivery, monotonic_ms() + 3000, &code);
    if (!opened.ok()) {
      log_(record_of(r) + " rejected: " + opened.status().message());
      client.nack(r.delivery.args.sub_id, r.delivery.args.seq, code, opened.status().message());
      continue;
    }
    rows.push_back({stored_message_of(*opened, r.subscription, now_ms()), json_text(opened->message),
                    opened->attachments});
    good.push_back({&r, std::move(opened).value()});
  }
  if (good.empty()) return;
  // 2. Stored together; 3. then acknowledged.
  auto put = store_.put_messages(rows);
  if (!put.ok()) {
    for (size_t i = 0; i < good.size(); ++i)
      log_(record_of(*good[i].from) + " " + rows[i].meta.id + " not stored (" + put.status().message() +
           "): not acknowledged, the broker will deliver it again");
    return;
  }
  for (const Opened& g : good) client.ack(g.from->delivery.args.sub_id, g.from->delivery.args.seq);
  // 4. What follows a new message.
  for (size_t i = 0; i < good.size(); ++i) {
    if (!(*put)[i]) continue;  // stored before (a redelivery): acknowledged again, nothing else
    const StoredMessage& meta = rows[i].meta;
    const OpenedDelivery& opened = good[i].opened;
    ++stored_;
    log_(record_of(*good[i].from) + " stored: " + meta.id + ", " + meta.type + " from " + meta.sender + " on " +
         meta.topic + (opened.expired ? " (expired: kept without its body)" : ""));
    if (opened.expired) continue;
    const std::string& dir = ctx_.config.service.inbox_dir;
    if (!dir.empty())
      if (Status s = export_message(dir, meta.id, rows[i].opened, opened.attachments); !s.ok())
        log_("inbox_dir: " + meta.id + " not written: " + s.message());
    if (hooks_ != nullptr)
      hooks_->submit(meta.id, json_text(hook_input(opened.message, ctx_.config.service.on_message_body)) + "\n");
    if (Status s = workflow_.on_stored(meta, opened.message); !s.ok()) log_("workflow: " + s.message());
  }
}

}  // namespace relais
