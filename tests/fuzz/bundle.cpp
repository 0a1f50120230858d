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
  }
  (void)bundle->broker();
  return 0;
}

}  // namespace relais::fuzz
