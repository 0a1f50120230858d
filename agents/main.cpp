// relais-agent: an agency's end of Relais. Thin over core/agent.
//   relais-agent [--config AGENT.toml] validate --type TYPE --file DOC.json|-
//     schema, then regions, prefectures and periods (the bundle's location
//     table with --config, else the built-in one)
//   relais-agent --config AGENT.toml publish --topic T --type TYPE [--file F|-] [--urgency U] [--case-ref R]
//                                            [--expires-in 90m|72h|30d] [--timeout S] [--receipt FILE]
//     prints {"id","seq","case_ref","expires"}: case_ref is the document's when it has one (a different
//     --case-ref is refused, exit 1), a fresh random one for a referral sent without one
//   relais-agent --config AGENT.toml subscribe (--topic PATTERN | --mailbox) [--count N] [--timeout S]
//                                              [--from first|new|SEQ|TIME] [--durable NAME] [--take-over]
//     prints "relais-agent: subscribed to PATTERN" (or "to the mailbox of NAME") on stderr once the broker
//     accepted the subscription, one JSON line per message on stdout, and on stderr one line per message
//     with its handling code's meaning; another process holding the mailbox or durable name: exit 1
//     (--take-over takes it over); --from for a durable name that exists: exit 2
//   relais-agent --config AGENT.toml unsubscribe --durable NAME [--timeout S]
//     deletes a durable subscription and its cursor on the broker; prints {"removed":NAME}
//   relais-agent --config AGENT.toml bundle [--timeout S]
//     fetches the broker's bundle when it is newer; prints
//     {"held":N,"broker":M,"state":"current|behind|ahead|unreachable"} (broker null when unreachable);
//     exit 0, or 1 when a fetched bundle does not verify against the pinned authority
//   relais-agent --config AGENT.toml run | send ... | reply ...
//     the agent service, and queuing documents for it (agents/service_commands.h)
//   relais-agent --config AGENT.toml inbox | show | case | outbox
//     reading the local store (agents/store_commands.h)
//   relais-agent --config AGENT.toml user add|list|remove|passwd|unlock ... | desk-cert
//     the desk's accounts and TLS certificate (agents/desk_commands.h); they need no key
// Warnings (a bundle near its expiry, a stored bundle ignored) go to stderr.
// Exit codes: 0 ok, 1 refused/invalid/failed, 2 usage or configuration.
#include <iostream>
#include <iterator>

#include "attach_files.h"
#include "crypto/envelope.h"
#include "util/size_text.h"
#include "agent/agent.h"
#include "util/expires_in.h"
#include "agent/validate_command.h"
#include "cli/cli.h"
#include "desk_commands.h"
#include "backup_commands.h"
#include "receipts_command.h"
#include "report_command.h"
#include "service_commands.h"
#include "store_commands.h"
#include "util/clock.h"
#include "util/files.h"
#include "util/json_output.h"
#include "util/no_core_dumps.h"
#include "command_failure.h"

