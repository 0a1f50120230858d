#include "service_commands.h"

#include <iostream>

#include "service/outbox_queue.h"
#include "attach_files.h"
#include "service/reply.h"
#include "service/service.h"
#include "service/stop_signal.h"
#include "service_notify.h"
#include "util/clock.h"
#include "util/expires_in.h"
#include "util/json_output.h"
#include "command_failure.h"
#include "service/agent_store.h"

namespace relais {
namespace {

int print_queued(const OutboxEntry& e) {
  std::cout << json_text(nlohmann::json{{"id", e.id}, {"status", "queued"}}) << std::endl;
  return 0;
}

int run_send(const ServiceCommands& c, AgentContext& ctx,
             const std::function<Result<std::string>(const std::string&)>& read_document) {
  PublishRequest req = c.send_request;
  auto doc = read_document(c.send_file);
  if (!doc.ok()) return fail_with(doc.status());
  req.json_text = std::move(doc).value();
  auto files = read_attachments(c.send_attach);
  if (!files.ok()) return fail_with(files.status());
  req.attachments = std::move(files).value();
  if (!c.send_case_ref.empty()) req.case_ref = c.send_case_ref;
  if (!c.send_in_reply_to.empty()) req.in_reply_to = c.send_in_reply_to;
  if (!c.send_expires_in.empty()) {
    auto ttl = parse_expires_in(c.send_expires_in);
    if (!ttl.ok()) return fail_with(ttl.status());
    req.ttl_ms = *ttl;
  }
  auto store = open_agent_store(ctx);
  if (!store.ok()) return fail_with(store.status());
  auto e = queue_document(ctx, **store, req, "user", now_ms());
  if (!e.ok()) return fail_with(e.status());
  return print_queued(*e);
}

int run_reply(const ServiceCommands& c, AgentContext& ctx,
              const std::function<Result<std::string>(const std::string&)>& read_document) {
  auto doc = read_document(c.reply_file);
  if (!doc.ok()) return fail_with(doc.status());
  auto files = read_attachments(c.reply_attach);
  if (!files.ok()) return fail_with(files.status());
  auto store = open_agent_store(ctx);
  if (!store.ok()) return fail_with(store.status());
  const int64_t now = now_ms();
  auto req = reply_request(**store, c.reply_to, c.reply_type, *doc, now);
  if (!req.ok()) return fail_with(req.status());
  req->urgency = c.reply_urgency;
  req->handling = c.reply_handling;
  req->attachments = std::move(files).value();
  auto e = queue_document(ctx, **store, *req, "user", now);
  if (!e.ok()) return fail_with(e.status());
  if (Status s = (*store)->set_message_status(c.reply_to, "answered"); !s.ok())
    std::cerr << "relais-agent: warning: " << s.message() << "\n";
  return print_queued(*e);
}

int run_run(AgentContext& ctx) {
  // Before any thread exists (ZeroMQ's come with the session).
  auto stop = StopSignal::install();
  if (!stop.ok()) return fail_with(stop.status());
  ServiceHooks hooks;
  hooks.log = [](const std::string& line) { std::cerr << "relais-agent: " << line << std::endl; };
  hooks.notify = [](const std::string& state) {
    if (int rc = notify_service_manager(state); rc < 0)
      std::cerr << "relais-agent: cannot notify the service manager (sd_notify: error " << -rc << ")" << std::endl;
  };
  StopSignal* signal = stop->get();
  hooks.stop_requested = [signal](int64_t wait_ms) { return signal->wait(wait_ms); };
  ctx.warn = [](const std::string& w) { std::cerr << "relais-agent: warning: " << w << std::endl; };
  auto service = AgentService::start(ctx, hooks);
  if (!service.ok()) return fail_with(service.status());
  Status s = (*service)->run();
  if (!s.ok()) return fail_with(s);
  return 0;
}

}  // namespace

std::unique_ptr<ServiceCommands> add_service_commands(CLI::App& app) {
  auto c = std::make_unique<ServiceCommands>();
  c->run = app.add_subcommand("run", "the agent service: keep the connection, store what arrives, send the outbox");

  c->send = app.add_subcommand("send", "check a document and queue it in the outbox; the service sends it");
  c->send->add_option("--topic", c->send_request.topic, "the concrete topic, e.g. referral.social.golfe")->required();
  c->send->add_option("--type", c->send_request.type, "the document type")->required();
  c->send->add_option("--file", c->send_file, "the JSON document, or - for stdin (default)");
  c->send->add_option("--urgency", c->send_request.urgency, "immediate, urgent or routine (default)");
  c->send->add_option("--handling", c->send_request.handling, "handling code H0-H3 (default H2)");
  c->send->add_option("--case-ref", c->send_case_ref, "a pseudonymous case reference (never derived from a person)");
  c->send->add_option("--in-reply-to", c->send_in_reply_to, "the id of the message this answers");
  c->send->add_option("--attach", c->send_attach,
                      "a file sealed with the message (repeat for several; alert, referral, case-update)")
      ->allow_extra_args(false);
  c->send->add_option("--expires-in", c->send_expires_in,
                      "how long the message stays valid: 90m, 72h, 30d (default: the policy's for the type, else 30d)");

  c->reply = app.add_subcommand("reply", "answer a received message: queue a response on response.<its sender>");
  c->reply->add_option("--in-reply-to", c->reply_to, "the id of the received message answered")->required();
  c->reply->add_option("--type", c->reply_type, "referral-response or case-update")->required();
  c->reply->add_option("--file", c->reply_file, "the JSON document, or - for stdin (default)");
  c->reply->add_option("--urgency", c->reply_urgency, "immediate, urgent or routine (default)");
  c->reply->add_option("--handling", c->reply_handling, "handling code H0-H3 (default H2)");
  c->reply->add_option("--attach", c->reply_attach, "a file sealed with the answer (repeat for several; case-update)")
      ->allow_extra_args(false);
  return c;
}

std::optional<int> run_service_command(const ServiceCommands& c, AgentContext& ctx,
                                       const std::function<Result<std::string>(const std::string&)>& read_document) {
  if (c.run->parsed()) return run_run(ctx);
  if (c.send->parsed()) return run_send(c, ctx, read_document);
  if (c.reply->parsed()) return run_reply(c, ctx, read_document);
  return std::nullopt;
}

}  // namespace relais
