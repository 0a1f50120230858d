#include <catch2/catch.hpp>

#include <filesystem>
#include <unistd.h>

#include "policy/bundle.h"
#include "policy/sample_policy.h"
#include "policy/serial_state.h"
#include "util/files.h"

namespace fs = std::filesystem;
using namespace relais;

namespace {

struct Fixture {
  Identity authority;
  std::vector<Identity> ids;
  std::vector<PublicCard> cards;
  Fixture() : authority(generate_identity("authority", Role::kAuthority, "", "").value()) {
    struct Spec { const char* name; Role role; const char* region; const char* prefecture; };
    const Spec specs[] = {{"broker", Role::kBroker, "", ""},
                          {"commission", Role::kCommission, "", ""},
                          {"committee.golfe", Role::kCommittee, "maritime", "golfe"},
                          {"police.golfe", Role::kPolice, "maritime", "golfe"},
                          {"social.golfe", Role::kSocial, "maritime", "golfe"}};
    for (const auto& s : specs) {
      ids.push_back(generate_identity(s.name, s.role, s.region, s.prefecture).value());
      cards.push_back(ids.back().card);
    }
  }
};

std::string temp_path(const std::string& tag) {
  return (fs::temp_directory_path() / ("relais-bundle-" + tag + "-" + std::to_string(::getpid()))).string();
}

}  // namespace

TEST_CASE("A bundle round-trips through build and parse", "[bundle]") {
  Fixture f;
  auto cards = f.cards;
  cards.push_back(f.authority.card);  // an authority card is never a participant
  auto bytes = build_bundle(f.authority, cards, sample_policy_toml(), 7, 1767225600123, {"social.golfe"});
  REQUIRE(bytes.ok());
  auto b = parse_bundle(*bytes, f.authority.card.sign_pk, "t.bundle");
  REQUIRE(b.ok());
  CHECK(b->serial == 7);
  CHECK(b->issued_at_ms == 1767225600123);
  CHECK(b->participants.size() == 5);
  CHECK(b->find("authority") == nullptr);
  REQUIRE(b->find("police.golfe") != nullptr);
  CHECK(b->find("police.golfe")->seal_pk == f.ids[3].card.seal_pk);
  CHECK(b->find("police.golfe")->prefecture == "golfe");
  CHECK(b->find("social.golfe")->revoked);
  CHECK_FALSE(b->find("police.golfe")->revoked);
  REQUIRE(b->broker() != nullptr);
  CHECK(b->broker()->name == "broker");
  REQUIRE(b->find_by_link_key(f.ids[1].card.link_pk) != nullptr);
  CHECK(b->find_by_link_key(f.ids[1].card.link_pk)->name == "commission");
  CHECK(b->policy_text == sample_policy_toml());
  CHECK(b->policy.readers("alert.x.maritime.golfe", b->participants) ==
        std::vector<std::string>{"commission", "committee.golfe", "police.golfe"});
  CHECK(b->policy.readers("referral.social.golfe", b->participants).empty());  // revoked
  std::array<uint8_t, 32> zero{};
  CHECK(b->hash != zero);
}

TEST_CASE("Every single-byte change anywhere in a bundle file is refused", "[bundle]") {
  Fixture f;
  auto bytes = build_bundle(f.authority, f.cards, sample_policy_toml(), 1, 1767225600000, {});
  REQUIRE(bytes.ok());
  REQUIRE(parse_bundle(*bytes, f.authority.card.sign_pk, "t.bundle").ok());
  size_t accepted = 0;
  for (size_t i = 0; i < bytes->size(); ++i) {
    for (uint8_t mask : {0x01, 0x20, 0x80}) {
      Bytes copy = *bytes;
      copy[i] ^= mask;
      if (parse_bundle(copy, f.authority.card.sign_pk, "t.bundle").ok()) {
        ++accepted;
        UNSCOPED_INFO("accepted a change at offset " << i << " mask " << int(mask));
      }
    }
  }
  CHECK(accepted == 0);
  // Appended whitespace, a removed final newline, and truncation are refused too.
  Bytes longer = *bytes;
  longer.push_back('\n');
  CHECK_FALSE(parse_bundle(longer, f.authority.card.sign_pk, "t.bundle").ok());
  Bytes shorter(bytes->begin(), bytes->end() - 1);
  CHECK_FALSE(parse_bundle(shorter, f.authority.card.sign_pk, "t.bundle").ok());
  CHECK_FALSE(parse_bundle(Bytes{}, f.authority.card.sign_pk, "t.bundle").ok());
}

