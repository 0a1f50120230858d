#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/key_passphrase.h"
#include "crypto/keys.h"
#include "util/files.h"

namespace fs = std::filesystem;
using namespace relais;

namespace {
std::string fresh_dir(const std::string& tag) {
  auto dir = fs::temp_directory_path() / ("relais-keypass-" + tag + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

// Clears both passphrase variables for the scope of a test.
struct EnvGuard {
  EnvGuard() { clear(); }
  ~EnvGuard() { clear(); }
  static void clear() {
    ::unsetenv(kPassphraseEnv);
    ::unsetenv(kPassphraseFileEnv);
  }
};

std::string write_encrypted(const std::string& dir, const std::string& pass, Identity* out = nullptr) {
  auto id = generate_identity("social.golfe", Role::kSocial, "maritime", "golfe");
  REQUIRE(id.ok());
  const SecretBytes p = secret_from_text(pass);
  REQUIRE(write_identity(*id, dir, &p, KdfParams::interactive()).ok());
  if (out != nullptr) *out = std::move(*id);
  return dir + "/social.golfe.key";
}
}  // namespace

TEST_CASE("An encrypted key file holds no secret in clear and loads with the right passphrase", "[keypass]") {
  EnvGuard env;
  const auto dir = fresh_dir("roundtrip");
  Identity id;
  const auto path = write_encrypted(dir, "correct horse battery staple", &id);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto text = read_text_file(path);
  REQUIRE(text.ok());
  CHECK_THAT(*text, Catch::Contains("format = \"relais-key-enc/1\""));
  CHECK_THAT(*text, !Catch::Contains("sign_sk"));
  CHECK_THAT(*text, !Catch::Contains("relais-key/1\""));

  const SecretBytes pass = secret_from_text("correct horse battery staple");
  auto loaded = load_identity(path, &pass);
  REQUIRE(loaded.ok());
  CHECK(loaded->card.name == "social.golfe");
  CHECK(loaded->card.sign_pk == id.card.sign_pk);
  CHECK(std::equal(loaded->seal_sk.view().begin(), loaded->seal_sk.view().end(), id.seal_sk.view().begin()));
  // The public card is written in clear as usual.
  auto card = load_card(dir + "/social.golfe.pub");
  REQUIRE(card.ok());
  CHECK(card->seal_pk == id.card.seal_pk);
  fs::remove_all(dir);
}

TEST_CASE("An encrypted key file without a passphrase is refused naming the variables", "[keypass]") {
  EnvGuard env;
  const auto dir = fresh_dir("missing");
  const auto path = write_encrypted(dir, "secret words");
  auto loaded = load_identity(path);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().code() == Code::kConfig);
  CHECK(loaded.status().exit_code() == 2);
  CHECK_THAT(loaded.status().message(), Catch::Contains("RELAIS_KEY_PASSPHRASE"));
  CHECK_THAT(loaded.status().message(), Catch::Contains(path));
  fs::remove_all(dir);
}

TEST_CASE("A wrong passphrase is refused with a clear message", "[keypass]") {
  EnvGuard env;
  const auto dir = fresh_dir("wrong");
  const auto path = write_encrypted(dir, "secret words");
  const SecretBytes wrong = secret_from_text("secret word");
  auto loaded = load_identity(path, &wrong);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().code() == Code::kConfig);
  CHECK_THAT(loaded.status().message(), Catch::Contains("wrong passphrase"));
  fs::remove_all(dir);
}

TEST_CASE("load_identity reads the passphrase from RELAIS_KEY_PASSPHRASE", "[keypass]") {
  EnvGuard env;
  const auto dir = fresh_dir("env");
  const auto path = write_encrypted(dir, "from the environment");
  ::setenv(kPassphraseEnv, "from the environment", 1);
  auto loaded = load_identity(path);
  REQUIRE(loaded.ok());
  CHECK(loaded->card.name == "social.golfe");
  ::setenv(kPassphraseEnv, "not it", 1);
  CHECK_FALSE(load_identity(path).ok());
  fs::remove_all(dir);
}

