// relais-audit … replay [--since T] [--until T] [--from-seq N] [--to-seq N]
//   [--topic PATTERN] [--sender NAME] [--type TYPE] [--case-ref REF] [--events] [--identity AUDITOR.key]
// JSON lines on stdout. Exit 0; 1 when the log is damaged or a printed
// message's signature does not verify; 2 usage/config.
#include <iostream>

#include "audit/replay.h"
#include "commands.h"
#include "crypto/keys.h"
#include "util/clock.h"
#include "util/json_output.h"

namespace relais::audit {

Command add_replay(CLI::App& root, std::shared_ptr<Global> g) {
  struct Options {
    std::string since, until, topic, sender, type, case_ref, identity;
    uint64_t from_seq = 0, to_seq = 0;
    bool events = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand("replay", "Print the logged messages (and events) as JSON lines");
  auto* since = app->add_option("--since", o->since, "Broker time, RFC 3339 (inclusive)");
  auto* until = app->add_option("--until", o->until, "Broker time, RFC 3339 (exclusive)");
  auto* from_seq = app->add_option("--from-seq", o->from_seq, "First seq (inclusive)");
  auto* to_seq = app->add_option("--to-seq", o->to_seq, "Last seq (inclusive)");
  auto* topic = app->add_option("--topic", o->topic, "Topic pattern (* one token, > the rest)");
  auto* sender = app->add_option("--sender", o->sender, "Sender (participant name)");
  auto* type = app->add_option("--type", o->type, "Document type: alert, referral, referral-response, ...");
  auto* case_ref = app->add_option("--case-ref", o->case_ref,
                                   "One case: its messages, the messages they answer or that answer them "
                                   "(in_reply_to), and the events about them");
  app->add_flag("--events", o->events, "Include the broker's event records");
  app->add_option("--identity", o->identity, "The auditor's key file: bodies addressed to it are decrypted");
  return {app, [=] {
            if (Status s = require_data(*g, "replay"); !s.ok()) return report(s);
            ReplayFilter f;
            if (since->count()) {
              auto t = parse_rfc3339(o->since);
              if (!t.ok()) return report(Status::Usage("replay: --since: " + t.status().message()));
              f.since_ms = *t;
            }
            if (until->count()) {
              auto t = parse_rfc3339(o->until);
              if (!t.ok()) return report(Status::Usage("replay: --until: " + t.status().message()));
              f.until_ms = *t;
            }
            if (from_seq->count()) f.from_seq = o->from_seq;
            if (to_seq->count()) f.to_seq = o->to_seq;
            if (topic->count()) f.topic_pattern = o->topic;
            if (sender->count()) f.sender = o->sender;
            if (type->count()) f.type = o->type;
            if (case_ref->count()) f.case_ref = o->case_ref;
            f.events = o->events;
            if (Status s = validate_filter(f); !s.ok()) return report(s);
            auto trust = load_trust(*g);
            if (!trust.ok()) return report(trust.status());
            std::optional<Identity> me;
            if (!o->identity.empty()) {
              auto id = load_identity(o->identity);
              if (!id.ok()) return report(id.status());
              me = std::move(*id);
            }
            uint64_t bad_signatures = 0;
            auto n = replay_log(g->data, *trust, f, me ? &*me : nullptr, [&](const nlohmann::json& j) {
              if (j.contains("signature") && j["signature"] != "valid") ++bad_signatures;
              std::cout << json_text(j) << "\n";
            });
            std::cout << std::flush;
            if (!n.ok()) return report(n.status());
            if (bad_signatures > 0) {
              std::cerr << "relais-audit: replay: " << bad_signatures
                        << " message(s) printed with a signature that does not verify (run verify)\n";
              return kExitFailed;
            }
            return kExitOk;
          }};
}

}  // namespace relais::audit
