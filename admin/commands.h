// relais-admin subcommands, one file each. Every add_* registers its
// subcommand and options on the root app and returns the function to run
// once the command line has parsed; it returns the process exit code
// (0 ok, 1 refused/invalid, 2 usage/config).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "crypto/keys.h"
#include "policy/locations.h"
#include "util/status.h"

namespace relais::admin {

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

Command add_keygen(CLI::App& root);
Command add_bundle(CLI::App& root);
Command add_verify_bundle(CLI::App& root);
Command add_init(CLI::App& root);
Command add_add(CLI::App& root);
Command add_revoke(CLI::App& root);
Command add_rotate(CLI::App& root);
Command add_set_policy(CLI::App& root);
Command add_upgrade_bundle(CLI::App& root);
Command add_erasure_order(CLI::App& root);
Command add_shred(CLI::App& root);
Command add_backup(CLI::App& root);
Command add_restore(CLI::App& root);

// Prints "relais-admin: <message>" to stderr and returns the status' exit code.
int report(const Status& s);

// Loads location data from `path` (--locations), or when it is empty the
// default data embedded at build time (config/locations.csv). The optional
// is always set on success (kept optional for callers that skip checks).
Result<std::optional<Locations>> load_locations(const std::string& path);

// With a passphrase the key file is written encrypted (Argon2id moderate).
// Generates an identity after checking the role and (when data is given)
// that the prefecture lies in the region, and writes DIR/NAME.key/.pub.
// Usage errors are Status::Usage.
Result<PublicCard> create_identity(const std::string& name, const std::string& role, const std::string& region,
                                   const std::string& prefecture, const std::string& dir,
                                   const std::optional<Locations>& locations,
                                   const SecretBytes* passphrase = nullptr);

// An agent configuration for participant `name` in the deployment layout
// (DIR/agents/NAME.toml: the bundle at ../trust.bundle, the state in
// ../state/NAME), its key file at key_path (relative to the file's folder).
std::string agent_toml(const std::string& name, const std::string& endpoint, const std::string& authority_b64,
                       const std::string& key_path);

}  // namespace relais::admin
