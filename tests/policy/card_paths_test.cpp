// One card, two paths: the .pub file (crypto/keys.h) and a bundle's
// [[participant]] table (policy/bundle.h) read and write it through
// crypto/card.h, and a bundle's bytes are those every earlier version wrote.
#include <catch2/catch.hpp>

#include <sodium.h>

#include <cstring>

#include "crypto/card.h"
#include "policy/bundle.h"
#include "policy/sample_policy.h"

using namespace relais;

namespace {

// A keypair set derived from a fixed seed, so that bundles are reproducible.
Identity seeded_identity(const std::string& name, Role role, const std::string& region, const std::string& prefecture,
                         uint8_t seed_byte) {
  REQUIRE(sodium_init() >= 0);
  Identity id;
  id.card.name = name;
  id.card.role = role;
  id.card.region = region;
  id.card.prefecture = prefecture;
  uint8_t seed[32];
  std::memset(seed, seed_byte, sizeof seed);
  id.sign_sk = SecretBytes(crypto_sign_SECRETKEYBYTES);
  crypto_sign_seed_keypair(id.card.sign_pk.data(), id.sign_sk.data(), seed);
  for (size_t i = 0; i < 32; ++i) {
    id.card.link_pk[i] = static_cast<uint8_t>(seed_byte + 1);
    id.card.seal_pk[i] = static_cast<uint8_t>(seed_byte + 2);
  }
  return id;
}

bool same(const PublicCard& a, const PublicCard& b) {
  return a.name == b.name && a.role == b.role && a.region == b.region && a.prefecture == b.prefecture &&
         a.sign_pk == b.sign_pk && a.link_pk == b.link_pk && a.seal_pk == b.seal_pk;
}

}  // namespace

TEST_CASE("a card round-trips unchanged through its pub file and through a bundle", "[card][bundle]") {
  const Identity authority = seeded_identity("authority", Role::kAuthority, "", "", 1);
  const Identity broker = seeded_identity("broker", Role::kBroker, "", "", 10);
  const Identity police = generate_identity("police.golfe", Role::kPolice, "maritime", "golfe").value();

  auto from_pub = card_from_toml(card_to_toml(police.card), "police.golfe.pub");
  REQUIRE(from_pub.ok());
  CHECK(same(*from_pub, police.card));

  auto bytes = build_bundle(authority, {broker.card, *from_pub}, sample_policy_toml(), 3, 1767225600123, {});
  REQUIRE(bytes.ok());
  auto bundle = parse_bundle(*bytes, authority.card.sign_pk, "t.bundle");
  REQUIRE(bundle.ok());
  const PublicCard* in_bundle = bundle->find("police.golfe");
  REQUIRE(in_bundle != nullptr);
  CHECK(same(*in_bundle, police.card));
  CHECK_FALSE(in_bundle->revoked);
  // And back out to a .pub file: the same bytes as the first one.
  CHECK(card_to_toml(*in_bundle) == card_to_toml(police.card));
}

TEST_CASE("a bundle's participant tables keep the card layout earlier versions wrote", "[card][bundle]") {
  const Identity authority = seeded_identity("authority", Role::kAuthority, "", "", 1);
  const Identity broker = seeded_identity("broker", Role::kBroker, "", "", 10);
  const Identity social = seeded_identity("social.golfe", Role::kSocial, "maritime", "golfe", 20);
  auto bytes = build_bundle(authority, {social.card, broker.card}, sample_policy_toml(), 3, 1767225600123,
                            {"social.golfe"});
  REQUIRE(bytes.ok());
  const std::string text(bytes->begin(), bytes->end());
  // The participant tables as bundle.cpp wrote them before cards had one
  // place; version 2 adds the serial that revoked a revoked card.
  std::string expected;
  for (const Identity* id : {&broker, &social}) {
    const PublicCard& c = id->card;
    expected += "\n[[participant]]\nname = \"" + c.name + "\"\nrole = \"" + std::string(role_name(c.role)) +
                "\"\nregion = \"" + c.region + "\"\nprefecture = \"" + c.prefecture + "\"\nsign_pk = \"" +
                to_base64(c.sign_pk) + "\"\nlink_pk = \"" + to_base64(c.link_pk) + "\"\nseal_pk = \"" +
                to_base64(c.seal_pk) + "\"\nrevoked = " + (id == &social ? "true\nrevoked_at_serial = 3" : "false") + "\n";
  }
  expected += "\n[signature]\ned25519 = \"";
  const size_t at = text.find("\n[[participant]]");
  REQUIRE(at != std::string::npos);
  CHECK(text.substr(at, expected.size()) == expected);
  CHECK_THAT(text, Catch::StartsWith("# Relais trust bundle, signed by the authority."));
  // Ed25519 is deterministic: the same input gives the same file.
  auto again = build_bundle(authority, {broker.card, social.card}, sample_policy_toml(), 3, 1767225600123,
                            {"social.golfe"});
  REQUIRE(again.ok());
  CHECK(*again == *bytes);
}
