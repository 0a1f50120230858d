// relais-admin keygen --name NAME --role ROLE [--region R] [--prefecture P] --out DIR [--encrypt]
// --encrypt takes the passphrase from RELAIS_KEY_PASSPHRASE or
// RELAIS_KEY_PASSPHRASE_FILE (never from the command line), or, on a terminal
// with neither set, asks for it twice without echo. The passphrase must pass
// crypto/passphrase_strength.h's rule (16 characters, or 60 bits by zxcvbn).
#include <iostream>
#include <memory>

#include "commands.h"
#include "crypto/passphrase_strength.h"

namespace relais::admin {

Command add_keygen(CLI::App& root) {
  struct Options {
    std::string name, role, region, prefecture, out, locations;
    bool encrypt = false;
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
                  "Location CSV used to check region and prefecture (default: the data built in from config/locations.csv)");
  app->add_flag("--encrypt", o->encrypt,
                "Encrypt the key file with the passphrase in RELAIS_KEY_PASSPHRASE or the mode-0600 file named by "
                "RELAIS_KEY_PASSPHRASE_FILE, or typed when asked on a terminal (Argon2id + XChaCha20-Poly1305); "
                "it must be 16 characters or more, or as hard to guess (60 bits by zxcvbn)");
  return {app, [o] {
            std::optional<SecretBytes> passphrase;
            if (o->encrypt) {
              auto p = passphrase_from_env_or_terminal("Passphrase for " + o->name + ".key: ", true);
              if (!p.ok()) return report(p.status());
              if (!p->has_value())
                return report(Status::Usage(
                    "keygen: --encrypt needs a passphrase: set RELAIS_KEY_PASSPHRASE or RELAIS_KEY_PASSPHRASE_FILE, "
                    "or run keygen on a terminal to type it"));
              if (Status s = check_key_passphrase_strength(**p, o->name); !s.ok()) return report(s);
              passphrase = std::move(**p);
            }
            auto loc = load_locations(o->locations);
            if (!loc.ok()) return report(loc.status());
            auto card = create_identity(o->name, o->role, o->region, o->prefecture, o->out, *loc,
                                        passphrase ? &*passphrase : nullptr);
            if (!card.ok()) return report(card.status());
            std::cout << "wrote " << o->out << "/" << o->name << ".key (secret, mode 0600"
                      << (o->encrypt ? ", encrypted" : "") << ") and " << o->out << "/"
                      << o->name << ".pub (public card)\n";
            return 0;
          }};
}

}  // namespace relais::admin
