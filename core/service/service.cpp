#include "service/service.h"

#include "desk/desk_server.h"
#include "report/report_file.h"
#include "store/store_backup.h"
#include "store/store_key.h"
#include "service/anchorer.h"
#include "service/connection.h"
#include "service/desk_actions.h"
#include "service/desk_dashboard.h"
#include "service/hook_runner.h"
#include "service/inbox_export.h"
#include "service/mailbox_overlap.h"
#include "service/receiver.h"
#include "service/restore_resend.h"
#include "service/retention.h"
#include "service/sender.h"
#include "service/service_metrics.h"
#include "service/workflow.h"
#include "util/clock.h"

namespace relais {

AgentService::AgentService(AgentContext& ctx, ServiceHooks hooks) : ctx_(ctx), hooks_(std::move(hooks)) {}

AgentService::~AgentService() = default;

Result<std::unique_ptr<AgentService>> AgentService::start(AgentContext& ctx, ServiceHooks hooks) {
  const ServiceConfig& sc = ctx.config.service;
  if (ctx.config.state_dir.empty())
    return Status::Config("agent: the service keeps its store in [agent] state_dir: set it in " + ctx.config.path);
  RELAIS_RETURN_IF_ERROR(
      check_subscriptions_against_mailbox(ctx.bundle.policy, ctx.identity.card.name, sc.subscriptions));
  if (!sc.inbox_dir.empty()) RELAIS_RETURN_IF_ERROR(prepare_inbox_dir(sc.inbox_dir));
  if (!hooks.log) hooks.log = [](const std::string&) {};
  if (!hooks.notify) hooks.notify = [](const std::string&) {};
  std::unique_ptr<AgentService> s(new AgentService(ctx, std::move(hooks)));
  std::vector<const Identity*> retired;
  for (const Identity& id : ctx.retired) retired.push_back(&id);
  auto store = Store::open(ctx.config.state_dir, ctx.identity, retired);
  if (!store.ok()) return store.status();
  auto lock = service_lock(ctx.config.state_dir);  // one service per state folder; restore waits for none
  if (!lock.ok()) return lock.status();
  s->lock_ = std::move(*lock);
  s->store_ = std::move(store).value();
  ServiceLog log = s->hooks_.log;
  s->workflow_ = std::make_unique<Workflow>(ctx, *s->store_, sc, log);
  if (!sc.on_message.empty()) s->runner_ = std::make_unique<HookRunner>(sc.on_message, HookRunner::kDefaultTimeoutMs, log);
  s->receiver_ = std::make_unique<Receiver>(ctx, *s->store_, *s->workflow_, s->runner_.get(), log);
  s->sender_ = std::make_unique<Sender>(ctx, *s->store_, *s->workflow_, log);
  s->connection_ = std::make_unique<Connection>(ctx, log);
  s->anchorer_ = std::make_unique<Anchorer>(ctx, *s->store_, log);
  s->retention_ = std::make_unique<AgencyRetention>(*s->store_, sc.inbox_dir, log);
  if (ctx.config.desk.enabled) {
    desk::DeskDeps deps;
    deps.state_dir = ctx.config.state_dir;
    deps.open_store = [&ctx]() {
      return Store::open(ctx.config.state_dir, ctx.identity, identity_pointers(ctx.retired));
    };
    s->desk_actions_ = std::make_shared<DeskActions>(ctx);
    deps.directory = [actions = s->desk_actions_] { return actions->directory(); };
    deps.send = [actions = s->desk_actions_](Store& desk_store, const desk::ComposeRequest& r) {
      return actions->send(desk_store, r, now_ms());
    };
    deps.overdue_immediate_ms = sc.escalate_immediate_ms;
    deps.overdue_urgent_ms = sc.escalate_urgent_ms;
    auto ptba = report::ptba_config_for(ctx.config.path, "");
    if (!ptba.ok()) return Status::Config(ptba.status().message());
    s->dashboard_ = std::make_unique<DeskDashboard>(std::move(*ptba), ctx.bundle.locations);
    deps.dashboard = [dash = s->dashboard_.get()](Store& st, const desk::DashboardQuery& q) {
      return dash->render(st, q, now_ms());
    };
    auto d = desk::DeskServer::create(ctx.config.desk, std::move(deps));
    if (!d.ok()) return d.status();
    if (Status st = (*d)->start(); !st.ok()) return st;
    s->desk_ = std::move(*d);
    log(std::string("desk listening on ") + (ctx.config.desk.tls() ? "https://" : "http://") +
        (ctx.config.desk.host.find(':') != std::string::npos ? "[" + ctx.config.desk.host + "]" : ctx.config.desk.host) +
        ":" + std::to_string(s->desk_->port()));
  }
  if (!ctx.config.metrics_listen.empty()) {
    s->metrics_ = std::make_unique<ServiceMetrics>();
    if (Status st = s->metrics_->start(ctx.config.metrics_listen); !st.ok()) return st;
    log("metrics on http://" + ctx.config.metrics_listen.substr(0, ctx.config.metrics_listen.rfind(':')) + ":" +
        std::to_string(s->metrics_->port()) + "/metrics");
  }
  s->started_ms_ = now_ms();
  s->publish_metrics();
  s->hooks_.notify("READY=1\nSTATUS=store open (" + s->store_->path() + "); connecting to " + ctx.config.broker);
  log("service started for " + ctx.identity.card.name + ": store " + s->store_->path() + ", broker " +
      ctx.config.broker + ", " + std::to_string(sc.subscriptions.size()) + " [[subscription]] besides the mailbox");
  return s;
}

void AgentService::publish_metrics() {
  if (!metrics_) return;
  ServiceSnapshot snap;
  snap.published_ms = now_ms();
  snap.started_ms = started_ms_;
  snap.connected = connection_->connected();
  snap.last_contact_ms = last_contact_ms_;
  snap.bundle_serial = ctx_.bundle.serial;
  auto counts = store_->counts();
  if (counts.ok()) snap.store = *counts;
  else hooks_.log("metrics: " + counts.status().message());
  metrics_->publish(snap);
}

void AgentService::status_changed() {
  std::string text = connection_->describe() + "; outbox: " + std::to_string(sender_->queued()) + " queued";
  if (text == last_status_) return;
  last_status_ = text;
  hooks_.notify("STATUS=" + text);
}

Status AgentService::run() {
  const ServiceLog& log = hooks_.log;
  if (Status s = workflow_->start(now_ms()); !s.ok()) log("workflow: " + s.message());
  int64_t next_outbox = 0;
  int64_t next_workflow = monotonic_ms() + kWorkflowMs;
  int64_t next_retention = 0;
  uint64_t retention_serial = 0;
  auto stop_now = [this] { return hooks_.stop_requested(0); };
  while (!stop_now()) {
    const int64_t mono = monotonic_ms();
    const bool connected = connection_->ensure(mono);
    const bool fresh = connected && connection_->take_new_session();
    if (fresh || mono >= next_outbox) {
      const auto outcome = sender_->serve(connection_->client(), now_ms(), fresh, stop_now);
      if (outcome == Sender::Outcome::kSessionLost) connection_->lost(sender_->lost_reason());
      next_outbox = monotonic_ms() + Sender::kPollMs;
    }
    if (mono >= next_workflow) {
      if (Status s = workflow_->tick(now_ms()); !s.ok()) log("workflow: " + s.message());
      next_workflow = monotonic_ms() + kWorkflowMs;
    }
    if (mono >= next_retention || ctx_.bundle.serial != retention_serial) {
      if (auto r = retention_->apply(ctx_.bundle, now_ms()); !r.ok()) log("retention: " + r.status().message());
      if (dashboard_ && retention_serial != 0 && retention_serial != ctx_.bundle.serial)
        dashboard_->set_locations(ctx_.bundle.locations);
      retention_serial = ctx_.bundle.serial;
      next_retention = monotonic_ms() + AgencyRetention::kCheckEveryMs;
    }
    if (desk_actions_) desk_actions_->refresh(ctx_);
    if (runner_) runner_->poll();
    status_changed();
    if (metrics_ && mono >= next_metrics_) {
      publish_metrics();
      next_metrics_ = monotonic_ms() + kMetricsMs;
    }
    BrokerClient* client = connection_->client();
    if (client == nullptr) {
      if (hooks_.stop_requested(kReceiveWaitMs)) break;
      continue;
    }
    anchorer_->tick(*client, mono);
    auto d = client->next(monotonic_ms() + kReceiveWaitMs);
    if (!d.ok()) {
      connection_->lost(describe_broker_refusal(*client, d.status()).message());
      continue;
    }
    last_contact_ms_ = now_ms();
    follow_bundle_notices(ctx_, *client, monotonic_ms() + Connection::kAttemptMs);
    if (ctx_.restored) {
      const auto [epoch, last_seq] = *ctx_.restored;
      ctx_.restored.reset();
      auto r = requeue_lost_entries(*store_, epoch, last_seq);
      if (!r.ok()) {
        log("broker restored from a backup: cannot queue the lost messages again: " + r.status().message());
      } else if (r->requeued > 0 || r->undecodable > 0) {
        log("broker restored from a backup (epoch " + std::to_string(epoch) + ", records after seq " +
            std::to_string(last_seq) + " lost): " + std::to_string(r->requeued) +
            " sent message(s) queued again under their ids" +
            (r->undecodable > 0 ? "; " + std::to_string(r->undecodable) + " receipt(s) unreadable, left alone" : ""));
        next_outbox = 0;
      }
    }
    if (d->has_value()) {
      // What has already arrived with it is stored in the same transaction.
      std::vector<Receiver::Received> burst;
      const uint64_t first_sub = (*d)->args.sub_id;
      burst.push_back({std::move(**d), connection_->subscription_name(first_sub)});
      Status lost = Status::Ok();
      while (burst.size() < Receiver::kMaxBurst) {
        auto more = client->next(monotonic_ms());
        if (!more.ok()) {
          lost = more.status();
          break;
        }
        if (!more->has_value()) break;
        const uint64_t sub_id = (*more)->args.sub_id;
        burst.push_back({std::move(**more), connection_->subscription_name(sub_id)});
      }
      receiver_->handle_burst(*client, burst);
      if (!lost.ok()) connection_->lost(describe_broker_refusal(*client, lost).message());
    }
  }
  hooks_.notify("STOPPING=1\nSTATUS=stopping");
  log("stopping");
  if (desk_) desk_->stop();
  if (metrics_) metrics_->stop();
  if (runner_) runner_->finish(monotonic_ms() + kHookStopWaitMs);
  connection_->close();
  log("stopped");
  return Status::Ok();
}

}  // namespace relais
