// relais-bundle/2: expiry, the signed location table, revocation serials and
// retired keys, find_by_sign_key, and the refusal of version-1 files.
#include <catch2/catch.hpp>

#include <sodium.h>

#include <cstring>

#include "policy/bundle.h"
#include "policy/bundle_v1.h"
#include "policy/sample_policy.h"

using namespace relais;

namespace {

struct People {
  Identity authority = generate_identity("authority", Role::kAuthority, "", "").value();
  Identity broker = generate_identity("broker", Role::kBroker, "", "").value();
  Identity police = generate_identity("police.golfe", Role::kPolice, "maritime", "golfe").value();
  Identity police_old = generate_identity("police.golfe", Role::kPolice, "maritime", "golfe").value();
  Identity social = generate_identity("social.golfe", Role::kSocial, "maritime", "golfe").value();
  Identity commission = generate_identity("commission", Role::kCommission, "", "").value();

  BundleSpec spec() const {
    BundleSpec s;
    s.serial = 9;
    s.issued_at_ms = 1767225600000;
    s.policy_text = std::string(sample_policy_toml());
    s.cards = {broker.card, police.card, social.card, commission.card};
    s.cards[2].revoked = true;
    s.history["social.golfe"].revoked_at_serial = 6;
    s.history["police.golfe"].retired.push_back(
        RetiredKey{police_old.card.sign_pk, police_old.card.link_pk, police_old.card.seal_pk, 4});
    return s;
  }
};

// Signs body (which must end in '\n') as the bundle code does, with the given context.
Bytes sign_body(const Identity& authority, const std::string& body, std::string_view context) {
  std::string msg(context);
  msg += body;
  std::array<uint8_t, crypto_sign_BYTES> sig{};
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const uint8_t*>(msg.data()), msg.size(),
                       authority.sign_sk.data());
  const std::string file = body + "[signature]\ned25519 = \"" + to_base64(sig) + "\"\n";
  return Bytes(file.begin(), file.end());
}

constexpr std::string_view kContextV2{"relais/bundle/v2\0", 17};
constexpr std::string_view kContextV1{"relais/bundle/v1\0", 17};

std::string text_of(const Bytes& b) { return std::string(b.begin(), b.end()); }

}  // namespace

TEST_CASE("A version-2 bundle round-trips its history, locations and expiry", "[bundle]") {
  People p;
  BundleSpec spec = p.spec();
  spec.expires_at_ms = spec.issued_at_ms + 1000;
  spec.locations_text = "region_slug,region_name,prefecture_slug,prefecture_name,grand_lome\n"
                        "maritime,Maritime,golfe,Golfe,yes\n";
  auto bytes = build_bundle(p.authority, spec);
  REQUIRE(bytes.ok());
  CHECK_THAT(text_of(*bytes), Catch::Contains("format = \"relais-bundle/2\"\n"));
  auto b = parse_bundle(*bytes, p.authority.card.sign_pk, "t.bundle");
  REQUIRE(b.ok());
  CHECK(b->version == 2);
  CHECK(b->serial == 9);
  CHECK(b->expires_at_ms == spec.issued_at_ms + 1000);
  CHECK(b->locations_text == spec.locations_text);
  CHECK(b->locations.prefectures().size() == 1);
  CHECK(b->file == *bytes);
  CHECK(b->find("social.golfe")->revoked);
  CHECK(b->history_of("social.golfe").revoked_at_serial == 6);
  REQUIRE(b->history_of("police.golfe").retired.size() == 1);
  CHECK(b->history_of("police.golfe").retired[0].sign_pk == p.police_old.card.sign_pk);
  CHECK(b->history_of("police.golfe").retired[0].seal_pk == p.police_old.card.seal_pk);
  CHECK(b->history_of("police.golfe").retired[0].retired_at_serial == 4);
  CHECK(b->history_of("commission").retired.empty());
  CHECK(b->history_of("commission").revoked_at_serial == 0);
  CHECK(b->history_of("nobody").retired.empty());
  // The spec of a parsed bundle signs back to the same bytes (Ed25519 is deterministic).
  auto again = build_bundle(p.authority, spec_of(*b));
  REQUIRE(again.ok());
  CHECK(*again == *bytes);
}