TEST_CASE("A bundle signed by another authority is refused naming the file", "[bundle]") {
  Fixture f;
  auto other = generate_identity("authority", Role::kAuthority, "", "");
  auto bytes = build_bundle(f.authority, f.cards, sample_policy_toml(), 1, 0, {});
  REQUIRE(bytes.ok());
  auto b = parse_bundle(*bytes, other->card.sign_pk, "deploy/trust.bundle");
  REQUIRE_FALSE(b.ok());
  CHECK(b.status().code() == Code::kInvalid);
  CHECK_THAT(b.status().message(), Catch::Contains("deploy/trust.bundle") && Catch::Contains("signature"));
}

TEST_CASE("Building a bundle refuses bad inputs", "[bundle]") {
  Fixture f;
  CHECK_FALSE(build_bundle(f.ids[1], f.cards, sample_policy_toml(), 1, 0, {}).ok());  // not the authority
  CHECK_FALSE(build_bundle(f.authority, f.cards, sample_policy_toml(), 0, 0, {}).ok());
  CHECK_FALSE(build_bundle(f.authority, f.cards, "format = 3", 1, 0, {}).ok());
  CHECK_FALSE(build_bundle(f.authority, f.cards, sample_policy_toml(), 1, 0, {"nobody"}).ok());
  auto dup = f.cards;
  dup.push_back(f.cards[2]);
  CHECK_THAT(build_bundle(f.authority, dup, sample_policy_toml(), 1, 0, {}).status().message(),
             Catch::Contains("appears twice"));
  std::vector<PublicCard> no_broker(f.cards.begin() + 1, f.cards.end());
  CHECK_THAT(build_bundle(f.authority, no_broker, sample_policy_toml(), 1, 0, {}).status().message(),
             Catch::Contains("exactly one broker"));
}

TEST_CASE("A policy containing quotes and backslashes survives the bundle exactly", "[bundle]") {
  Fixture f;
  std::string policy = std::string(sample_policy_toml()) + "# a \"quoted\" \\ comment with '''quotes''' and \"\"\"\r\n";
  auto bytes = build_bundle(f.authority, f.cards, policy, 1, 0, {});
  REQUIRE(bytes.ok());
  auto b = parse_bundle(*bytes, f.authority.card.sign_pk, "t.bundle");
  REQUIRE(b.ok());
  CHECK(b->policy_text == policy);
}

TEST_CASE("A bundle serial older than one already seen is refused", "[bundle]") {
  const std::string state = temp_path("serial");
  fs::remove(state);
  CHECK(check_and_record_serial(state, 3, "a.bundle").ok());   // none seen: record 3
  CHECK(check_and_record_serial(state, 3, "a.bundle").ok());   // same serial: fine
  CHECK(check_and_record_serial(state, 5, "b.bundle").ok());   // newer: record 5
  Status s = check_and_record_serial(state, 4, "old.bundle");
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Code::kRefused);
  CHECK_THAT(s.message(), Catch::Contains("old.bundle") && Catch::Contains("4") && Catch::Contains("5"));
  auto text = read_text_file(state);
  REQUIRE(text.ok());
  CHECK(*text == "5\n");
  REQUIRE(write_file_durable(state, as_bytes(std::string("garbage")), 0600).ok());
  CHECK(check_and_record_serial(state, 9, "a.bundle").code() == Code::kConfig);
  fs::remove(state);
}

TEST_CASE("load_bundle reads a file and reports a missing one", "[bundle]") {
  Fixture f;
  const std::string path = temp_path("load");
  auto bytes = build_bundle(f.authority, f.cards, sample_policy_toml(), 2, 0, {});
  REQUIRE(write_file_durable(path, *bytes, 0644).ok());
  auto b = load_bundle(path, f.authority.card.sign_pk);
  REQUIRE(b.ok());
  CHECK(b->serial == 2);
  fs::remove(path);
  CHECK_FALSE(load_bundle(path, f.authority.card.sign_pk).ok());
}
