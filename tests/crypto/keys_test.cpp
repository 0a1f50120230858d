#include <catch2/catch.hpp>
#include "temp_dir.h"

#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/keys.h"
#include "util/files.h"

namespace fs = std::filesystem;
using namespace relais;

TEST_CASE("A generated identity survives a write and a load", "[keys]") {
  const auto dir = test::fresh_named_dir("relais-keys", "roundtrip");
  auto id = generate_identity("police.golfe", Role::kPolice, "maritime", "golfe");
  REQUIRE(id.ok());
  REQUIRE(write_identity(*id, dir).ok());
  struct stat st {};
  REQUIRE(::stat((dir + "/police.golfe.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  auto loaded = load_identity(dir + "/police.golfe.key");
  REQUIRE(loaded.ok());
  CHECK(loaded->card.name == "police.golfe");
  CHECK(loaded->card.role == Role::kPolice);
  CHECK(loaded->card.region == "maritime");
  CHECK(loaded->card.prefecture == "golfe");
  CHECK(loaded->card.sign_pk == id->card.sign_pk);
  CHECK(loaded->card.link_pk == id->card.link_pk);
  CHECK(loaded->card.seal_pk == id->card.seal_pk);
  CHECK(std::equal(loaded->sign_sk.view().begin(), loaded->sign_sk.view().end(), id->sign_sk.view().begin()));

  auto card = load_card(dir + "/police.golfe.pub");
  REQUIRE(card.ok());
  CHECK(card->sign_pk == id->card.sign_pk);
  CHECK(card->prefecture == "golfe");
  fs::remove_all(dir);
}

TEST_CASE("A key file readable by others is refused with the chmod fix", "[keys]") {
  const auto dir = test::fresh_named_dir("relais-keys", "mode");
  auto id = generate_identity("auditor", Role::kAuditor, "", "");
  REQUIRE(id.ok());
  REQUIRE(write_identity(*id, dir).ok());
  const auto path = dir + "/auditor.key";
  REQUIRE(::chmod(path.c_str(), 0644) == 0);
  auto loaded = load_identity(path);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().code() == Code::kPermission);
  CHECK(loaded.status().exit_code() == 2);
  CHECK_THAT(loaded.status().message(), Catch::Contains("chmod 600 " + path));
  fs::remove_all(dir);
}

TEST_CASE("A key file reached through a symbolic link is refused, not followed", "[keys]") {
  const auto dir = test::fresh_named_dir("relais-keys", "symlink");
  auto id = generate_identity("auditor", Role::kAuditor, "", "");
  REQUIRE(id.ok());
  REQUIRE(write_identity(*id, dir).ok());
  const auto link = dir + "/linked.key";
  REQUIRE(::symlink((dir + "/auditor.key").c_str(), link.c_str()) == 0);
  auto loaded = load_identity(link);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().code() == Code::kPermission);
  CHECK_THAT(loaded.status().message(), Catch::Contains("symbolic link"));
  CHECK(load_identity(dir + "/auditor.key").ok());  // the file itself still loads
  fs::remove_all(dir);
}

TEST_CASE("A key file in a folder that others may write to is refused with the chmod fix", "[keys]") {
  const auto dir = test::fresh_named_dir("relais-keys", "folder");
  auto id = generate_identity("auditor", Role::kAuditor, "", "");
  REQUIRE(id.ok());
  REQUIRE(write_identity(*id, dir).ok());
  const auto path = dir + "/auditor.key";
  for (mode_t loose : {0777, 0770, 0757, 01777}) {
    REQUIRE(::chmod(dir.c_str(), loose) == 0);
    auto loaded = load_identity(path);
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.status().code() == Code::kPermission);
    CHECK(loaded.status().exit_code() == 2);
    CHECK_THAT(loaded.status().message(), Catch::Contains("chmod go-w " + dir));
  }
  REQUIRE(::chmod(dir.c_str(), 0755) == 0);
  CHECK(load_identity(path).ok());
  fs::remove_all(dir);
}

