// relais-admin revoke --dir DIR --name NAME [--authority FILE]
// Marks a participant revoked in DIR/trust.bundle (it stays listed, with the
// serial that revoked it) and signs the next serial.
#include <memory>

#include "commands.h"
#include "workflow.h"

namespace relais::admin {

Command add_revoke(CLI::App& root) {
  struct Options {
    DeploymentOptions d;
    std::string name;
  };
  auto o = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand("revoke", "Revoke a participant: sign the next bundle with it marked revoked");
  add_deployment_options(app, o->d);
  app->add_option("--name", o->name, "The participant to revoke, e.g. police.golfe")->required();
  return {app, [o] {
            const std::string cmd = "revoke";
            auto d = open_deployment(o->d);
            if (!d.ok()) return fail(cmd, d.status());
            const PublicCard* card = d->bundle.find(o->name);
            if (card == nullptr)
              return fail(cmd, Status::Invalid("the bundle (serial " + std::to_string(d->bundle.serial) +
                                               ") has no participant named '" + o->name + "'"));
            if (card->role == Role::kBroker)
              return fail(cmd, Status::Invalid("'" + o->name +
                                               "' is the broker; it cannot be revoked. Give it new keys with "
                                               "relais-admin rotate"));
            if (card->revoked)
              return fail(cmd, Status::Invalid("'" + o->name + "' is already revoked (since serial " +
                                               std::to_string(d->bundle.history_of(o->name).revoked_at_serial) +
                                               "); nothing written"));
            BundleSpec spec = spec_of(d->bundle);
            for (auto& c : spec.cards)
              if (c.name == o->name) c.revoked = true;
            spec.history[o->name].revoked_at_serial = d->bundle.serial + 1;
            return reissue(*d, spec, "revoked " + o->name);
          }};
}

}  // namespace relais::admin
