#include "service/sender.h"

#include <optional>

#include "service/backoff.h"
#include "service/outbox_queue.h"
#include "util/clock.h"

namespace relais {

bool refusal_is_final(ErrorCode code) {
  switch (code) {
    case ErrorCode::kMalformed:
    case ErrorCode::kTooLarge:
    case ErrorCode::kSenderMismatch:
    case ErrorCode::kForbidden:
    case ErrorCode::kTypeNotAllowed:
    case ErrorCode::kReadersMismatch:
    case ErrorCode::kBadSignature:
    case ErrorCode::kUnknownKey:
    case ErrorCode::kStaleId:
      return true;
    default:
      return false;  // storage, limits, clock skew, a stale bundle, internal: worth another try
  }
}

Sender::Sender(AgentContext& ctx, Store& store, Workflow& workflow, ServiceLog log)
    : ctx_(ctx), store_(store), workflow_(workflow), log_(std::move(log)) {}

Sender::Outcome Sender::serve(BrokerClient* client, int64_t now_ms, bool all_due, const std::function<bool()>& stop) {
  auto queued = store_.outbox("queued");
  if (!queued.ok()) {
    log_("outbox: " + queued.status().message());
    return Outcome::kIdle;
  }
  queued_ = queued->size();
  Outcome out = Outcome::kIdle;
  const ServiceConfig& sc = ctx_.config.service;
  // What the attempts record (attempt counts, logged seqs, refusals) is
  // committed in groups: one sync for up to kBatchEntries entries or
  // kBatchMs, and at once after an attempt that waited (a slow broker must
  // not hold the store's write lock, which the desk needs). A group lost to
  // a crash costs nothing but a resend: the broker answers a known id with
  // its original acknowledgement.
  std::optional<Store::Batch> batch;
  int64_t batch_start = 0;
  size_t in_batch = 0;
  auto commit = [&] {
    if (!batch) return;
    if (Status s = batch->commit(); !s.ok()) log_("outbox: " + s.message() + " (these messages will be sent again)");
    batch.reset();
  };
  for (const OutboxEntry& e : *queued) {
    if (stop && stop()) break;
    const int64_t due = e.attempts == 0 ? 0 : e.last_attempt_ms + backoff_delay(e.attempts, sc.reconnect_min_ms, sc.reconnect_max_ms);
    if (!all_due && due > now_ms) continue;
    if (!batch) {
      auto b = store_.begin_batch("record sent messages");
      if (b.ok()) {
        batch.emplace(std::move(b).value());
        batch_start = monotonic_ms();
        in_batch = 0;
      }
    }
    const int64_t started = monotonic_ms();
    const Attempt a = attempt(client, e, now_ms);
    const int64_t ended = monotonic_ms();
    if (++in_batch >= kBatchEntries || ended - batch_start >= kBatchMs || ended - started >= kSlowAttemptMs) commit();
    if (a != Attempt::kKept) out = Outcome::kServed;
    if (a == Attempt::kLogged || a == Attempt::kRefused) --queued_;
    if (a == Attempt::kSessionLost) {
      client = nullptr;  // the rest are counted, not sent
      out = Outcome::kSessionLost;
    }
    now_ms = relais::now_ms();
  }
  commit();
  return out;
}

Sender::Attempt Sender::attempt(BrokerClient* client, const OutboxEntry& e, int64_t now_ms) {
  auto refuse = [&](const std::string& reason) {
    if (Status s = store_.mark_refused(e.id, reason); !s.ok()) log_("outbox: " + s.message());
    log_("outbox: " + e.id + " (" + e.type + " on " + e.topic + ") refused: " + reason);
    return Attempt::kRefused;
  };
  if (e.expires_ms <= now_ms)
    return refuse("expired: it expired on " + format_rfc3339_ms(e.expires_ms) + " before it could be sent");
  auto doc = store_.outbox_document(e.id);
  if (!doc.ok()) {
    log_("outbox: " + doc.status().message());
    return Attempt::kKept;
  }
  PublishRequest req = request_for(e, std::move(doc).value());
  auto files = store_.outbox_attachments(e.id);
  if (!files.ok()) {
    log_("outbox: " + files.status().message());
    return Attempt::kKept;
  }
  req.attachments = std::move(files).value();
  auto env = prepare_envelope(ctx_, req);
  if (!env.ok()) {
    const Status& s = env.status();
    const bool bundle_behind = ctx_.broker_serial > ctx_.bundle.serial;
    if (s.code() == Code::kConfig || (s.code() == Code::kRefused && bundle_behind)) {
      (void)store_.note_attempt(e.id, now_ms);
      if (e.attempts == 0) log_("outbox: " + e.id + " waits: " + s.message());
      return Attempt::kKept;
    }
    return refuse("policy: " + s.message());
  }
  if (Status s = store_.note_attempt(e.id, now_ms); !s.ok()) {
    log_("outbox: " + s.message());
    return Attempt::kKept;
  }
  if (client == nullptr) return Attempt::kKept;
  auto ack = client->publish(*env, monotonic_ms() + kPublishWaitMs);
  if (ack.ok()) {
    const int64_t logged = relais::now_ms();
    if (Status s = store_.mark_logged(e.id, ack->seq, ack->receipt, logged); !s.ok()) {
      log_("outbox: " + e.id + " was logged as seq " + std::to_string(ack->seq) + " but the store did not record it (" +
           s.message() + "): it will be sent again and the broker will answer with the same seq");
      return Attempt::kKept;
    }
    OutboxEntry done = e;
    done.status = "logged";
    done.seq = ack->seq;
    done.logged_ms = logged;
    if (Status s = workflow_.on_logged(done, logged); !s.ok()) log_("workflow: " + s.message());
    log_("outbox: " + e.id + " (" + e.type + " on " + e.topic + ") logged as seq " + std::to_string(ack->seq));
    return Attempt::kLogged;
  }
  const Status s = describe_broker_refusal(*client, ack.status());
  const auto code = client->last_error_code();
  if (code && refusal_is_final(*code)) return refuse(std::string(error_code_name(*code)) + ": " + s.message());
  if (!code || *code == ErrorCode::kRevoked || *code == ErrorCode::kStaleBundle) {
    lost_reason_ = s.message();
    return Attempt::kSessionLost;  // no answer, or a session that must be made again (a newer bundle to fetch)
  }
  log_("outbox: " + e.id + " not sent yet: " + s.message());
  return Attempt::kKept;
}

}  // namespace relais
