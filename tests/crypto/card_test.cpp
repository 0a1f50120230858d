// Public cards as TOML: one writer and one reader for key files and bundles.
#include <catch2/catch.hpp>

#include "crypto/card.h"

using namespace relais;

namespace {

PublicCard fixed_card() {
  PublicCard c;
  c.name = "police.golfe";
  c.role = Role::kPolice;
  c.region = "maritime";
  c.prefecture = "golfe";
  for (uint8_t i = 0; i < 32; ++i) {
    c.sign_pk[i] = i;
    c.link_pk[i] = static_cast<uint8_t>(i + 32);
    c.seal_pk[i] = static_cast<uint8_t>(i + 64);
  }
  return c;
}

// The lines every earlier version wrote (keys.cpp and bundle.cpp before cards had one place).
const char* kFields =
    "name = \"police.golfe\"\nrole = \"police\"\nregion = \"maritime\"\nprefecture = \"golfe\"\n"
    "sign_pk = \"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"";
const char* kKeyTail =
    "  # Ed25519, signatures\n"
    "link_pk = \"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\"  # X25519, CurveZMQ transport\n"
    "seal_pk = \"QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=\"  # X25519, content-key sealing\n";
const char* kBundleTail =
    "\nlink_pk = \"ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\"\n"
    "seal_pk = \"QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=\"\nrevoked = true\n";

bool same(const PublicCard& a, const PublicCard& b) {
  return a.name == b.name && a.role == b.role && a.region == b.region && a.prefecture == b.prefecture &&
         a.sign_pk == b.sign_pk && a.link_pk == b.link_pk && a.seal_pk == b.seal_pk && a.revoked == b.revoked;
}

}  // namespace

TEST_CASE("a card's fields are written byte for byte as key files and bundles always wrote them", "[card]") {
  PublicCard c = fixed_card();
  CHECK(card_fields_toml(c, CardLayout::kKeyFile) == std::string(kFields) + kKeyTail);
  c.revoked = true;
  CHECK(card_fields_toml(c, CardLayout::kBundle) == std::string(kFields) + kBundleTail);
  CHECK(card_to_toml(fixed_card()) ==
        "# Relais public card. Share freely; the secret keys are in police.golfe.key.\nformat = \"relais-card/1\"\n" +
            std::string(kFields) + kKeyTail);
}

TEST_CASE("a card reads back from its fields in either layout", "[card]") {
  for (CardLayout layout : {CardLayout::kKeyFile, CardLayout::kBundle}) {
    PublicCard c = fixed_card();
    c.revoked = layout == CardLayout::kBundle;
    TomlReader r(card_fields_toml(c, layout), "c.toml", "keys");
    TomlTable t = r.root();
    auto back = read_card_fields(t, layout);
    t.reject_unknown();
    INFO(r.finish(Code::kConfig).message());
    REQUIRE(back.has_value());
    CHECK(r.ok());
    CHECK(same(*back, c));
  }
}

TEST_CASE("region and prefecture may be left out of a card", "[card]") {
  std::string text = card_fields_toml(fixed_card(), CardLayout::kKeyFile);
  text.erase(text.find("region"), text.find("sign_pk") - text.find("region"));
  TomlReader r(text, "c.toml");
  TomlTable t = r.root();
  auto back = read_card_fields(t, CardLayout::kKeyFile);
  REQUIRE(back.has_value());
  CHECK(back->region.empty());
  CHECK(back->prefecture.empty());
}

TEST_CASE("every problem of a card is reported at once with its line", "[card]") {
  TomlReader r("name = \"Police\"\nrole = \"pirate\"\nregion = \"Mar itime\"\nsign_pk = \"AAAA\"\nlink_pk = 3\n",
               "bad.pub", "keys");
  TomlTable t = r.root();
  CHECK_FALSE(read_card_fields(t, CardLayout::kBundle).has_value());
  const auto& e = r.errors();
  REQUIRE(e.size() == 7);
  CHECK_THAT(e[0], Catch::StartsWith("bad.pub:1: keys: name: invalid participant name 'Police'"));
  CHECK_THAT(e[1], Catch::StartsWith("bad.pub:2: keys: role: unknown role 'pirate'"));
  CHECK_THAT(e[2], Catch::StartsWith("bad.pub:3: keys: region = 'Mar itime' is not a lowercase slug"));
  CHECK(e[3] == "bad.pub:4: keys: sign_pk must be 32 bytes in base64");
  CHECK(e[4] == "bad.pub:5: keys: link_pk must be a string");
  CHECK(e[5] == "bad.pub: keys: missing required key seal_pk");
  CHECK(e[6] == "bad.pub: keys: missing required key revoked");
}

TEST_CASE("a public card file refuses keys outside the card", "[card]") {
  const std::string text = card_to_toml(fixed_card());
  auto revoked = card_from_toml(text + "revoked = false\n", "r.pub");
  REQUIRE_FALSE(revoked.ok());
  CHECK(revoked.status().code() == Code::kConfig);
  CHECK_THAT(revoked.status().message(), Catch::Contains("r.pub:10: keys: unknown key revoked"));
  auto secret = card_from_toml(text + "sign_sk = \"AAAA\"\n", "s.pub");
  REQUIRE_FALSE(secret.ok());
  CHECK_THAT(secret.status().message(), Catch::Contains("holds a secret key"));
}