TEST_CASE("find_by_sign_key tells current, retired and revoked keys apart", "[bundle]") {
  People p;
  auto bytes = build_bundle(p.authority, p.spec());
  REQUIRE(bytes.ok());
  auto b = parse_bundle(*bytes, p.authority.card.sign_pk, "t.bundle");
  REQUIRE(b.ok());
  using State = KeyMatch::State;

  auto current = b->find_by_sign_key(p.police.card.sign_pk);
  REQUIRE(current);
  CHECK(current->card->name == "police.golfe");
  CHECK(current->state == State::kCurrent);
  CHECK(current->since_serial == 0);

  auto retired = b->find_by_sign_key(p.police_old.card.sign_pk);
  REQUIRE(retired);
  CHECK(retired->card->name == "police.golfe");
  CHECK(retired->card->sign_pk == p.police.card.sign_pk);  // the participant's current card
  CHECK(retired->state == State::kRetired);
  CHECK(retired->since_serial == 4);

  auto revoked = b->find_by_sign_key(p.social.card.sign_pk);
  REQUIRE(revoked);
  CHECK(revoked->card->name == "social.golfe");
  CHECK(revoked->state == State::kRevoked);
  CHECK(revoked->since_serial == 6);

  CHECK_FALSE(b->find_by_sign_key(p.authority.card.sign_pk));
  // The link key lookup (the broker's allowlist) knows only current keys.
  CHECK(b->find_by_link_key(p.police_old.card.link_pk) == nullptr);
  REQUIRE(b->find_by_link_key(p.police.card.link_pk) != nullptr);
  CHECK(b->find_by_link_key(p.police.card.link_pk)->name == "police.golfe");
}

TEST_CASE("expires_at defaults to 180 days after issue", "[bundle]") {
  People p;
  auto bytes = build_bundle(p.authority, {p.broker.card, p.police.card}, sample_policy_toml(), 1, 1767225600000, {});
  REQUIRE(bytes.ok());
  auto b = parse_bundle(*bytes, p.authority.card.sign_pk, "t.bundle");
  REQUIRE(b.ok());
  CHECK(kDefaultBundleLifetimeMs == int64_t{180} * 24 * 3600 * 1000);
  CHECK(b->expires_at_ms == 1767225600000 + kDefaultBundleLifetimeMs);
  CHECK_FALSE(b->expired(b->expires_at_ms - 1));
  CHECK(b->expired(b->expires_at_ms));
  // The built-in location table is signed in.
  CHECK(b->locations_text == Locations::builtin_csv());
  CHECK(b->locations.check("kara", "kozah").ok());
  // The wrapper marks a revoked name revoked at the bundle's own serial.
  auto r = build_bundle(p.authority, {p.broker.card, p.police.card}, sample_policy_toml(), 5, 0, {"police.golfe"});
  REQUIRE(r.ok());
  auto rb = parse_bundle(*r, p.authority.card.sign_pk, "t.bundle");
  REQUIRE(rb.ok());
  CHECK(rb->history_of("police.golfe").revoked_at_serial == 5);
}

TEST_CASE("Every changed byte in the history of a version-2 bundle is refused", "[bundle]") {
  People p;
  auto bytes = build_bundle(p.authority, p.spec());
  REQUIRE(bytes.ok());
  const std::string text = text_of(*bytes);
  // From the first participant table to the end of the file (revocation
  // serials, retired keys, trailer).
  const size_t from = text.find("[[participant]]");
  REQUIRE(from != std::string::npos);
  size_t accepted = 0;
  for (size_t i = from; i < bytes->size(); ++i) {
    Bytes copy = *bytes;
    copy[i] ^= 0x01;
    if (parse_bundle(copy, p.authority.card.sign_pk, "t.bundle").ok()) ++accepted;
  }
  CHECK(accepted == 0);
}

TEST_CASE("A version-1 bundle is refused, naming relais-admin upgrade-bundle, and read by the v1 reader", "[bundle]") {
  People p;
  const std::string body =
      "# a version-1 bundle\nformat = \"relais-bundle/1\"\nserial = 3\nissued_at_ms = 1767225600000\n"
      "policy = \"\"\"\nformat = \\\"relais-policy/1\\\"\n[[rule]]\naction = \\\"publish\\\"\ntopic = \\\"x\\\"\n\"\"\"\n"
      "\n[[participant]]\n" + card_fields_toml(p.broker.card, CardLayout::kBundle) + "\n[[participant]]\n" +
      [&] {
        PublicCard c = p.police.card;
        c.revoked = true;
        return card_fields_toml(c, CardLayout::kBundle);
      }() + "\n";
  const Bytes v1 = sign_body(p.authority, body, kContextV1);
  auto b = parse_bundle(v1, p.authority.card.sign_pk, "old/trust.bundle");
  REQUIRE_FALSE(b.ok());
  CHECK(b.status().code() == Code::kInvalid);
  CHECK_THAT(b.status().message(),
             Catch::Contains("old/trust.bundle is a version-1 bundle; convert it with relais-admin upgrade-bundle"));

  auto old = parse_bundle_v1(v1, p.authority.card.sign_pk, "old/trust.bundle");
  REQUIRE(old.ok());
  CHECK(old->serial == 3);
  REQUIRE(old->participants.size() == 2);
  CHECK(old->participants[1].revoked);
  auto policy = upgrade_policy_v1_text(old->policy_text);
  REQUIRE(policy.ok());
  CHECK(*policy == "format = \"relais-policy/2\"\n[[rule]]\naction = \"publish\"\ntopic = \"x\"\n");
  CHECK(Policy::parse(*policy, "p").ok());
  CHECK_FALSE(upgrade_policy_v1_text(*policy).ok());

  // The v1 reader checks the v1 signature: a changed byte, another authority
  // and a version-2 file are all refused.
  Bytes changed = v1;
  changed[40] ^= 0x01;
  CHECK_FALSE(parse_bundle_v1(changed, p.authority.card.sign_pk, "t").ok());
  CHECK_FALSE(parse_bundle_v1(v1, p.police.card.sign_pk, "t").ok());
  auto v2 = build_bundle(p.authority, p.spec());
  REQUIRE(v2.ok());
  CHECK_FALSE(parse_bundle_v1(*v2, p.authority.card.sign_pk, "t").ok());
}

