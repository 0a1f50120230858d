// The commission's workflow on an existing deployment, run as the real
// relais-admin: add, revoke, rotate, set-policy and bundle continue
// DIR/trust.bundle with the next serial and never lose a revocation;
// upgrade-bundle converts a version-1 file.
#include <catch2/catch.hpp>

#include <sodium.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>

#include "crypto/card.h"
#include "policy/bundle.h"
#include "process.h"

namespace fs = std::filesystem;
using namespace relais;
using relais::test::bin;
using relais::test::ProcResult;
using relais::test::read_all;
using relais::test::run_process;
using relais::test::TempDir;
using relais::test::write_all;

namespace {

constexpr int kTimeoutMs = 60000;

ProcResult admin(const std::vector<std::string>& args) {
  std::vector<std::string> argv{bin("relais-admin")};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, kTimeoutMs);
}

// A fresh sample deployment in tmp/d.
std::string init(const TempDir& tmp) {
  const std::string d = tmp.path() + "/d";
  auto r = admin({"init", "--dir", d, "--port", "7998"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return d;
}

TrustBundle bundle_of(const std::string& d) {
  auto authority = load_card(d + "/keys/authority.pub");
  REQUIRE(authority.ok());
  auto b = load_bundle(d + "/trust.bundle", authority->sign_pk);
  INFO(b.status().message());
  REQUIRE(b.ok());
  return std::move(*b);
}

// Runs a workflow command, REQUIREs exit 0 and the printed serial.
ProcResult expect_serial(const std::vector<std::string>& args, uint64_t serial) {
  auto r = admin(args);
  INFO(args[0] << ": " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("serial " + std::to_string(serial) + " (was " + std::to_string(serial - 1) + ")"));
  return r;
}

std::vector<std::string> bundle_args(const std::string& d, const std::vector<std::string>& extra) {
  std::vector<std::string> a{"bundle", "--authority", d + "/keys/authority.key", "--cards", d + "/keys",
                             "--policy", d + "/policy.toml", "--out", d + "/trust.bundle"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

}  // namespace

TEST_CASE("add, revoke, rotate and set-policy each sign the next serial from DIR/trust.bundle", "[admin]") {
  TempDir tmp;
  const std::string d = init(tmp);
  const std::string agency = tmp.path() + "/agency";
  REQUIRE(admin({"keygen", "--name", "ngo.espoir", "--role", "ngo", "--region", "maritime", "--prefecture", "golfe",
                 "--out", agency})
              .exit_code == 0);

  // add: the card joins, the agency's configuration is written.
  expect_serial({"add", "--dir", d, "--card", agency + "/ngo.espoir.pub"}, 2);
  TrustBundle b = bundle_of(d);
  REQUIRE(b.find("ngo.espoir") != nullptr);
  CHECK(b.find("ngo.espoir")->role == Role::kNgo);
  const std::string config = read_all(d + "/agents/ngo.espoir.toml");
  CHECK_THAT(config, Catch::Contains("identity = \"../keys/ngo.espoir.key\""));
  CHECK_THAT(config, Catch::Contains("broker = \"tcp://127.0.0.1:7998\""));
  CHECK_THAT(config, Catch::Contains(to_base64(load_card(d + "/keys/authority.pub")->sign_pk)));

  // add refuses the same name, and another name with keys already used.
  const std::string before = read_all(d + "/trust.bundle");
  auto again = admin({"add", "--dir", d, "--card", agency + "/ngo.espoir.pub"});
  CHECK(again.exit_code == 1);
  CHECK_THAT(again.err, Catch::Contains("already has a participant named 'ngo.espoir'"));
  std::string copy = read_all(agency + "/ngo.espoir.pub");
  const size_t name_at = copy.find("name = \"ngo.espoir\"");
  REQUIRE(name_at != std::string::npos);
  copy.replace(name_at, 19, "name = \"ngo.clone1\"");
  write_all(tmp.path() + "/clone.pub", copy);
  auto reused = admin({"add", "--dir", d, "--card", tmp.path() + "/clone.pub"});
  CHECK(reused.exit_code == 1);
  CHECK_THAT(reused.err, Catch::Contains("already used by participant 'ngo.espoir'"));
  CHECK(read_all(d + "/trust.bundle") == before);
  CHECK_FALSE(fs::exists(d + "/agents/ngo.clone1.toml"));
  // --key-path goes into the configuration.
  REQUIRE(admin({"keygen", "--name", "ngo.aube", "--role", "ngo", "--out", agency}).exit_code == 0);
  expect_serial({"add", "--dir", d, "--card", agency + "/ngo.aube.pub", "--key-path", "/etc/relais/ngo.aube.key"}, 3);
  CHECK_THAT(read_all(d + "/agents/ngo.aube.toml"), Catch::Contains("identity = \"/etc/relais/ngo.aube.key\""));

  // revoke
  expect_serial({"revoke", "--dir", d, "--name", "police.kozah"}, 4);
  b = bundle_of(d);
  CHECK(b.find("police.kozah")->revoked);
  CHECK(b.history_of("police.kozah").revoked_at_serial == 4);
  CHECK(admin({"revoke", "--dir", d, "--name", "police.kozah"}).exit_code == 1);
  CHECK(admin({"revoke", "--dir", d, "--name", "nobody"}).exit_code == 1);

  // rotate: the old keys are retired at the new serial.
  const PublicCard old = *b.find("police.golfe");
  REQUIRE(admin({"keygen", "--name", "police.golfe", "--role", "police", "--region", "maritime", "--prefecture",
                 "golfe", "--out", tmp.path() + "/new"})
              .exit_code == 0);
  expect_serial({"rotate", "--dir", d, "--name", "police.golfe", "--card", tmp.path() + "/new/police.golfe.pub"}, 5);
  b = bundle_of(d);
  CHECK(b.find("police.golfe")->sign_pk != old.sign_pk);
  auto match = b.find_by_sign_key(old.sign_pk);
  REQUIRE(match);
  CHECK(match->state == KeyMatch::State::kRetired);
  CHECK(match->since_serial == 5);
  // A card of another participant is refused.
  auto wrong = admin({"rotate", "--dir", d, "--name", "police.golfe", "--card", agency + "/ngo.aube.pub"});
  CHECK(wrong.exit_code == 2);

  // set-policy
  std::string policy = read_all(d + "/policy.toml") + "\n[expiry]\n\"alert/1\" = \"72h\"\n";
  write_all(tmp.path() + "/p.toml", policy);
  auto set = expect_serial({"set-policy", "--dir", d, "--policy", tmp.path() + "/p.toml"}, 6);
  // alert/2 is allowed too, with the default expiry: said, and signed all the same.
  CHECK_THAT(set.err, Catch::Contains("warning: expiry differs between the versions of alert (alert/1 3d, alert/2 30d)"));
  b = bundle_of(d);
  CHECK(b.policy_text == policy);
  CHECK(b.policy.expiry_ms().at("alert/1") == 72LL * 3600 * 1000);
  write_all(tmp.path() + "/bad.toml", "format = \"relais-policy/2\"\n[[rule]]\naction = \"fly\"\n");
  auto bad = admin({"set-policy", "--dir", d, "--policy", tmp.path() + "/bad.toml"});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("bad.toml:3"));

  // verify-bundle shows the version-2 fields.
  auto v = admin({"verify-bundle", "--authority-pub", d + "/keys/authority.pub", d + "/trust.bundle"});
  INFO(v.err);
  REQUIRE(v.exit_code == 0);
  CHECK_THAT(v.out, Catch::Contains("format:      relais-bundle/2"));
  CHECK_THAT(v.out, Catch::Contains("serial:      6"));
  CHECK_THAT(v.out, Catch::Contains("expires_at:  "));
  CHECK_THAT(v.out, Catch::Contains("REVOKED at serial 4"));
  CHECK_THAT(v.out, Catch::Contains("retired key " + to_base64(old.sign_pk) + " at serial 5"));
  CHECK_THAT(v.out, Catch::Contains("expiry alert/1 3d"));

  // A missing deployment is a usage error.
  CHECK(admin({"revoke", "--dir", tmp.path() + "/none", "--name", "x"}).exit_code == 2);
}

TEST_CASE("Keeping revocations: bundle refuses to drop a revocation, a participant or a serial", "[admin]") {
  TempDir tmp;
  const std::string d = init(tmp);
  expect_serial({"revoke", "--dir", d, "--name", "police.kozah"}, 2);
  const std::string revoked = read_all(d + "/trust.bundle");

  // Without --revoke: exit 1, nothing written, the key stays revoked.
  auto r = admin(bundle_args(d, {}));
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("police.kozah is revoked") && Catch::Contains("--revoke police.kozah"));
  CHECK(read_all(d + "/trust.bundle") == revoked);
  CHECK(bundle_of(d).find("police.kozah")->revoked);

  // An explicit serial not higher than the existing one: exit 1.
  for (const char* serial : {"1", "2"}) {
    auto low = admin(bundle_args(d, {"--revoke", "police.kozah", "--serial", serial}));
    INFO(serial);
    CHECK(low.exit_code == 1);
    CHECK_THAT(low.err, Catch::Contains("not higher"));
  }
  CHECK(read_all(d + "/trust.bundle") == revoked);

  // With --revoke and no --serial: the next serial, the revocation keeps its serial.
  auto ok = admin(bundle_args(d, {"--revoke", "police.kozah"}));
  INFO(ok.err);
  REQUIRE(ok.exit_code == 0);
  CHECK_THAT(ok.out, Catch::Contains("serial 3 (was 2)"));
  TrustBundle b = bundle_of(d);
  CHECK(b.serial == 3);
  CHECK(b.find("police.kozah")->revoked);
  CHECK(b.history_of("police.kozah").revoked_at_serial == 2);

  // An explicit higher serial is taken.
  REQUIRE(admin(bundle_args(d, {"--revoke", "police.kozah", "--serial", "10"})).exit_code == 0);
  CHECK(bundle_of(d).serial == 10);

  // A participant whose card is gone: refused unless --remove names it.
  fs::rename(d + "/keys/ngo.refuge.pub", tmp.path() + "/ngo.refuge.pub");
  auto dropped = admin(bundle_args(d, {"--revoke", "police.kozah"}));
  CHECK(dropped.exit_code == 1);
  CHECK_THAT(dropped.err, Catch::Contains("--remove ngo.refuge"));
  REQUIRE(admin(bundle_args(d, {"--revoke", "police.kozah", "--remove", "ngo.refuge"})).exit_code == 0);
  b = bundle_of(d);
  CHECK(b.serial == 11);
  CHECK(b.find("ngo.refuge") == nullptr);

  // --unrevoke lifts a revocation explicitly.
  REQUIRE(admin(bundle_args(d, {"--unrevoke", "police.kozah"})).exit_code == 0);
  b = bundle_of(d);
  CHECK_FALSE(b.find("police.kozah")->revoked);
  CHECK(b.history_of("police.kozah").revoked_at_serial == 0);
  // --unrevoke of someone not revoked, --remove of someone absent: usage errors.
  CHECK(admin(bundle_args(d, {"--unrevoke", "police.golfe"})).exit_code == 2);
  CHECK(admin(bundle_args(d, {"--remove", "nobody"})).exit_code == 2);
}

TEST_CASE("bundle carries retired keys over and refuses to bring one back", "[admin]") {
  TempDir tmp;
  const std::string d = init(tmp);
  const std::string old_card = read_all(d + "/keys/social.golfe.pub");
  REQUIRE(admin({"keygen", "--name", "social.golfe", "--role", "social", "--region", "maritime", "--prefecture",
                 "golfe", "--out", tmp.path() + "/new"})
              .exit_code == 0);
  expect_serial({"rotate", "--dir", d, "--name", "social.golfe", "--card", tmp.path() + "/new/social.golfe.pub"}, 2);
  // The cards folder still has the old card: bundling it would bring a retired key back.
  auto back = admin(bundle_args(d, {}));
  CHECK(back.exit_code == 1);
  CHECK_THAT(back.err, Catch::Contains("retired"));
  // With the new card in the folder, the retired key is carried over.
  fs::copy_file(tmp.path() + "/new/social.golfe.pub", d + "/keys/social.golfe.pub",
                fs::copy_options::overwrite_existing);
  auto ok = admin(bundle_args(d, {}));
  INFO(ok.err);
  REQUIRE(ok.exit_code == 0);
  TrustBundle b = bundle_of(d);
  CHECK(b.serial == 3);
  REQUIRE(b.history_of("social.golfe").retired.size() == 1);
  CHECK(b.history_of("social.golfe").retired[0].retired_at_serial == 2);
  (void)old_card;
}

TEST_CASE("Two workflow commands never run on one deployment at once", "[admin]") {
  TempDir tmp;
  const std::string d = init(tmp);
  // Hold the lock a running command would hold.
  const int fd = ::open((d + "/.trust.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX) == 0);
  const std::string before = read_all(d + "/trust.bundle");
  auto r = admin({"revoke", "--dir", d, "--name", "police.kozah"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("another relais-admin command is changing"));
  CHECK(read_all(d + "/trust.bundle") == before);
  ::close(fd);
  expect_serial({"revoke", "--dir", d, "--name", "police.kozah"}, 2);
}

TEST_CASE("upgrade-bundle converts a version-1 bundle, which everything else refuses", "[admin]") {
  TempDir tmp;
  const std::string d = init(tmp);
  auto authority = load_identity(d + "/keys/authority.key");
  REQUIRE(authority.ok());
  // The version-1 file a deployment made before version 2 holds: its policy
  // is relais-policy/1, one participant is revoked.
  const TrustBundle current = bundle_of(d);
  std::string policy_v1 = current.policy_text;
  const size_t at = policy_v1.find("format = \"relais-policy/2\"");
  REQUIRE(at != std::string::npos);
  policy_v1.replace(at, 26, "format = \"relais-policy/1\"");
  std::string body = "# Relais trust bundle\nformat = \"relais-bundle/1\"\nserial = 4\nissued_at_ms = 1767225600000\n"
                     "policy = \"\"\"\n";
  for (char c : policy_v1) {
    if (c == '\\' || c == '"') body += '\\';
    body += c;
  }
  body += "\"\"\"\n";
  for (PublicCard c : current.participants) {
    c.revoked = c.name == "police.kozah";
    body += "\n[[participant]]\n" + card_fields_toml(c, CardLayout::kBundle);
  }
  body += "\n";
  std::string msg("relais/bundle/v1\0", 17);
  msg += body;
  std::array<uint8_t, crypto_sign_BYTES> sig{};
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const uint8_t*>(msg.data()), msg.size(),
                       authority->sign_sk.data());
  write_all(d + "/trust.bundle", body + "[signature]\ned25519 = \"" + to_base64(sig) + "\"\n");
  write_all(d + "/policy.toml", policy_v1);

  auto v = admin({"verify-bundle", "--authority-pub", d + "/keys/authority.pub", d + "/trust.bundle"});
  CHECK(v.exit_code == 1);
  CHECK_THAT(v.err, Catch::Contains("version-1 bundle; convert it with relais-admin upgrade-bundle"));
  auto r = admin({"revoke", "--dir", d, "--name", "police.golfe"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("upgrade-bundle"));

  auto up = admin({"upgrade-bundle", "--dir", d});
  INFO(up.err);
  REQUIRE(up.exit_code == 0);
  CHECK_THAT(up.out, Catch::Contains("serial 5 (was 4, version 1)"));
  TrustBundle b = bundle_of(d);
  CHECK(b.serial == 5);
  CHECK(b.participants.size() == current.participants.size());
  CHECK(b.find("police.kozah")->revoked);
  CHECK(b.history_of("police.kozah").revoked_at_serial == 4);
  CHECK_FALSE(b.find("police.golfe")->revoked);
  CHECK(b.policy_text == current.policy_text);
  CHECK(read_all(d + "/policy.toml") == current.policy_text);
  // Run again: already version 2, nothing to do.
  auto twice = admin({"upgrade-bundle", "--dir", d});
  CHECK(twice.exit_code == 0);
  CHECK_THAT(twice.out, Catch::Contains("already a version-2 bundle (serial 5)"));
  CHECK(bundle_of(d).serial == 5);
  // The workflow continues from it.
  expect_serial({"revoke", "--dir", d, "--name", "police.golfe"}, 6);

  // A version-1 file signed by another authority is refused.
  TempDir other;
  REQUIRE(admin({"keygen", "--name", "authority", "--role", "authority", "--out", other.path()}).exit_code == 0);
  write_all(other.path() + "/old.bundle", body + "[signature]\ned25519 = \"" + to_base64(sig) + "\"\n");
  auto foreign = admin({"upgrade-bundle", "--in", other.path() + "/old.bundle", "--out", other.path() + "/new.bundle",
                        "--authority", other.path() + "/authority.key"});
  CHECK(foreign.exit_code == 1);
  CHECK_THAT(foreign.err, Catch::Contains("signature"));
  CHECK_FALSE(fs::exists(other.path() + "/new.bundle"));
}
