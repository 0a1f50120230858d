// relais-audit: offline verification of a broker's log (verify), filtered
// replay of what was sent and what the broker saw (replay), inclusion
// proofs for single messages (prove, check-proof), and witnessing the
// broker's checkpoints (witness, which talks to the broker as a participant
// through the agent library). Thin over core/audit/;
// one file per subcommand. Needs no running broker and never writes to DATA.
#include <iostream>
#include <vector>

#include "commands.h"
#include "cli/cli.h"
#include "crypto/key_passphrase.h"

int main(int argc, char** argv) {
  CLI::App app{"relais-audit: verify, replay and prove a Relais broker's tamper-evident log, offline",
               "relais-audit"};
  app.set_version_flag("--version", std::string("relais-audit ") + RELAIS_VERSION);
  app.require_subcommand(1);
  auto g = std::make_shared<relais::audit::Global>();
  app.add_option("--bundle", g->bundle,
                 "A trust bundle: required by prove and check-proof; optional for verify and replay, which read "
                 "the bundles from the log (when given, it must be one the log shows loaded, or newer)");
  app.add_option("--authority-pub", g->authority_pub, "Pin the authority that signs the bundle: its card (.pub)");
  app.add_option("--authority-key", g->authority_key, "Pin the authority: its Ed25519 public key in base64");
  app.add_option("--data", g->data, "The broker's data folder, or a (read-only) copy of it");
  std::vector<relais::audit::Command> commands = {
      relais::audit::add_verify(app, g), relais::audit::add_replay(app, g), relais::audit::add_prove(app, g),
      relais::audit::add_check_proof(app, g), relais::audit::add_witness(app, g),
      relais::audit::add_show_receipt(app, g)};
  for (auto& c : commands) c.app->fallthrough();
  if (auto code = relais::parse_command_line(app, argc, argv)) return *code;
  relais::enable_passphrase_prompt();  // an encrypted key asks for its passphrase on a terminal
  try {
    for (auto& c : commands)
      if (c.app->parsed()) return c.run();
  } catch (const std::exception& e) {
    std::cerr << "relais-audit: unexpected error: " << e.what() << "\n";
    return relais::kExitFailed;
  }
  return relais::kExitUsage;
}
