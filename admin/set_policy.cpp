// relais-admin set-policy --dir DIR --policy P.toml [--authority FILE]
// Replaces the policy in DIR/trust.bundle (relais-policy/2) and signs the next serial.
// Versions of a type given different [retention] or [expiry] periods are
// warned about on stderr (policy/version_gaps.h); the policy is still signed.
#include <iostream>
#include <memory>

#include "commands.h"
#include "policy/version_gaps.h"
#include "util/files.h"
#include "workflow.h"

namespace relais::admin {

Command add_set_policy(CLI::App& root) {
  struct Options {
    DeploymentOptions d;
    std::string policy;
  };
  auto o = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand("set-policy", "Replace the policy: sign the next bundle with a new policy file");
  add_deployment_options(app, o->d);
  app->add_option("--policy", o->policy, "The new policy file (relais-policy/2 TOML)")->required();
  return {app, [o] {
            const std::string cmd = "set-policy";
            auto text = read_text_file(o->policy, 1u << 20);
            if (!text.ok()) return fail(cmd, Status::Usage(text.status().message()));
            auto policy = Policy::parse(*text, o->policy);
            if (!policy.ok()) return report(policy.status());
            auto d = open_deployment(o->d);
            if (!d.ok()) return fail(cmd, d.status());
            if (*text == d->bundle.policy_text)
              return fail(cmd, Status::Invalid("the bundle (serial " + std::to_string(d->bundle.serial) +
                                               ") already holds this exact policy; nothing written"));
            for (const std::string& gap : version_gaps(*policy))
              std::cerr << "relais-admin set-policy: warning: " << gap << "\n";
            BundleSpec spec = spec_of(d->bundle);
            spec.policy_text = *text;
            return reissue(*d, spec, "policy from " + o->policy);
          }};
}

}  // namespace relais::admin
