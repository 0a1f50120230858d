// relais-audit … prove --id MSGID
// One JSON document (relais-proof/1, core/audit/proof.h) on stdout.
// Exit 0; 1 when the message is unknown, not yet signed, or the log is damaged; 2 usage/config.
#include <iostream>

#include "audit/proof.h"
#include "commands.h"
#include "util/json_output.h"

namespace relais::audit {

Command add_prove(CLI::App& root, std::shared_ptr<Global> g) {
  auto id = std::make_shared<std::string>();
  CLI::App* app = root.add_subcommand("prove", "Print the inclusion proof of one message against the latest checkpoint");
  app->add_option("--id", *id, "The message id (8-4-4-4-12 hex)")->required();
  return {app, [g, id] {
            if (Status s = require_data(*g, "prove"); !s.ok()) return report(s);
            auto uuid = uuid_from_string(*id);
            if (!uuid.ok()) return report(Status::Usage("prove: --id: " + uuid.status().message()));
            auto bundle = load_pinned_bundle(*g);
            if (!bundle.ok()) return report(bundle.status());
            auto proof = make_proof(g->data, *bundle, *uuid);
            if (!proof.ok()) {
              report(proof.status());
              return proof.status().exit_code();
            }
            std::cout << json_text(*proof, 2) << "\n";
            return kExitOk;
          }};
}

}  // namespace relais::audit
