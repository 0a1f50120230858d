// relais-admin add --dir DIR --card CARD.pub [--key-path P] [--broker ENDPOINT] [--authority FILE]
// Adds a participant whose keys the agency generated itself (it sends only its
// card), signs DIR/trust.bundle again with the next serial and writes
// DIR/agents/NAME.toml for the agency. Refuses a name the bundle holds
// (revoked ones included) and keys any participant uses or used.
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.h"
#include "util/files.h"
#include "util/toml_reader.h"
#include "workflow.h"

namespace relais::admin {
namespace {

// The endpoint of DIR/broker.toml's [broker] section, for the agent configuration.
Result<std::string> broker_endpoint(const std::string& dir) {
  const std::string path = dir + "/broker.toml";
  auto reader = TomlReader::from_file(path);
  TomlTable root = reader->root();
  TomlTable broker = root.get_table("broker", true);
  auto endpoint = broker.get_string("endpoint", true);
  if (!endpoint || !reader->ok())
    return Status::Usage("cannot take the broker's address from " + path +
                         "; pass it with --broker tcp://HOST:PORT");
  return *endpoint;
}

}  // namespace

Command add_add(CLI::App& root) {
  struct Options {
    DeploymentOptions d;
    std::string card, key_path, broker;
  };
  auto o = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand(
      "add", "Add a participant from the card its agency generated, sign the next bundle, write its agent configuration");
  add_deployment_options(app, o->d);
  app->add_option("--card", o->card, "The agency's public card (NAME.pub, from relais-admin keygen)")->required();
  app->add_option("--key-path", o->key_path,
                  "Where the agency keeps its key file, as written into its configuration (default ../keys/NAME.key, "
                  "relative to the configuration's folder)");
  app->add_option("--broker", o->broker,
                  "The broker's address the agency connects to (default: endpoint in DIR/broker.toml)");
  return {app, [o] {
            const std::string cmd = "add";
            auto card = load_card(o->card);
            if (!card.ok()) return fail(cmd, card.status());
            if (card->role == Role::kAuthority || card->role == Role::kBroker)
              return fail(cmd, Status::Usage(o->card + " has role " + std::string(role_name(card->role)) +
                                             "; add takes an agency's card (the broker's keys change with rotate)"));
            auto d = open_deployment(o->d);
            if (!d.ok()) return fail(cmd, d.status());
            if (const PublicCard* existing = d->bundle.find(card->name))
              return fail(cmd, Status::Invalid("the bundle already has a participant named '" + card->name + "'" +
                                               (existing->revoked ? " (revoked)" : "") +
                                               "; names are never reused. To give it new keys use relais-admin rotate"));
            if (Status s = check_keys_unused(d->bundle, *card); !s.ok()) return fail(cmd, s);
            if (Status s = d->bundle.locations.check(card->region, card->prefecture); !s.ok())
              return fail(cmd, Status::Invalid(o->card + ": " + s.message() + " (per the bundle's location table)"));
            const std::string config_path = o->d.dir + "/agents/" + card->name + ".toml";
            std::error_code ec;
            if (std::filesystem::exists(config_path, ec))
              return fail(cmd, Status::Usage(config_path + " already exists; move it away first"));
            std::string endpoint = o->broker;
            if (endpoint.empty()) {
              auto e = broker_endpoint(o->d.dir);
              if (!e.ok()) return fail(cmd, e.status());
              endpoint = *e;
            }
            BundleSpec spec = spec_of(d->bundle);
            spec.cards.push_back(*card);
            if (int rc = reissue(*d, spec, "added " + card->name + " (" + std::string(role_name(card->role)) + ")"))
              return rc;
            const std::string key_path = o->key_path.empty() ? "../keys/" + card->name + ".key" : o->key_path;
            if (Status s = make_dirs(o->d.dir + "/agents", 0755); !s.ok()) return fail(cmd, s);
            const std::string text = agent_toml(card->name, endpoint, to_base64(d->authority.card.sign_pk), key_path);
            if (Status s = write_file_durable(config_path, as_bytes(text), 0644, true); !s.ok()) return fail(cmd, s);
            std::cout << "wrote " << config_path << ": send it to the agency with " << d->bundle_path
                      << " and the authority's public card (keys/authority.pub)\n";
            return 0;
          }};
}

}  // namespace relais::admin
