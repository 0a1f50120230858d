// relais-admin, run as the real built program (the sample deployment, key
// hygiene): init, verify-bundle, tampering, refusals and exit codes.
#include <catch2/catch.hpp>

#include <filesystem>
#include <sys/stat.h>

#include "process.h"

namespace fs = std::filesystem;
using relais::test::bin;
using relais::test::ProcResult;
using relais::test::read_all;
using relais::test::run_process;
using relais::test::TempDir;
using relais::test::write_all;

namespace {

const std::string kAdmin = bin("relais-admin");
constexpr int kTimeoutMs = 60000;

const char* kParticipants[] = {"broker",       "commission",   "committee.golfe", "committee.kozah", "police.golfe",
                               "police.kozah", "social.golfe", "ngo.refuge",      "auditor"};

ProcResult admin(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {}) {
  std::vector<std::string> argv{kAdmin};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, kTimeoutMs, "", env);
}

int mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return static_cast<int>(st.st_mode & 0777);
}

// One deployment shared by the tests that only read it.
const std::string& deployment() {
  static TempDir tmp;
  static const std::string dir = [] {
    const std::string d = tmp.path() + "/deploy";
    auto r = admin({"init", "--dir", d, "--port", "7999"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return d;
  }();
  return dir;
}

}  // namespace

TEST_CASE("relais-admin init creates every file of the sample deployment", "[admin]") {
  const std::string& d = deployment();
  for (const char* f : {"keys/authority.key", "keys/authority.pub", "policy.toml", "trust.bundle", "broker.toml"})
    CHECK(fs::is_regular_file(d + "/" + f));
  for (const char* name : kParticipants) {
    INFO(name);
    CHECK(fs::is_regular_file(d + "/keys/" + name + ".key"));
    CHECK(fs::is_regular_file(d + "/keys/" + name + ".pub"));
    CHECK(mode_of(d + "/keys/" + name + ".key") == 0600);
    if (std::string(name) != "broker") {
      CHECK(fs::is_regular_file(d + "/agents/" + name + ".toml"));
      CHECK_THAT(read_all(d + "/agents/" + name + ".toml"), Catch::Contains("tcp://127.0.0.1:7999"));
    }
  }
  CHECK(mode_of(d + "/keys/authority.key") == 0600);
  CHECK_THAT(read_all(d + "/broker.toml"), Catch::Contains("data_dir = \"data\""));
}

TEST_CASE("verify-bundle accepts the bundle init wrote", "[admin]") {
  const std::string& d = deployment();
  auto r = admin({"verify-bundle", "--authority-pub", d + "/keys/authority.pub", d + "/trust.bundle"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("serial:      1"));
  CHECK_THAT(r.out, Catch::Contains("ngo.refuge"));
  CHECK_THAT(r.out, Catch::Contains("police.kozah"));
}

TEST_CASE("verify-bundle refuses a bundle with any one byte changed", "[admin]") {
  const std::string& d = deployment();
  const std::string original = read_all(d + "/trust.bundle");
  REQUIRE(original.size() > 64);
  TempDir tmp;
  // The first byte, bytes in the middle, and the last byte (in the signature).
  for (size_t pos : {size_t{0}, original.size() / 3, original.size() / 2, original.size() - 1}) {
    std::string changed = original;
    changed[pos] = static_cast<char>(changed[pos] ^ 0x01);
    const std::string path = tmp.path() + "/changed-" + std::to_string(pos) + ".bundle";
    write_all(path, changed);
    auto r = admin({"verify-bundle", "--authority-pub", d + "/keys/authority.pub", path});
    INFO("byte " << pos << ": " << r.err);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("relais-admin: "));
    CHECK_THAT(r.err, Catch::Contains(path));
  }
}

TEST_CASE("verify-bundle refuses a bundle checked against another authority", "[admin]") {
  const std::string& d = deployment();
  TempDir tmp;
  auto k = admin({"keygen", "--name", "other", "--role", "authority", "--out", tmp.path()});
  REQUIRE(k.exit_code == 0);
  auto r = admin({"verify-bundle", "--authority-pub", tmp.path() + "/other.pub", d + "/trust.bundle"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("signature"));
}

TEST_CASE("init refuses a folder that is not empty and leaves it untouched", "[admin]") {
  TempDir tmp;
  write_all(tmp.path() + "/keep.txt", "mine");
  auto r = admin({"init", "--dir", tmp.path()});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("not empty"));
  CHECK(read_all(tmp.path() + "/keep.txt") == "mine");
  CHECK_FALSE(fs::exists(tmp.path() + "/keys"));
}

TEST_CASE("A key file with mode 0644 is refused with exit 2 and the chmod 600 fix", "[admin]") {
  const std::string& d = deployment();
  TempDir tmp;
  auto k = admin({"keygen", "--name", "authority", "--role", "authority", "--out", tmp.path()});
  REQUIRE(k.exit_code == 0);
  const std::string key = tmp.path() + "/authority.key";
  REQUIRE(mode_of(key) == 0600);
  REQUIRE(::chmod(key.c_str(), 0644) == 0);
  fs::create_directories(tmp.path() + "/cards");
  fs::copy_file(d + "/keys/police.golfe.pub", tmp.path() + "/cards/police.golfe.pub");
  fs::copy_file(d + "/keys/broker.pub", tmp.path() + "/cards/broker.pub");
  auto r = admin({"bundle", "--authority", key, "--cards", tmp.path() + "/cards", "--policy", d + "/policy.toml",
                  "--out", tmp.path() + "/b.bundle"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("chmod 600 " + key));
  CHECK_FALSE(fs::exists(tmp.path() + "/b.bundle"));
}

TEST_CASE("relais-admin --help and --version exit 0 and a bad flag exits 2", "[admin]") {
  auto help = admin({"--help"});
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.out, Catch::Contains("keygen"));
  CHECK_THAT(help.out, Catch::Contains("verify-bundle"));
  auto sub_help = admin({"keygen", "--help"});
  CHECK(sub_help.exit_code == 0);
  CHECK_THAT(sub_help.out, Catch::Contains("--encrypt"));
  auto version = admin({"--version"});
  CHECK(version.exit_code == 0);
  CHECK_THAT(version.out, Catch::Contains("relais-admin " RELAIS_VERSION));
  auto bad = admin({"--no-such-flag"});
  CHECK(bad.exit_code == 2);
  auto bad_sub = admin({"keygen", "--name", "x", "--role", "police", "--out", "/tmp", "--bogus"});
  CHECK(bad_sub.exit_code == 2);
  auto none = admin({});
  CHECK(none.exit_code == 2);
  auto bad_role = admin({"keygen", "--name", "x", "--role", "pirate", "--out", "/tmp"});
  CHECK(bad_role.exit_code == 2);
  CHECK_THAT(bad_role.err, Catch::Contains("unknown role"));
}

TEST_CASE("bundle with --serial 2 and --revoke writes a bundle that verifies with the revocation", "[admin]") {
  const std::string& d = deployment();
  TempDir tmp;
  const std::string out = tmp.path() + "/serial2.bundle";
  auto r = admin({"bundle", "--authority", d + "/keys/authority.key", "--cards", d + "/keys", "--policy",
                  d + "/policy.toml", "--serial", "2", "--revoke", "police.kozah", "--out", out});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto v = admin({"verify-bundle", "--authority-pub", d + "/keys/authority.pub", out});
  INFO(v.err);
  CHECK(v.exit_code == 0);
  CHECK_THAT(v.out, Catch::Contains("serial:      2"));
  CHECK_THAT(v.out, Catch::Matches("(.|\n)*police\\.kozah[^\n]*REVOKED(.|\n)*"));
  CHECK_THAT(v.out, !Catch::Matches("(.|\n)*police\\.golfe[^\n]*REVOKED(.|\n)*"));
  // Revoking someone who has no card is refused.
  auto bad = admin({"bundle", "--authority", d + "/keys/authority.key", "--cards", d + "/keys", "--policy",
                    d + "/policy.toml", "--serial", "3", "--revoke", "nobody", "--out", tmp.path() + "/x.bundle"});
  CHECK(bad.exit_code != 0);
  CHECK_FALSE(fs::exists(tmp.path() + "/x.bundle"));
  auto zero = admin({"bundle", "--authority", d + "/keys/authority.key", "--cards", d + "/keys", "--policy",
                     d + "/policy.toml", "--serial", "0", "--out", tmp.path() + "/z.bundle"});
  CHECK(zero.exit_code == 2);
}

TEST_CASE("keygen --encrypt takes the passphrase from the environment and bundle loads the key with it",
          "[admin]") {
  const std::string& d = deployment();
  TempDir tmp;
  const std::map<std::string, std::string> env{{"RELAIS_KEY_PASSPHRASE", "a long test passphrase"}};
  // Without a passphrase, --encrypt is a usage error.
  auto none = admin({"keygen", "--name", "authority", "--role", "authority", "--out", tmp.path() + "/n", "--encrypt"});
  CHECK(none.exit_code == 2);
  CHECK_THAT(none.err, Catch::Contains("RELAIS_KEY_PASSPHRASE"));

  auto k = admin({"keygen", "--name", "authority", "--role", "authority", "--out", tmp.path(), "--encrypt"}, env);
  INFO(k.err);
  REQUIRE(k.exit_code == 0);
  const std::string key = tmp.path() + "/authority.key";
  CHECK(mode_of(key) == 0600);
  CHECK_THAT(read_all(key), Catch::Contains("relais-key-enc/1"));
  CHECK_THAT(read_all(key), !Catch::Contains("sign_sk"));
  const std::vector<std::string> bundle_args{"bundle", "--authority", key, "--cards", d + "/keys", "--policy",
                                             d + "/policy.toml", "--out"};
  auto args = bundle_args;
  args.push_back(tmp.path() + "/ok.bundle");
  auto ok = admin(args, env);
  INFO(ok.err);
  CHECK(ok.exit_code == 0);
  auto v = admin({"verify-bundle", "--authority-pub", tmp.path() + "/authority.pub", tmp.path() + "/ok.bundle"});
  CHECK(v.exit_code == 0);

  args.back() = tmp.path() + "/no.bundle";
  auto missing = admin(args);
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Catch::Contains("RELAIS_KEY_PASSPHRASE"));
  auto wrong = admin(args, {{"RELAIS_KEY_PASSPHRASE", "not the passphrase"}});
  CHECK(wrong.exit_code == 2);
  CHECK_THAT(wrong.err, Catch::Contains("wrong passphrase"));
  CHECK_FALSE(fs::exists(tmp.path() + "/no.bundle"));
}

