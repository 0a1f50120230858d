// relais-admin rotate --dir DIR --name NAME --card NEW.pub [--authority FILE]
// Gives a participant new keys: its current keys become retired keys (kept in
// the bundle with the serial that retired them, so what they signed stays
// checkable, and never accepted again) and the new card's keys become current.
#include <memory>

#include "commands.h"
#include "workflow.h"

namespace relais::admin {

Command add_rotate(CLI::App& root) {
  struct Options {
    DeploymentOptions d;
    std::string name, card;
  };
  auto o = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand(
      "rotate", "Give a participant new keys: its old keys become retired keys in the next bundle");
  add_deployment_options(app, o->d);
  app->add_option("--name", o->name, "The participant whose keys change")->required();
  app->add_option("--card", o->card, "Its new public card (NAME.pub, from relais-admin keygen)")->required();
  return {app, [o] {
            const std::string cmd = "rotate";
            auto card = load_card(o->card);
            if (!card.ok()) return fail(cmd, card.status());
            auto d = open_deployment(o->d);
            if (!d.ok()) return fail(cmd, d.status());
            const PublicCard* old = d->bundle.find(o->name);
            if (old == nullptr)
              return fail(cmd, Status::Invalid("the bundle (serial " + std::to_string(d->bundle.serial) +
                                               ") has no participant named '" + o->name + "'"));
            if (card->name != o->name || card->role != old->role)
              return fail(cmd, Status::Usage(o->card + " is the card of '" + card->name + "' (role " +
                                             std::string(role_name(card->role)) + "), not of '" + o->name +
                                             "' (role " + std::string(role_name(old->role)) +
                                             "); generate it with the same name and role"));
            if (old->revoked)
              return fail(cmd, Status::Invalid("'" + o->name + "' is revoked; a revoked participant gets no new keys"));
            if (Status s = check_keys_unused(d->bundle, *card); !s.ok()) return fail(cmd, s);
            if (Status s = d->bundle.locations.check(card->region, card->prefecture); !s.ok())
              return fail(cmd, Status::Invalid(o->card + ": " + s.message() + " (per the bundle's location table)"));
            const uint64_t serial = d->bundle.serial + 1;
            BundleSpec spec = spec_of(d->bundle);
            for (auto& c : spec.cards)
              if (c.name == o->name) c = *card;
            spec.history[o->name].retired.push_back(RetiredKey{old->sign_pk, old->link_pk, old->seal_pk, serial});
            std::string what = "new keys for " + o->name + "; its old keys are retired";
            if (old->role == Role::kBroker)
              what += ". Every agency needs this bundle before it can reach the broker again: deliver it out of band";
            return reissue(*d, spec, what);
          }};
}

}  // namespace relais::admin
