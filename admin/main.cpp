// relais-admin: key generation, trust bundles, sample deployments and the
// commission's workflow on an existing deployment. Thin over core/; one file
// per subcommand (keygen.cpp, bundle.cpp, verify_bundle.cpp, init.cpp, add.cpp,
// revoke.cpp, rotate.cpp, set_policy.cpp, upgrade_bundle.cpp, erasure_order.cpp,
// shred.cpp, backup.cpp, restore.cpp; workflow.cpp
// holds their shared steps).
#include <iostream>
#include <vector>

#include "commands.h"
#include "cli/cli.h"

int main(int argc, char** argv) {
  CLI::App app{"relais-admin: keys, trust bundles and sample deployments for Relais", "relais-admin"};
  app.set_version_flag("--version", std::string("relais-admin ") + RELAIS_VERSION);
  app.require_subcommand(1);
  std::vector<relais::admin::Command> commands = {
      relais::admin::add_keygen(app), relais::admin::add_bundle(app), relais::admin::add_verify_bundle(app),
      relais::admin::add_init(app), relais::admin::add_add(app), relais::admin::add_revoke(app),
      relais::admin::add_rotate(app), relais::admin::add_set_policy(app), relais::admin::add_upgrade_bundle(app),
      relais::admin::add_erasure_order(app), relais::admin::add_shred(app), relais::admin::add_backup(app),
      relais::admin::add_restore(app)};
  if (auto code = relais::parse_command_line(app, argc, argv)) return *code;
  relais::enable_passphrase_prompt();  // an encrypted key asks for its passphrase on a terminal
  try {
    for (auto& c : commands)
      if (c.app->parsed()) return c.run();
  } catch (const std::exception& e) {
    std::cerr << "relais-admin: unexpected error: " << e.what() << "\n";
    return relais::kExitFailed;
  }
  return relais::kExitUsage;
}
