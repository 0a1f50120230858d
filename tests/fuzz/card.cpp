// Public cards and key files (core/crypto/keys.h): card_from_toml and
// identity_from_toml without a passphrase (an encrypted file is refused
// before the costly key derivation).
#include "crypto/keys.h"
#include "fuzz/harnesses.h"

namespace relais::fuzz {

int fuzz_card(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto card = card_from_toml(text, "fuzz.pub");
  if (card.ok()) {
    // What we write, we read back identically.
    auto again = card_from_toml(card_to_toml(*card), "again.pub");
    FUZZ_CHECK(again.ok() && again->name == card->name && again->sign_pk == card->sign_pk &&
               again->region == card->region && again->prefecture == card->prefecture);
  }
  auto id = identity_from_toml(text, "fuzz.key", nullptr);
  if (id.ok()) FUZZ_CHECK(id->sign_sk.size() == 64 && id->seal_sk.size() == 32);
  return 0;
}

}  // namespace relais::fuzz
