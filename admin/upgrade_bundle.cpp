// relais-admin upgrade-bundle --dir DIR [--authority FILE]
// relais-admin upgrade-bundle --in OLD --out NEW --authority FILE
// The only reader of version-1 bundles: checks the old file's signature with
// the authority key, then signs the same participants, revocations and policy
// as a relais-bundle/2 file with the next serial (the built-in location table,
// the default expiry). A revoked participant is marked revoked at the old
// serial, the latest one the old file proves. With --dir, DIR/policy.toml is
// converted too when it is the bundle's policy byte for byte.
#include <iostream>
#include <memory>

#include "commands.h"
#include "policy/bundle_v1.h"
#include "util/clock.h"
#include "util/files.h"
#include "workflow.h"

namespace relais::admin {

Command add_upgrade_bundle(CLI::App& root) {
  struct Options {
    std::string dir, authority, in, out;
  };
  auto o = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand(
      "upgrade-bundle", "Convert a version-1 trust bundle to version 2, signed with the next serial");
  app->add_option("--dir", o->dir, "A deployment folder: converts DIR/trust.bundle in place");
  app->add_option("--authority", o->authority, "The authority's secret key file (default DIR/keys/authority.key)");
  app->add_option("--in", o->in, "The version-1 bundle (default DIR/trust.bundle)");
  app->add_option("--out", o->out, "Where to write the version-2 bundle (default: over --in)");
  return {app, [o] {
            const std::string cmd = "upgrade-bundle";
            if (o->dir.empty() && (o->in.empty() || o->authority.empty()))
              return fail(cmd, Status::Usage("give --dir DIR, or --in FILE with --authority FILE"));
            const std::string in = o->in.empty() ? o->dir + "/trust.bundle" : o->in;
            const std::string out = o->out.empty() ? in : o->out;
            const std::string key = o->authority.empty() ? o->dir + "/keys/authority.key" : o->authority;
            auto authority = load_authority(key, cmd);
            if (!authority.ok()) return fail(cmd, authority.status());
            auto bytes = read_file(in, kMaxBundleBytes);
            if (!bytes.ok()) return fail(cmd, Status::Usage(bytes.status().message()));
            if (auto v2 = parse_bundle(*bytes, authority->card.sign_pk, in); v2.ok()) {
              std::cout << in << " is already a version-2 bundle (serial " << v2->serial << "); nothing to do\n";
              return 0;
            }
            auto old = parse_bundle_v1(*bytes, authority->card.sign_pk, in);
            if (!old.ok()) return fail(cmd, old.status());
            auto policy = upgrade_policy_v1_text(old->policy_text);
            if (!policy.ok()) return fail(cmd, policy.status());
            BundleSpec spec;
            spec.serial = old->serial + 1;
            spec.issued_at_ms = now_ms();
            spec.policy_text = *policy;
            spec.cards = old->participants;
            for (const auto& c : old->participants)
              if (c.revoked) spec.history[c.name].revoked_at_serial = old->serial;
            auto signed_bytes = build_bundle(*authority, spec);
            if (!signed_bytes.ok()) return fail(cmd, signed_bytes.status());
            if (Status s = write_file_durable(out, *signed_bytes, 0644); !s.ok()) return fail(cmd, s);
            std::cout << "wrote " << out << ": relais-bundle/2, serial " << spec.serial << " (was " << old->serial
                      << ", version 1)\n";
            if (!o->dir.empty()) {
              const std::string policy_path = o->dir + "/policy.toml";
              auto current = read_text_file(policy_path, 1u << 20);
              if (current.ok() && *current == old->policy_text) {
                if (Status s = write_file_durable(policy_path, as_bytes(*policy), 0644); !s.ok()) return fail(cmd, s);
                std::cout << "wrote " << policy_path << ": relais-policy/2 (only its format line changed)\n";
              } else if (current.ok()) {
                std::cout << policy_path << " differs from the bundle's policy and was left as it is; a "
                          << "relais-policy/1 file needs its format line changed to relais-policy/2\n";
              }
            }
            std::cout << "put it in force: restart or reload the broker with this bundle, and send it to every "
                         "agency (their agents refuse version 1)\n";
            return 0;
          }};
}

}  // namespace relais::admin
