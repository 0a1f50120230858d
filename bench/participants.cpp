// relais-bench participants --dir DIR --count N [--out FILE] [--tag T]:
// adds N agencies to a relais-admin init deployment, as `relais-admin add`
// does for one: each gets its own keys (DIR/participant-keys/NAME.key and
// NAME.pub) and card, and the next bundle (serial + 1) is signed with the
// deployment's authority key (DIR/keys/authority.key) from the bundle in
// force (spec_of: its cards, policy, locations and history kept), written
// to FILE (default DIR/trust.bundle, replaced atomically).
//
// The agencies have the usual roles (police, gendarmerie, social, ngo,
// committee), named ROLE.PREFECTURE-TNNNN, in the 30 prefectures of
// Savanes, Kara, Centrale and Plateaux: none of them reads the alerts of
// Maritime/Golfe, so `relais-bench e2e` (social.golfe -> commission,
// committee.golfe, police.golfe) seals to the same three readers as before.
// Every participant gets a mailbox (the policy's [[mailboxes]]
// referral.<name>/response.<name>), opened by the broker when it loads the
// bundle. Prints participants.added and participants.bundle_bytes.
#include <sodium.h>

#include <cstdio>
#include <filesystem>

#include "bench_util.h"
#include "commands.h"
#include "policy/bundle.h"
#include "policy/locations.h"
#include "util/clock.h"
#include "util/files.h"

namespace relais::bench {
namespace {

struct ParticipantRole {
  Role role;
  const char* token;
};
constexpr ParticipantRole kParticipantRoles[] = {{Role::kPolice, "police"},
                                                 {Role::kGendarmerie, "gendarmerie"},
                                                 {Role::kSocial, "social"},
                                                 {Role::kNgo, "ngo"},
                                                 {Role::kCommittee, "committee"}};

}  // namespace

int run_participants(const ParticipantsOptions& o) {
  if (sodium_init() < 0) return 1;
  const int64_t t0 = mono_ns();
  auto authority = load_identity(o.dir + "/keys/authority.key");
  if (!authority.ok()) {
    std::cerr << "relais-bench participants: " << authority.status().message() << "\n";
    return 1;
  }
  auto old = load_bundle(o.dir + "/trust.bundle", authority->card.sign_pk);
  if (!old.ok()) {
    std::cerr << "relais-bench participants: " << old.status().message() << "\n";
    return 1;
  }
  // Prefectures outside Maritime, from the bundle's own location table.
  std::vector<std::pair<std::string, std::string>> places;
  for (const Prefecture& p : old->locations.prefectures())
    if (p.region != "maritime") places.emplace_back(p.region, p.slug);
  if (places.empty()) {
    std::cerr << "relais-bench participants: the bundle's location table has no prefecture outside Maritime\n";
    return 1;
  }
  const std::string keys = o.dir + "/participant-keys";
  if (Status s = make_dirs(keys, 0700); !s.ok()) {
    std::cerr << "relais-bench participants: " << s.message() << "\n";
    return 1;
  }
  BundleSpec spec = spec_of(*old);
  for (size_t i = 0; i < o.count; ++i) {
    const ParticipantRole& r = kParticipantRoles[i % 5];
    const auto& [region, prefecture] = places[(i / 5) % places.size()];
    char name[96];
    std::snprintf(name, sizeof name, "%s.%s-%s%04zu", r.token, prefecture.c_str(), o.tag.c_str(), i);
    if (old->find(name) != nullptr) {
      std::cerr << "relais-bench participants: the bundle already has " << name << "; pass another --tag\n";
      return 1;
    }
    auto id = generate_identity(name, r.role, region, prefecture);
    if (!id.ok()) {
      std::cerr << "relais-bench participants: " << id.status().message() << "\n";
      return 1;
    }
    if (Status s = write_identity(*id, keys); !s.ok()) {
      std::cerr << "relais-bench participants: " << s.message() << "\n";
      return 1;
    }
    spec.cards.push_back(id->card);
  }
  // As relais-admin's reissue: the next serial, issued now, the default life.
  spec.serial = old->serial + 1;
  spec.issued_at_ms = now_ms();
  spec.expires_at_ms = 0;
  auto bundle = build_bundle(*authority, spec);
  if (!bundle.ok()) {
    std::cerr << "relais-bench participants: " << bundle.status().message() << "\n";
    return 1;
  }
  const std::string out = o.out.empty() ? o.dir + "/trust.bundle" : o.out;
  if (Status s = write_file_durable(out, *bundle, 0644); !s.ok()) {
    std::cerr << "relais-bench participants: " << s.message() << "\n";
    return 1;
  }
  emit("participants.added", std::to_string(o.count));
  emit("participants.total", std::to_string(spec.cards.size()));
  emit("participants.serial", std::to_string(spec.serial));
  emit("participants.bundle_bytes", std::to_string(bundle->size()));
  emit("participants.seconds", static_cast<double>(mono_ns() - t0) / 1e9, 2);
  return 0;
}

}  // namespace relais::bench