TEST_CASE("Bad version-2 histories are refused when built and when parsed", "[bundle]") {
  People p;
  SECTION("a retired serial above the bundle's") {
    BundleSpec s = p.spec();
    s.history["police.golfe"].retired[0].retired_at_serial = 10;
    CHECK_THAT(build_bundle(p.authority, s).status().message(), Catch::Contains("retired_at_serial 10"));
  }
  SECTION("a revocation serial above the bundle's") {
    BundleSpec s = p.spec();
    s.history["social.golfe"].revoked_at_serial = 12;
    CHECK_THAT(build_bundle(p.authority, s).status().message(), Catch::Contains("revoked at serial 12"));
  }
  SECTION("a retired key that is someone's current key") {
    BundleSpec s = p.spec();
    s.history["police.golfe"].retired[0].sign_pk = p.commission.card.sign_pk;
    CHECK_THAT(build_bundle(p.authority, s).status().message(), Catch::Contains("retired signing key"));
  }
  SECTION("two participants with one signing key") {
    BundleSpec s = p.spec();
    s.cards[3].sign_pk = s.cards[1].sign_pk;
    CHECK_THAT(build_bundle(p.authority, s).status().message(), Catch::Contains("signing key"));
  }
  SECTION("history for a name with no card") {
    BundleSpec s = p.spec();
    s.history["ngo.ghost"].revoked_at_serial = 1;
    CHECK_THAT(build_bundle(p.authority, s).status().message(), Catch::Contains("ngo.ghost"));
  }
  SECTION("a bad location table") {
    BundleSpec s = p.spec();
    s.locations_text = "not,a,table\n";
    CHECK_THAT(build_bundle(p.authority, s).status().message(), Catch::Contains("location table"));
  }
  SECTION("an expiry before the issue time") {
    BundleSpec s = p.spec();
    s.expires_at_ms = s.issued_at_ms - 1;
    CHECK_FALSE(build_bundle(p.authority, s).ok());
  }
  SECTION("signed files with a bad shape name the key and line") {
    auto good = build_bundle(p.authority, p.spec());
    REQUIRE(good.ok());
    const std::string text = text_of(*good);
    const std::string body = text.substr(0, text.rfind("[signature]"));
    struct Case { std::string from, to, expected; };
    const Case cases[] = {
        {"revoked_at_serial = 6\n", "", "needs revoked_at_serial"},
        {"revoked = false\n", "revoked = false\nrevoked_at_serial = 2\n", "revoked = false"},
        {"retired_at_serial = 4\n", "retired_at_serial = 0\n", "out of range"},
        {"retired_at_serial = 4\n", "retired_at_serial = 4\nlabel = \"x\"\n", "unknown key"},
        {"expires_at_ms = ", "expires_at_ms = 1 #", "not after issued_at_ms"},
        {"serial = 9\n", "serial = 9\nextra = 1\n", "unknown key extra"},
    };
    for (const auto& c : cases) {
      INFO(c.from << " -> " << c.to);
      std::string changed = body;
      const size_t at = changed.find(c.from);
      REQUIRE(at != std::string::npos);
      changed.replace(at, c.from.size(), c.to);
      auto b = parse_bundle(sign_body(p.authority, changed, kContextV2), p.authority.card.sign_pk, "s.bundle");
      REQUIRE_FALSE(b.ok());
      CHECK_THAT(b.status().message(), Catch::Contains("s.bundle:") && Catch::Contains(c.expected));
    }
  }
}
