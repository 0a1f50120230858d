// relais-admin verify-bundle --authority-pub AUTH.pub FILE
// Exit 0 valid, 1 invalid, 2 usage or unreadable authority card.
#include <iomanip>
#include <iostream>
#include <memory>

#include "commands.h"
#include "policy/bundle.h"
#include "util/clock.h"
#include "util/files.h"

namespace relais::admin {

Command add_verify_bundle(CLI::App& root) {
  struct Options {
    std::string authority_pub, file;
  };
  auto o = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand("verify-bundle", "Check a trust bundle's signature and print what it holds");
  app->add_option("--authority-pub", o->authority_pub, "The authority's public card (.pub)")->required();
  app->add_option("file", o->file, "The bundle file")->required();
  return {app, [o] {
            auto authority = load_card(o->authority_pub);
            if (!authority.ok()) return report(authority.status());
            if (authority->role != Role::kAuthority)
              return report(Status::Usage("verify-bundle: " + o->authority_pub + " is not an authority card"));
            auto bytes = read_file(o->file, kMaxBundleBytes);
            if (!bytes.ok()) return report(Status::Invalid("verify-bundle: " + bytes.status().message()));
            auto b = parse_bundle(*bytes, authority->sign_pk, o->file);
            if (!b.ok()) {
              std::cerr << "INVALID\n";
              return report(b.status());
            }
            const int64_t now = now_ms();
            std::cout << "bundle:      " << o->file << "\n"
                      << "format:      relais-bundle/" << b->version << "\n"
                      << "signature:   valid (authority " << to_base64(authority->sign_pk) << ")\n"
                      << "serial:      " << b->serial << "\n"
                      << "issued_at:   " << format_rfc3339_ms(b->issued_at_ms) << "\n"
                      << "expires_at:  " << format_rfc3339_ms(b->expires_at_ms)
                      << (b->expired(now) ? "  EXPIRED: ask the commission for a new bundle" : "") << "\n"
                      << "hash:        blake2b-256:" << to_hex(b->hash) << "\n"
                      << "locations:   " << b->locations.region_count() << " regions, "
                      << b->locations.prefectures().size() << " prefectures\n"
                      << "participants (" << b->participants.size() << "):\n";
            for (const auto& c : b->participants) {
              const CardHistory& h = b->history_of(c.name);
              std::cout << "  " << std::left << std::setw(20) << c.name << " " << std::setw(11) << role_name(c.role)
                        << " " << std::setw(10) << (c.region.empty() ? "-" : c.region) << " " << std::setw(14)
                        << (c.prefecture.empty() ? "-" : c.prefecture);
              if (c.revoked) std::cout << " REVOKED at serial " << h.revoked_at_serial;
              std::cout << "\n";
              for (const auto& r : h.retired)
                std::cout << "    retired key " << to_base64(r.sign_pk) << " at serial " << r.retired_at_serial << "\n";
            }
            std::cout << "policy:\n";
            for (const auto& line : b->policy.describe()) std::cout << "  " << line << "\n";
            return 0;
          }};
}

}  // namespace relais::admin
