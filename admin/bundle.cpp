// relais-admin bundle --authority AUTH.key --cards DIR --policy POLICY.toml
//                     [--serial N] [--revoke NAME ...] --out FILE
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.h"
#include "policy/bundle.h"
#include "util/clock.h"
#include "util/files.h"

namespace relais::admin {

Command add_bundle(CLI::App& root) {
  struct Options {
    std::string authority, cards, policy, out;
    uint64_t serial = 1;
    std::vector<std::string> revoke;
  };
  auto o = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand("bundle", "Sign every card in a folder and the policy into a trust bundle");
  app->add_option("--authority", o->authority, "The authority's secret key file")->required();
  app->add_option("--cards", o->cards, "Folder of participant cards (*.pub); authority cards are skipped")
      ->required();
  app->add_option("--policy", o->policy, "Policy file (relais-policy/1 TOML)")->required();
  app->add_option("--serial", o->serial, "Bundle serial; must grow with each new bundle (default 1)")
      ->check(CLI::Range(uint64_t{1}, static_cast<uint64_t>(INT64_MAX)));
  app->add_option("--revoke", o->revoke, "Participant to mark revoked (repeatable)");
  app->add_option("--out", o->out, "Bundle file to write")->required();
  return {app, [o] {
            auto authority = load_identity(o->authority);
            if (!authority.ok()) return report(authority.status());
            if (authority->card.role != Role::kAuthority)
              return report(Status::Usage("bundle: " + o->authority + " is not an authority key (role " +
                                          std::string(role_name(authority->card.role)) + ")"));
            auto policy_text = read_text_file(o->policy);
            if (!policy_text.ok()) return report(Status::Config(policy_text.status().message()));
            auto policy = Policy::parse(*policy_text, o->policy);
            if (!policy.ok()) return report(policy.status());
            std::vector<std::string> paths;
            std::error_code ec;
            for (const auto& e : std::filesystem::directory_iterator(o->cards, ec))
              if (e.path().extension() == ".pub") paths.push_back(e.path().string());
            if (ec) return report(Status::Config("bundle: cannot list " + o->cards + ": " + ec.message()));
            std::sort(paths.begin(), paths.end());
            std::vector<PublicCard> cards;
            for (const auto& p : paths) {
              auto c = load_card(p);
              if (!c.ok()) return report(c.status());
              cards.push_back(*c);
            }
            auto bytes = build_bundle(*authority, cards, *policy_text, o->serial, now_ms(), o->revoke);
            if (!bytes.ok()) return report(bytes.status());
            Status s = write_file_durable(o->out, *bytes, 0644);
            if (!s.ok()) return report(s);
            size_t participants = 0;
            for (const auto& c : cards) participants += c.role != Role::kAuthority;
            std::cout << "wrote " << o->out << ": serial " << o->serial << ", " << participants << " participants, "
                      << o->revoke.size() << " revoked\n";
            return 0;
          }};
}

}  // namespace relais::admin