namespace {

relais::Result<std::string> read_document(const std::string& file) {
  const size_t kMaxDocument = relais::EnvelopeLimits{}.max_body;  // the most one message carries
  if (file.empty() || file == "-") {
    std::string text;
    char buf[65536];
    while (std::cin.read(buf, sizeof buf) || std::cin.gcount() > 0) {
      text.append(buf, static_cast<size_t>(std::cin.gcount()));
      if (text.size() > kMaxDocument)
        return relais::Status::Invalid("the document on stdin is larger than " + relais::size_in_words(kMaxDocument) +
                                       ", the most one message carries; send files with --attach, not inside the "
                                       "document");
    }
    return text;
  }
  auto t = relais::read_text_file(file, kMaxDocument);
  if (!t.ok()) return relais::Status::Invalid(t.status().message());
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  // Keys and decrypted documents must not end up in core files (util/no_core_dumps.h).
  if (relais::Status s = relais::disable_core_dumps(); !s.ok())
    std::cerr << "relais-agent: warning: " << s.message() << "\n";
  CLI::App app{"relais-agent: publish and receive alerts and referrals through a Relais broker"};
  app.name("relais-agent");
  app.set_version_flag("--version", std::string("relais-agent ") + RELAIS_VERSION);
  app.require_subcommand(1);
  std::string config_path;
  app.add_option("--config", config_path, "agent configuration file (agents/NAME.toml)");

  std::string v_type, v_file;
  auto* validate = app.add_subcommand("validate", "check a JSON document against its schema (no broker, no keys)");
  validate->add_option("--type", v_type, "alert, referral, referral-response, case-update, statistics-report, escalation")
      ->required();
  validate->add_option("--file", v_file, "the JSON document, or - for stdin")->required();

  relais::PublishRequest pub;
  std::string p_file = "-", receipt_file;
  double p_timeout = 10;
  auto* publish = app.add_subcommand("publish", "validate, seal, sign and send a document; exit 0 once durably acknowledged");
  publish->add_option("--topic", pub.topic, "the concrete topic, e.g. alert.missing_child.maritime.golfe")->required();
  publish->add_option("--type", pub.type, "the document type")->required();
  publish->add_option("--file", p_file, "the JSON document, or - for stdin (default)");
  publish->add_option("--urgency", pub.urgency, "immediate, urgent or routine (default)");
  publish->add_option("--handling", pub.handling, "handling code H0-H3 (default H2)");
  std::string case_ref, in_reply_to;
  publish->add_option("--case-ref", case_ref, "a pseudonymous case reference (never derived from a person)");
  publish->add_option("--in-reply-to", in_reply_to, "the id of the message this answers");
  publish->add_option("--timeout", p_timeout, "seconds to wait for the broker (default 10)")->check(CLI::PositiveNumber);
  publish->add_option("--receipt", receipt_file, "save the broker's signed receipt to this file");
  std::vector<std::string> p_attach;
  publish->add_option("--attach", p_attach, "a file sealed with the message (repeat for several; alert, referral, case-update)")
      ->allow_extra_args(false);
  std::string expires_in;
  publish->add_option("--expires-in", expires_in,
                      "how long the message stays valid: 90m, 72h, 30d (default: the policy's for the type, else 30d)");

  relais::SubscribeRequest sub;
  double s_timeout = 30;
  auto* subscribe = app.add_subcommand("subscribe", "print verified, opened, validated messages as JSON lines");
  auto* topic_opt = subscribe->add_option("--topic", sub.pattern, "a topic or pattern (* one token, > the rest)");
  auto* mailbox_opt =
      subscribe->add_flag("--mailbox", sub.mailbox, "read this participant's mailbox (the topics addressed to it)");
  topic_opt->excludes(mailbox_opt);
  subscribe->add_flag("--take-over", sub.take_over,
                      "take over the mailbox or durable name from another process that holds it");
  subscribe->add_option("--count", sub.count, "exit 0 after N messages (1 if fewer arrive before the timeout)")
      ->check(CLI::PositiveNumber);
  subscribe->add_option("--timeout", s_timeout, "seconds (default 30)")->check(CLI::PositiveNumber);
  subscribe->add_option("--from", sub.from, "first, new (default), a sequence number or an RFC 3339 time");
  subscribe->add_option("--durable", sub.durable, "a durable subscription name: resumes where it stopped");
  std::string s_save_dir;
  subscribe->add_option("--save-attachments", s_save_dir,
                        "write each message's attached files into DIR/<message id>/ (0600; existing files are kept)");

  std::string u_durable;
  double u_timeout = 10;
  auto* unsubscribe = app.add_subcommand("unsubscribe", "delete a durable subscription and its cursor on the broker");
  unsubscribe->add_option("--durable", u_durable, "the durable subscription name to delete")->required();
  unsubscribe->add_option("--timeout", u_timeout, "seconds to wait for the broker (default 10)")
      ->check(CLI::PositiveNumber);

  double b_timeout = 5;
  auto* bundle = app.add_subcommand("bundle", "compare the held trust bundle with the broker's, fetching a newer one");
  bundle->add_option("--timeout", b_timeout, "seconds to wait for the broker (default 5)")->check(CLI::PositiveNumber);

  auto store_commands = relais::add_store_commands(app);  // inbox, show, case, outbox
  auto service_commands = relais::add_service_commands(app);  // run, send, reply
  relais::DeskCommands desk_commands(app);                      // user ..., desk-cert
  auto receipts_command = relais::add_receipts_command(app);    // receipts --export
  auto report_command = relais::add_report_command(app);        // report (the commission's indicators)
  auto backup_commands = relais::add_backup_commands(app);      // backup, restore (the store)

  if (auto rc = relais::parse_command_line(app, argc, argv)) return *rc;
  relais::enable_passphrase_prompt();  // an encrypted key asks for its passphrase on a terminal
  if (auto rc = desk_commands.run(config_path)) return *rc;

  if (validate->parsed()) {
    if (config_path.empty()) return relais::run_validate(v_type, v_file, std::cin, std::cout, std::cerr);
    auto vctx = relais::load_agent_context(config_path);
    if (!vctx.ok()) return relais::fail_with(vctx.status());
    return relais::run_validate(v_type, v_file, std::cin, std::cout, std::cerr, &(*vctx)->bundle.locations);
  }

  if (config_path.empty()) {
    std::cerr << "relais-agent: --config AGENT.toml is required for " << app.get_subcommands().front()->get_name()
              << "\n";
    return 2;
  }
  auto ctx = relais::load_agent_context(config_path);
  if (!ctx.ok()) return relais::fail_with(ctx.status());
  for (const auto& w : (*ctx)->warnings) std::cerr << "relais-agent: warning: " << w << "\n";
  (*ctx)->warnings.clear();
  (*ctx)->warn = [](const std::string& w) { std::cerr << "relais-agent: warning: " << w << "\n"; };
  if (auto rc = relais::run_store_command(*store_commands, **ctx)) return *rc;
  if (auto rc = relais::run_service_command(*service_commands, **ctx, read_document)) return *rc;
  if (auto rc = relais::run_receipts_command(*receipts_command, **ctx)) return *rc;
  if (auto rc = relais::run_report_command(*report_command, **ctx)) return *rc;
  if (auto rc = relais::run_backup_command(*backup_commands, **ctx)) return *rc;

  if (bundle->parsed()) {
    relais::BundleStatus st = relais::bundle_status(**ctx, static_cast<int64_t>(b_timeout * 1000));
    nlohmann::json out = {{"held", st.held},
                          {"broker", st.state == "unreachable" ? nlohmann::json(nullptr) : nlohmann::json(st.broker)},
                          {"state", st.state}};
    std::cout << relais::json_text(out) << std::endl;
    if (!st.detail.empty()) std::cerr << "relais-agent: " << st.detail << "\n";
    return st.verify_failed ? 1 : 0;
  }

  if (publish->parsed()) {
    auto doc = read_document(p_file);
    if (!doc.ok()) return relais::fail_with(doc.status());
    pub.json_text = std::move(doc).value();
    auto files = relais::read_attachments(p_attach);
    if (!files.ok()) return relais::fail_with(files.status());
    pub.attachments = std::move(files).value();
    if (!case_ref.empty()) pub.case_ref = case_ref;
    if (!in_reply_to.empty()) pub.in_reply_to = in_reply_to;
    if (!expires_in.empty()) {
      auto ttl = relais::parse_expires_in(expires_in);
      if (!ttl.ok()) return relais::fail_with(ttl.status());
      pub.ttl_ms = *ttl;
    }
    pub.timeout_ms = static_cast<int64_t>(p_timeout * 1000);
    auto r = relais::publish_document(**ctx, pub);
    if (!r.ok()) return relais::fail_with(r.status());
    if (!receipt_file.empty()) {
      relais::Status s = relais::write_file_durable(receipt_file, r->receipt, 0644);
      if (!s.ok()) return relais::fail_with(s);
    }
    nlohmann::json out = {{"id", r->id},
                           {"seq", r->seq},
                           {"case_ref", r->case_ref ? nlohmann::json(*r->case_ref) : nlohmann::json(nullptr)},
                           {"expires", relais::format_rfc3339_ms(r->expires_ms)}};
    std::cout << relais::json_text(out) << std::endl;
    return 0;
  }

  if (unsubscribe->parsed()) {
    relais::Status s = relais::remove_durable_subscription(**ctx, u_durable, static_cast<int64_t>(u_timeout * 1000));
    if (!s.ok()) return relais::fail_with(s);
    std::cout << relais::json_text(nlohmann::json{{"removed", u_durable}}) << std::endl;
    return 0;
  }

  if (!sub.mailbox && sub.pattern.empty()) {
    std::cerr << "relais-agent: subscribe needs --topic PATTERN or --mailbox\n";
    return 2;
  }
  sub.timeout_ms = static_cast<int64_t>(s_timeout * 1000);
  const std::string me = (*ctx)->identity.card.name;
  sub.on_subscribed = [&sub, &me] {
    if (sub.mailbox)
      std::cerr << "relais-agent: subscribed to the mailbox of " << me << std::endl;
    else
      std::cerr << "relais-agent: subscribed to " << sub.pattern << std::endl;
  };
  sub.on_note = [](const std::string& note) { std::cerr << "relais-agent: " << note << "\n"; };
  if (!s_save_dir.empty())
    sub.on_attachments = [&s_save_dir](const std::string& id, const std::vector<relais::Attachment>& files) {
      auto written = relais::save_attachments(s_save_dir + "/" + id, files);
      if (!written.ok())
        return relais::Status(written.status().code(), written.status().message() +
                                                           " (the message was not acknowledged: it will come again)");
      for (const std::string& path : *written) std::cerr << "relais-agent: saved " << path << "\n";
      return relais::Status::Ok();
    };
  auto n = relais::receive_messages(
      **ctx, sub,
      [](const nlohmann::ordered_json& m) {
        std::cout << relais::json_text(m) << std::endl;
        const bool expired = m.contains("status") && m["status"] == "expired";
        std::cerr << "relais-agent: record " << m["seq"].get<uint64_t>() << " from " << m["from"].get<std::string>()
                  << (expired ? " expired on " + m["expired_at"].get<std::string>() + " (acknowledged, not read)" : "")
                  << ", handling " << m["handling"].get<std::string>() << ": "
                  << m["handling_meaning"].get<std::string>() << "\n";
      },
      [](const std::string& why) { std::cerr << "relais-agent: " << why << "\n"; });
  if (!n.ok()) return relais::fail_with(n.status());
  if (sub.count > 0 && *n < sub.count) {
    std::cerr << "relais-agent: " << *n << " of " << sub.count << " messages arrived before the timeout\n";
    return 1;
  }
  return 0;
}
