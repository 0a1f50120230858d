// relais-admin bundle --authority AUTH.key --cards DIR --policy POLICY.toml
//                     [--serial N] [--revoke NAME ...] [--remove NAME ...]
//                     [--unrevoke NAME ...] [--locations CSV] --out FILE
// Signs every card in a folder and the policy into a trust bundle. When --out
// already holds a bundle (it must verify with the authority key) the new one
// continues it: the serial defaults to the next one and an explicit --serial
// must be higher; every participant it holds must still be there unless
// --remove names it; every revocation must be repeated with --revoke unless
// --unrevoke names it (the revocation keeps its serial); retired keys are
// carried over, and a card whose keys changed has its old keys retired.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>

#include "commands.h"
#include "policy/bundle.h"
#include "util/clock.h"
#include "util/files.h"
#include "workflow.h"

namespace relais::admin {
namespace {

struct Options {
  std::string authority, cards, policy, out, locations;
  uint64_t serial = 0;  // 0: not given
  std::vector<std::string> revoke, remove, unrevoke;
};

// Continues `old` into spec (serial, history), or refuses. Usage errors for
// names that make no sense, Status::Refused for what would be lost.
Status continue_from(const TrustBundle& old, const Options& o, BundleSpec& spec) {
  if (o.serial != 0 && o.serial <= old.serial)
    return Status::Refused(o.out + " holds serial " + std::to_string(old.serial) + "; --serial " +
                           std::to_string(o.serial) + " is not higher. Leave --serial out to take " +
                           std::to_string(old.serial + 1));
  spec.serial = o.serial != 0 ? o.serial : old.serial + 1;
  const std::set<std::string> remove(o.remove.begin(), o.remove.end());
  const std::set<std::string> unrevoke(o.unrevoke.begin(), o.unrevoke.end());
  const std::set<std::string> revoke(o.revoke.begin(), o.revoke.end());
  for (const auto& name : remove) {
    if (old.find(name) == nullptr)
      return Status::Usage("--remove " + name + ": " + o.out + " has no participant of that name");
    for (const auto& c : spec.cards)
      if (c.name == name)
        return Status::Usage("--remove " + name + ": its card is still in " + o.cards + "; take it out first");
  }
  for (const auto& name : unrevoke) {
    const PublicCard* c = old.find(name);
    if (c == nullptr || !c->revoked)
      return Status::Usage("--unrevoke " + name + ": " + o.out + " does not hold it revoked");
    if (revoke.count(name)) return Status::Usage("--unrevoke " + name + " and --revoke " + name + " contradict");
  }
  std::vector<std::string> problems;
  for (const auto& e : old.participants) {
    if (remove.count(e.name)) continue;
    auto it = std::find_if(spec.cards.begin(), spec.cards.end(), [&](const PublicCard& c) { return c.name == e.name; });
    if (it == spec.cards.end()) {
      problems.push_back(e.name + " is in " + o.out + " but its card is not in " + o.cards +
                         ": pass --remove " + e.name + " to drop it");
      continue;
    }
    CardHistory h = old.history_of(e.name);
    if (e.revoked && !unrevoke.count(e.name)) {
      if (!revoke.count(e.name))
        problems.push_back(e.name + " is revoked in " + o.out + " (since serial " +
                           std::to_string(h.revoked_at_serial) + "): pass --revoke " + e.name +
                           " to keep it revoked, or --unrevoke " + e.name + " to lift the revocation");
    } else {
      h.revoked_at_serial = 0;
    }
    if (it->sign_pk != e.sign_pk || it->link_pk != e.link_pk || it->seal_pk != e.seal_pk)
      h.retired.push_back(RetiredKey{e.sign_pk, e.link_pk, e.seal_pk, spec.serial});
    if (h.revoked_at_serial != 0 || !h.retired.empty()) spec.history[e.name] = std::move(h);
  }
  if (!problems.empty()) {
    std::string m = "refusing to write " + o.out + ", which would lose what the existing bundle holds:";
    for (const auto& p : problems) m += "\n  " + p;
    return Status::Refused(m);
  }
  return Status::Ok();
}

}  // namespace

Command add_bundle(CLI::App& root) {
  auto o = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand("bundle", "Sign every card in a folder and the policy into a trust bundle");
  app->add_option("--authority", o->authority, "The authority's secret key file")->required();
  app->add_option("--cards", o->cards, "Folder of participant cards (*.pub); authority cards are skipped")
      ->required();
  app->add_option("--policy", o->policy, "Policy file (relais-policy/2 TOML)")->required();
  app->add_option("--serial", o->serial,
                  "Bundle serial (default: the one after --out's, or 1 when --out does not exist); must be higher "
                  "than --out's")
      ->check(CLI::Range(uint64_t{1}, static_cast<uint64_t>(INT64_MAX)));
  app->add_option("--revoke", o->revoke, "Participant to mark revoked (repeatable; repeat earlier revocations)");
  app->add_option("--remove", o->remove, "Participant of the existing --out to drop entirely (repeatable)");
  app->add_option("--unrevoke", o->unrevoke, "Revoked participant of the existing --out to reinstate (repeatable)");
  app->add_option("--locations", o->locations,
                  "Location table CSV to sign in (default: the existing --out's, else the built-in config/locations.csv)");
  app->add_option("--out", o->out, "Bundle file to write")->required();
  return {app, [o] {
            auto authority = load_authority(o->authority, "bundle");
            if (!authority.ok()) return report(authority.status());
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
            BundleSpec spec;
            for (const auto& p : paths) {
              auto c = load_card(p);
              if (!c.ok()) return report(c.status());
              if (c->role != Role::kAuthority) spec.cards.push_back(*c);
            }
            for (const auto& name : o->revoke) {
              auto it = std::find_if(spec.cards.begin(), spec.cards.end(),
                                     [&](const PublicCard& c) { return c.name == name; });
              if (it == spec.cards.end())
                return report(Status::Usage("bundle: cannot revoke '" + name + "': no card of that name in " + o->cards));
              it->revoked = true;
            }
            spec.policy_text = *policy_text;
            spec.issued_at_ms = now_ms();
            if (!o->locations.empty()) {
              auto csv = read_text_file(o->locations, 1u << 20);
              if (!csv.ok()) return report(Status::Config(csv.status().message()));
              spec.locations_text = *csv;
            }
            uint64_t was = 0;
            if (std::filesystem::exists(o->out, ec)) {
              auto old = load_bundle(o->out, authority->card.sign_pk);
              if (!old.ok())
                return report(Status::Invalid("bundle: cannot continue from the existing " + o->out + ": " +
                                              old.status().message()));
              was = old->serial;
              if (o->locations.empty()) spec.locations_text = old->locations_text;
              if (Status s = continue_from(*old, *o, spec); !s.ok()) return report(s.with_prefix("bundle"));
            } else {
              if (!o->remove.empty() || !o->unrevoke.empty())
                return report(Status::Usage("bundle: --remove and --unrevoke need an existing --out bundle"));
              spec.serial = o->serial != 0 ? o->serial : 1;
            }
            auto bytes = build_bundle(*authority, spec);
            if (!bytes.ok()) return report(bytes.status());
            Status s = write_file_durable(o->out, *bytes, 0644);
            if (!s.ok()) return report(s);
            size_t revoked = 0;
            for (const auto& c : spec.cards) revoked += c.revoked;
            std::cout << "wrote " << o->out << ": serial " << spec.serial;
            if (was != 0) std::cout << " (was " << was << ")";
            std::cout << ", " << spec.cards.size() << " participants, " << revoked << " revoked\n";
            return 0;
          }};
}

}  // namespace relais::admin
