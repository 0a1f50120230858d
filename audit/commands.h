// relais-audit subcommands, one file each (verify.cpp, replay.cpp,
// prove.cpp, check_proof.cpp, witness.cpp, show_receipt.cpp). Every add_* registers its subcommand on the
// root app and returns the function to run once the command line has
// parsed; it returns the exit code (0 ok, 1 invalid/failed, 2 usage/config).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "audit/bundle_history.h"
#include "policy/bundle.h"
#include "cli/cli.h"
#include "util/status.h"

namespace relais::audit {

// The options every subcommand shares (given before or after the subcommand).
struct Global {
  std::string bundle, authority_pub, authority_key, data;
};

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

Command add_verify(CLI::App& root, std::shared_ptr<Global> g);
Command add_replay(CLI::App& root, std::shared_ptr<Global> g);
Command add_prove(CLI::App& root, std::shared_ptr<Global> g);
Command add_check_proof(CLI::App& root, std::shared_ptr<Global> g);
Command add_witness(CLI::App& root, std::shared_ptr<Global> g);
Command add_show_receipt(CLI::App& root, std::shared_ptr<Global> g);

// Prints "relais-audit: <message>" to stderr and returns the status' exit code.
int report(const Status& s);

// The pinned authority key: exactly one of --authority-pub /
// --authority-key (Status::Usage saying which to pass).
Result<PublicKey> pinned_authority(const Global& g);

// Loads --bundle (required) after pinning the authority key, then checks the
// bundle's signature (Status::Invalid when it fails). For prove/check-proof.
Result<TrustBundle> load_pinned_bundle(const Global& g);

// The pinned authority and, when --bundle is given, that bundle (verified):
// verify and replay read the other bundles from the log.
Result<AuditTrust> load_trust(const Global& g);

// Status::Usage when --data is missing.
Status require_data(const Global& g, const char* command);

}  // namespace relais::audit
