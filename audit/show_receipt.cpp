// relais-audit [--bundle FILE --authority-pub …] show-receipt FILE
// Prints a receipt saved by `relais-agent publish --receipt` (format in
// docs/formats.md), every field. With --bundle (and the pinned authority) it
// also checks the broker's signature against the bundle's broker key; without
// it the receipt is printed as unchecked. Exit 0 shown (and valid), 1 a
// malformed receipt or a signature that does not verify, 2 usage/config.
#include <iostream>

#include "commands.h"
#include "receipt/receipt.h"
#include "receipt/receipt_text.h"
#include "util/files.h"

namespace relais::audit {

Command add_show_receipt(CLI::App& root, std::shared_ptr<Global> g) {
  auto file = std::make_shared<std::string>();
  CLI::App* app = root.add_subcommand("show-receipt", "Print a receipt saved by relais-agent publish --receipt");
  app->add_option("file", *file, "The receipt file")->required();
  return {app, [g, file] {
            constexpr size_t kMaxReceiptFile = 4096;  // a receipt is under 700 bytes
            auto bytes = read_file(*file, kMaxReceiptFile);
            if (!bytes.ok()) return report(Status::Config("show-receipt: " + bytes.status().message()));
            auto r = decode_receipt(*bytes);
            if (!r.ok())
              return report(Status::Invalid("show-receipt: " + *file + " is not a receipt saved by relais-agent "
                                            "publish --receipt (" + r.status().message() + ")"));
            std::cout << "receipt:    " << *file << " (" << bytes->size() << " bytes)\n" << receipt_to_text(*r);
            if (g->bundle.empty()) {
              std::cout << "checked:    NOT CHECKED: pass --bundle and --authority-pub (or --authority-key) to "
                           "check the broker's signature\n";
              return kExitOk;
            }
            auto bundle = load_pinned_bundle(*g);
            if (!bundle.ok()) return report(bundle.status());
            const PublicCard* broker = bundle->broker();
            if (broker == nullptr) return report(Status::Config("show-receipt: the bundle has no broker card"));
            if (Status s = verify_receipt(*r, broker->sign_pk); !s.ok()) {
              std::cout << "checked:    INVALID: not signed by the bundle's broker key " << broker->name << "\n";
              return report(Status::Invalid("show-receipt: " + s.message()));
            }
            std::cout << "checked:    VALID: signed by the bundle's broker key (" << broker->name << ")\n";
            return kExitOk;
          }};
}

}  // namespace relais::audit
