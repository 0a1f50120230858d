#include <catch2/catch.hpp>
#include "temp_dir.h"

#include <fcntl.h>
#include <termios.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include "eventually.h"

#include "crypto/key_passphrase.h"
#include "crypto/keys.h"
#include "util/files.h"

namespace fs = std::filesystem;
using namespace relais;

namespace {

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
  const auto dir = test::fresh_named_dir("relais-keypass", "roundtrip");
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
  const auto dir = test::fresh_named_dir("relais-keypass", "missing");
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
  const auto dir = test::fresh_named_dir("relais-keypass", "wrong");
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
  const auto dir = test::fresh_named_dir("relais-keypass", "env");
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
  const auto dir = test::fresh_named_dir("relais-keypass", "file");
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
  const auto dir = test::fresh_named_dir("relais-keypass", "plain");
  auto id = generate_identity("auditor", Role::kAuditor, "", "");
  REQUIRE(id.ok());
  REQUIRE(write_identity(*id, dir).ok());
  ::setenv(kPassphraseEnv, "ignored", 1);
  CHECK(load_identity(dir + "/auditor.key").ok());
  fs::remove_all(dir);
}

namespace {

// A pseudo-terminal: the program's side (slave) and the keyboard's (master).
struct Pty {
  int master = -1, slave = -1;
  Pty() {
    master = ::posix_openpt(O_RDWR | O_NOCTTY);
    REQUIRE(master >= 0);
    REQUIRE(::grantpt(master) == 0);
    REQUIRE(::unlockpt(master) == 0);
    slave = ::open(::ptsname(master), O_RDWR | O_NOCTTY);
    REQUIRE(slave >= 0);
  }
  ~Pty() {
    ::close(slave);
    ::close(master);
  }
  bool echo_on() const {
    termios t{};
    return ::tcgetattr(slave, &t) == 0 && (t.c_lflag & ECHO) != 0;
  }
  // Types `keys` once the program has turned echo off (typing earlier would
  // be flushed by the switch, as on a real terminal).
  std::thread type_when_quiet(std::string keys) {
    return std::thread([this, keys] {
      relais::test::eventually(10000, 5, [&] { return !echo_on(); });
      (void)::write(master, keys.data(), keys.size());
    });
  }
  // What the terminal showed (the prompt, the echo if any).
  std::string screen() const {
    std::string out;
    char buf[512];
    const int flags = ::fcntl(master, F_GETFL);
    ::fcntl(master, F_SETFL, flags | O_NONBLOCK);
    for (ssize_t n; (n = ::read(master, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
    ::fcntl(master, F_SETFL, flags);
    return out;
  }
};

}  // namespace

TEST_CASE("a passphrase typed on a terminal is read without echo and the terminal is restored", "[keypass][tty]") {
  Pty tty;
  REQUIRE(tty.echo_on());
  std::thread keyboard = tty.type_when_quiet("lagune tracteur velours\n");
  auto p = read_passphrase_from_terminal(tty.slave, tty.slave, "Passphrase for test.key: ");
  keyboard.join();
  REQUIRE(p.ok());
  CHECK(std::string(as_chars(p->view())) == "lagune tracteur velours");
  CHECK(tty.echo_on());
  const std::string shown = tty.screen();
  CHECK_THAT(shown, Catch::Contains("Passphrase for test.key: "));
  CHECK_THAT(shown, !Catch::Contains("lagune"));
}

TEST_CASE("Ctrl-C at the passphrase prompt cancels and leaves echo on", "[keypass][tty]") {
  Pty tty;
  std::thread keyboard = tty.type_when_quiet("abc\x03");
  auto p = read_passphrase_from_terminal(tty.slave, tty.slave, "Passphrase: ");
  keyboard.join();
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().code() == Code::kUsage);
  CHECK_THAT(p.status().message(), Catch::Contains("cancelled"));
  CHECK(tty.echo_on());
}

TEST_CASE("an empty line at the passphrase prompt is refused", "[keypass][tty]") {
  Pty tty;
  std::thread keyboard = tty.type_when_quiet("\n");
  auto p = read_passphrase_from_terminal(tty.slave, tty.slave, "Passphrase: ");
  keyboard.join();
  REQUIRE_FALSE(p.ok());
  CHECK_THAT(p.status().message(), Catch::Contains("empty"));
}

TEST_CASE("asking for a passphrase with no terminal is a usage error naming the variables", "[keypass][tty]") {
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  auto p = read_passphrase_from_terminal(pipe_fds[0], pipe_fds[1], "Passphrase: ");
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  REQUIRE_FALSE(p.ok());
  CHECK(p.status().code() == Code::kUsage);
  CHECK_THAT(p.status().message(), Catch::Contains(kPassphraseEnv));
}

TEST_CASE("without prompting turned on, a missing passphrase never waits on a terminal", "[keypass][tty]") {
  EnvGuard env;
  REQUIRE_FALSE(passphrase_prompt_enabled());
  auto p = passphrase_from_env_or_terminal("Passphrase: ");
  REQUIRE(p.ok());
  CHECK_FALSE(p->has_value());
}