TEST_CASE("init --data-dir puts the broker's data in another folder", "[admin]") {
  TempDir tmp;
  const std::string dir = tmp.path() + "/etc-relais";
  const std::string data = tmp.path() + "/var-lib-relais";
  const int port = relais::test::free_port();
  auto r = admin({"init", "--dir", dir, "--port", std::to_string(port), "--data-dir", data});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("data in " + data));
  CHECK_THAT(r.out, Catch::Contains("Move keys/authority.key offline"));
  CHECK_THAT(read_all(dir + "/broker.toml"), Catch::Contains("data_dir = \"" + data + "\""));
  REQUIRE(fs::is_directory(data));
  CHECK(mode_of(data) == 0700);

  // The broker writes its log there, and nothing next to its configuration.
  relais::test::ChildProcess broker;
  REQUIRE(broker.start({bin("relais-broker"), "--config", dir + "/broker.toml"}, tmp.path() + "/broker.log"));
  bool ready = broker.wait_for_log("ready on", 15000);
  INFO(broker.log());
  REQUIRE(ready);
  CHECK(broker.stop() == 0);
  CHECK_FALSE(fs::exists(dir + "/data"));
  bool has_segment = false;
  for (const auto& e : fs::directory_iterator(data)) has_segment |= e.path().extension() == ".log";
  CHECK(has_segment);
}

TEST_CASE("init refuses a --data-dir that is not empty and writes nothing", "[admin]") {
  TempDir tmp;
  const std::string data = tmp.path() + "/data";
  fs::create_directories(data);
  write_all(data + "/00000000000000000001.log", "another broker's log");
  auto r = admin({"init", "--dir", tmp.path() + "/new", "--data-dir", data});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("not empty"));
  CHECK_FALSE(fs::exists(tmp.path() + "/new"));
  CHECK(read_all(data + "/00000000000000000001.log") == "another broker's log");
}