TEST_CASE("load_identity reads the passphrase from a 0600 file and refuses a looser one", "[keypass]") {
  EnvGuard env;
  const auto dir = fresh_dir("file");
  const auto path = write_encrypted(dir, "from a file");
  const auto pass_path = dir + "/pass.txt";
  REQUIRE(write_file_durable(pass_path, as_bytes("from a file\n"), 0600).ok());
  ::setenv(kPassphraseFileEnv, pass_path.c_str(), 1);
  auto loaded = load_identity(path);
  REQUIRE(loaded.ok());

  REQUIRE(::chmod(pass_path.c_str(), 0644) == 0);
  auto loose = load_identity(path);
  REQUIRE_FALSE(loose.ok());
  CHECK(loose.status().code() == Code::kPermission);
  CHECK_THAT(loose.status().message(), Catch::Contains("chmod 600"));

  ::setenv(kPassphraseEnv, "from a file", 1);
  auto both = passphrase_from_env();
  REQUIRE_FALSE(both.ok());
  CHECK_THAT(both.status().message(), Catch::Contains("set only one"));
  fs::remove_all(dir);
}

TEST_CASE("An empty passphrase variable is refused and an unset one yields none", "[keypass]") {
  EnvGuard env;
  auto none = passphrase_from_env();
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  ::setenv(kPassphraseEnv, "", 1);
  auto empty = passphrase_from_env();
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.status().code() == Code::kConfig);
}

TEST_CASE("Any change to an encrypted key file is detected", "[keypass]") {
  EnvGuard env;
  const SecretBytes pass = secret_from_text("pw");
  const SecretBytes plain = secret_from_text("format = \"relais-key/1\"\n");
  auto enc = encrypt_key_text(plain, "auditor", pass, KdfParams::interactive());
  REQUIRE(enc.ok());
  auto ok = decrypt_key_text(*enc, pass, "t.key");
  REQUIRE(ok.ok());
  CHECK(std::string(as_chars(ok->view())) == "format = \"relais-key/1\"\n");

  // Changing the clear name (bound in the AAD) breaks decryption.
  std::string renamed = *enc;
  renamed.replace(renamed.find("name = \"auditor\""), 16, "name = \"auditos\"");
  CHECK_FALSE(decrypt_key_text(renamed, pass, "t.key").ok());
  // Weakening the KDF below the accepted floor is refused before any work.
  std::string weak = *enc;
  const auto pos = weak.find("opslimit = ");
  weak.replace(pos, weak.find('\n', pos) - pos, "opslimit = 1");
  auto w = decrypt_key_text(weak, pass, "t.key");
  REQUIRE_FALSE(w.ok());
  CHECK_THAT(w.status().message(), Catch::Contains("opslimit"));
  // A flipped ciphertext character.
  std::string flipped = *enc;
  const auto ct = flipped.find("ciphertext = \"") + 15;
  flipped[ct] = flipped[ct] == 'A' ? 'B' : 'A';
  CHECK_FALSE(decrypt_key_text(flipped, pass, "t.key").ok());
  // Garbage and an unknown key.
  CHECK_FALSE(decrypt_key_text("format = \"relais-key-enc/1\"\n", pass, "t.key").ok());
  CHECK_FALSE(decrypt_key_text(*enc + "extra = 1\n", pass, "t.key").ok());
}

TEST_CASE("A plain key file still loads without any passphrase", "[keypass]") {
  EnvGuard env;
  const auto dir = fresh_dir("plain");
  auto id = generate_identity("auditor", Role::kAuditor, "", "");
  REQUIRE(id.ok());
  REQUIRE(write_identity(*id, dir).ok());
  ::setenv(kPassphraseEnv, "ignored", 1);
  CHECK(load_identity(dir + "/auditor.key").ok());
  fs::remove_all(dir);
}
