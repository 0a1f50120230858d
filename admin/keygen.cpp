// relais-admin keygen --name NAME --role ROLE [--region R] [--prefecture P] --out DIR
#include <iostream>
#include <memory>

#include "commands.h"

namespace relais::admin {

Command add_keygen(CLI::App& root) {
  struct Options {
    std::string name, role, region, prefecture, out, locations;
  };
  auto o = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand("keygen", "Generate a participant's keys: DIR/NAME.key (0600) and DIR/NAME.pub");
  app->add_option("--name", o->name, "Participant name, e.g. police.golfe")->required();
  app->add_option("--role", o->role,
                  "police, gendarmerie, social, ngo, committee, commission, auditor, broker or authority")
      ->required();
  app->add_option("--region", o->region, "Region slug, e.g. maritime");
  app->add_option("--prefecture", o->prefecture, "Prefecture slug, e.g. golfe");
  app->add_option("--out", o->out, "Folder for the key and card files")->required();
  app->add_option("--locations", o->locations,
                  "Location CSV used to check region and prefecture (default: config/locations.csv if present)");
  return {app, [o] {
            auto loc = load_locations(o->locations);
            if (!loc.ok()) return report(loc.status());
            auto card = create_identity(o->name, o->role, o->region, o->prefecture, o->out, *loc);
            if (!card.ok()) return report(card.status());
            std::cout << "wrote " << o->out << "/" << o->name << ".key (secret, mode 0600) and " << o->out << "/"
                      << o->name << ".pub (public card)\n";
            return 0;
          }};
}

}  // namespace relais::admin
