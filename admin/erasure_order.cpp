// relais-admin erasure-order --dir DIR (--case-ref REF | --id ID) [--order TEXT] [--authority FILE]
// Adds an erasure order ([[erasure_orders]], docs/formats.md) to the policy
// of DIR/trust.bundle with the next order number and signs the next serial.
// Once the broker has it in force (relais-broker --reload) its shredder
// erases the case (or the message) and the agents erase it when they fetch
// the bundle (docs/data-protection.md).
#include <algorithm>
#include <memory>

#include "commands.h"
#include "crypto/uuid.h"
#include "util/clock.h"
#include "workflow.h"

namespace relais::admin {
namespace {

std::string toml_quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

bool visible_ascii(const std::string& s) {
  return !s.empty() && s.size() <= 256 && std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace

Command add_erasure_order(CLI::App& root) {
  struct Options {
    DeploymentOptions d;
    std::string case_ref, id, order;
  };
  auto o = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand(
      "erasure-order", "Order the erasure of a case (or of one message): sign the next bundle with the order added");
  add_deployment_options(app, o->d);
  auto* c = app->add_option("--case-ref", o->case_ref, "The case whose messages are to be erased");
  auto* i = app->add_option("--id", o->id, "The id of the one message to erase (a UUID)");
  c->excludes(i);
  i->excludes(c);
  app->add_option("--order", o->order,
                  "The order's own reference, e.g. \"court order 2026/17\" or \"erasure request 12\"");
  return {app, [o] {
            const std::string cmd = "erasure-order";
            if (o->case_ref.empty() == o->id.empty())
              return fail(cmd, Status::Usage("give the case to erase with --case-ref REF, or one message with --id ID"));
            std::string id_text;
            if (!o->id.empty()) {
              auto id = uuid_from_string(o->id);
              if (!id.ok())
                return fail(cmd, Status::Usage("--id " + o->id + " is not a message id (a UUID such as "
                                               "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b)"));
              id_text = uuid_to_string(*id);
            }
            if (!o->case_ref.empty() && !visible_ascii(o->case_ref))
              return fail(cmd, Status::Usage("--case-ref must be 1 to 256 visible ASCII characters, as in the messages"));
            if (o->order.find_first_of("\n\r") != std::string::npos)
              return fail(cmd, Status::Usage("--order must be on one line"));
            auto d = open_deployment(o->d);
            if (!d.ok()) return fail(cmd, d.status());
            uint64_t number = 1;
            for (const ErasureOrder& e : d->bundle.policy.erasure_orders()) {
              number = std::max(number, e.number + 1);
              if ((!o->case_ref.empty() && e.case_ref == o->case_ref) || (!id_text.empty() && e.id == id_text))
                return fail(cmd, Status::Invalid("the bundle (serial " + std::to_string(d->bundle.serial) +
                                                 ") already holds erasure order " + std::to_string(e.number) +
                                                 " for this " + (id_text.empty() ? "case" : "message") +
                                                 "; nothing written"));
            }
            std::string text = d->bundle.policy_text;
            if (!text.empty() && text.back() != '\n') text += '\n';
            text += "\n[[erasure_orders]]\nnumber = " + std::to_string(number) + "\n";
            text += id_text.empty() ? "case_ref = " + toml_quoted(o->case_ref) + "\n" : "id = " + toml_quoted(id_text) + "\n";
            if (!o->order.empty()) text += "order = " + toml_quoted(o->order) + "\n";
            text += "comment = " + toml_quoted("added by relais-admin erasure-order on " + format_rfc3339_ms(now_ms())) + "\n";
            auto parsed = Policy::parse(text, d->bundle_path + " (policy)");
            if (!parsed.ok()) return report(parsed.status());
            BundleSpec spec = spec_of(d->bundle);
            spec.policy_text = text;
            return reissue(*d, spec,
                           "erasure order " + std::to_string(number) + " for " +
                               (id_text.empty() ? "case " + o->case_ref : "message " + id_text) +
                               (o->order.empty() ? "" : " (" + o->order + ")"));
          }};
}

}  // namespace relais::admin
