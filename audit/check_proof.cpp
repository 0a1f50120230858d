// relais-audit --bundle FILE --authority-pub … check-proof --proof FILE [--receipt FILE]
// Needs no log. Exit 0 valid, 1 invalid, 2 usage/config. Every field of the
// proof is checked (audit/proof.h); a line printed is authenticated by the
// signed checkpoint (and the receipt), or marked NOT AUTHENTICATED.
#include <iostream>

#include "audit/proof.h"
#include "commands.h"
#include "util/clock.h"
#include "util/files.h"

namespace relais::audit {

Command add_check_proof(CLI::App& root, std::shared_ptr<Global> g) {
  struct Options {
    std::string proof, receipt;
  };
  auto o = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand("check-proof", "Verify an inclusion proof (and a receipt) with only the bundle");
  app->add_option("--proof", o->proof, "The proof printed by prove")->required();
  app->add_option("--receipt", o->receipt, "The receipt saved by relais-agent publish --receipt");
  return {app, [g, o] {
            auto bundle = load_pinned_bundle(*g);
            if (!bundle.ok()) return report(bundle.status());
            auto text = read_text_file(o->proof, 16u << 20);
            if (!text.ok()) return report(Status::Config("check-proof: " + text.status().message()));
            std::optional<Bytes> receipt;
            if (!o->receipt.empty()) {
              auto r = read_file(o->receipt, 4096);
              if (!r.ok()) return report(Status::Config("check-proof: " + r.status().message()));
              receipt = std::move(*r);
            }
            nlohmann::json doc = nlohmann::json::parse(*text, nullptr, false);
            if (doc.is_discarded()) {
              std::cout << "INVALID\n";
              return report(Status::Invalid("proof: " + o->proof + " is not JSON"));
            }
            auto c = check_proof(doc, *bundle, receipt);
            if (!c.ok()) {
              std::cout << "INVALID\n";
              return report(c.status().code() == Code::kConfig ? c.status() : Status::Invalid(c.status().message()));
            }
            // Every line printed is authenticated, or says that it is not.
            std::cout << "VALID\n";
            if (c->core_checked) {
              std::cout << "message:    " << c->id << " from " << c->from << " on " << c->topic << "\n";
            } else {
              std::cout << "message:    " << c->id
                        << (c->id_authenticated() ? " (named by the receipt)\n"
                                                  : " (NOT AUTHENTICATED: the proof carries no core and no receipt "
                                                    "was given)\n");
              if (!c->from.empty() || !c->topic.empty())
                std::cout << "shown:      from " << (c->from.empty() ? "?" : c->from) << " on "
                          << (c->topic.empty() ? "?" : c->topic)
                          << " (NOT AUTHENTICATED: the proof carries no core)\n";
            }
            std::cout << "logged as:  seq " << c->seq << " at " << format_rfc3339_ms(c->leaf_ts_ms) << "\n"
                      << "signed in:  checkpoint of size " << c->tree_size
                      << (c->epoch == 0 ? std::string() : " (log epoch " + std::to_string(c->epoch) + ")") << " at "
                      << format_rfc3339_ms(c->checkpoint_ts_ms) << " by the bundle's broker key\n"
                      << "receipt:    " << (c->receipt_checked ? "matches (id, seq and leaf hash)" : "not given") << "\n";
            return kExitOk;
          }};
}

}  // namespace relais::audit