TEST_CASE("A FIFO in a key file's place is refused at once, without waiting for a writer", "[keys]") {
  const auto dir = test::fresh_named_dir("relais-keys", "fifo");
  const auto path = dir + "/broker.key";
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  auto loaded = load_identity(path);  // a blocking open would hang here
  REQUIRE_FALSE(loaded.ok());
  CHECK_THAT(loaded.status().message(), Catch::Contains("not a regular file"));
  fs::remove_all(dir);
}

TEST_CASE("An existing key is never overwritten", "[keys]") {
  const auto dir = test::fresh_named_dir("relais-keys", "overwrite");
  auto a = generate_identity("commission", Role::kCommission, "", "");
  auto b = generate_identity("commission", Role::kCommission, "", "");
  REQUIRE(write_identity(*a, dir).ok());
  CHECK_FALSE(write_identity(*b, dir).ok());
  auto loaded = load_identity(dir + "/commission.key");
  REQUIRE(loaded.ok());
  CHECK(loaded->card.sign_pk == a->card.sign_pk);
  fs::remove_all(dir);
}

TEST_CASE("A key file whose public key does not match its secret is a config error", "[keys]") {
  const auto dir = test::fresh_named_dir("relais-keys", "mismatch");
  auto a = generate_identity("ngo.refuge", Role::kNgo, "maritime", "golfe");
  auto b = generate_identity("ngo.other", Role::kNgo, "maritime", "golfe");
  a->card.seal_pk = b->card.seal_pk;  // a public key that is not derived from the secret
  REQUIRE(write_identity(*a, dir).ok());
  auto loaded = load_identity(dir + "/ngo.refuge.key");
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().code() == Code::kConfig);
  CHECK_THAT(loaded.status().message(), Catch::Contains("does not match"));
  fs::remove_all(dir);
}

TEST_CASE("Malformed key files and cards are config errors naming the file and line", "[keys]") {
  auto bad_toml = card_from_toml("format = \"relais-card/1\"\nname = = 3\n", "x.pub");
  REQUIRE_FALSE(bad_toml.ok());
  CHECK(bad_toml.status().code() == Code::kConfig);
  CHECK_THAT(bad_toml.status().message(), Catch::Contains("x.pub:2"));

  auto wrong_format = card_from_toml("format = \"relais-card/9\"\n", "y.pub");
  REQUIRE_FALSE(wrong_format.ok());
  CHECK_THAT(wrong_format.status().message(), Catch::Contains("y.pub:1"));

  auto id = generate_identity("social.golfe", Role::kSocial, "maritime", "golfe");
  std::string text = card_to_toml(id->card);
  auto ok = card_from_toml(text, "z.pub");
  REQUIRE(ok.ok());
  CHECK(ok->seal_pk == id->card.seal_pk);
  auto bad_role = card_from_toml(text.replace(text.find("\"social\""), 8, "\"pirate\""), "z.pub");
  REQUIRE_FALSE(bad_role.ok());
  CHECK_THAT(bad_role.status().message(), Catch::Contains("unknown role"));
}

TEST_CASE("Participant names and slugs follow the documented grammar", "[keys]") {
  for (const char* good : {"police.golfe", "commission", "ngo.refuge-2", "a_b.c-d.e"})
    CHECK(is_valid_participant_name(good));
  for (const char* bad : {"", ".x", "x.", "a..b", "Police", "a b", "a/b", "é"})
    CHECK_FALSE(is_valid_participant_name(bad));
  CHECK(is_valid_slug(""));
  CHECK(is_valid_slug("agoe-nyive"));
  CHECK_FALSE(is_valid_slug("Golfe"));
  CHECK_FALSE(is_valid_slug("a.b"));
  CHECK(parse_role("gendarmerie").ok());
  CHECK_FALSE(parse_role("Police").ok());
  CHECK(role_name(Role::kAuthority) == "authority");
}
