// Trust bundle parsing (core/policy/bundle.h) against the fixed authority key.
#include "fuzz/harnesses.h"
#include "policy/bundle.h"

namespace relais::fuzz {

int fuzz_bundle(const uint8_t* data, size_t size) {
  auto bundle = parse_bundle(ByteView(data, size), fixed_identity(2).card.sign_pk, "fuzz.bundle");
  if (!bundle.ok()) return 0;
  for (const auto& c : bundle->participants) {
    FUZZ_CHECK(bundle->find(c.name) != nullptr);
    FUZZ_CHECK(c.role != Role::kAuthority);
    (void)bundle->find_by_link_key(c.link_pk);
    // Every current key looks up as its own card, current or revoked.
    auto m = bundle->find_by_sign_key(c.sign_pk);
    FUZZ_CHECK(m && m->card == bundle->find(c.name));
    FUZZ_CHECK(m->state == (c.revoked ? KeyMatch::State::kRevoked : KeyMatch::State::kCurrent));
  }
  for (const auto& [name, h] : bundle->history) {
    FUZZ_CHECK(bundle->find(name) != nullptr);
    FUZZ_CHECK(h.revoked_at_serial <= bundle->serial);
    for (const auto& r : h.retired) {
      auto m = bundle->find_by_sign_key(r.sign_pk);
      FUZZ_CHECK(m && m->state == KeyMatch::State::kRetired && m->since_serial == r.retired_at_serial);
      FUZZ_CHECK(bundle->find_by_link_key(r.link_pk) == nullptr);
    }
  }
  FUZZ_CHECK(bundle->file.size() == size);
  FUZZ_CHECK(bundle->expires_at_ms > bundle->issued_at_ms);
  (void)bundle->broker();
  return 0;
}

}  // namespace relais::fuzz
