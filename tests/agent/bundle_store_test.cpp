// BundleStore (agent/bundle_store.h): the newest verified bundle wins, an
// older serial is never taken, a tampered file is refused, writes are whole.
#include <catch2/catch.hpp>

#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/bundle_store.h"
#include "policy/sample_policy.h"
#include "util/files.h"
#include "temp_dir.h"

using namespace relais;
namespace fs = std::filesystem;
using relais::test::TempDir;

namespace {

Identity make(const char* name, Role role) {
  auto id = generate_identity(name, role, role == Role::kPolice ? "maritime" : "",
                              role == Role::kPolice ? "golfe" : "");
  REQUIRE(id.ok());
  return std::move(*id);
}

struct Fixture {
  Identity authority = make("authority", Role::kAuthority);
  Identity broker = make("broker", Role::kBroker);
  Identity police = make("police.golfe", Role::kPolice);
  Identity commission = make("commission", Role::kCommission);
  TempDir dir;
  std::string state = dir.path + "/state";

  Bytes bundle(uint64_t serial, const Identity* signer = nullptr, int64_t later_ms = 0) {
    auto b = build_bundle(signer ? *signer : authority, {broker.card, police.card, commission.card},
                          sample_policy_toml(), serial, 1767225600000 + static_cast<int64_t>(serial) + later_ms, {});
    REQUIRE(b.ok());
    return *b;
  }
  std::string write(const std::string& path, const Bytes& b) {
    fs::create_directories(fs::path(path).parent_path());
    REQUIRE(write_file_durable(path, b, 0644).ok());
    return path;
  }
  std::string stored(uint64_t serial) { return state + "/bundles/" + std::to_string(serial) + ".bundle"; }
  BundleStore open(const std::string& configured) {
    BundleStore s(state, authority.card.sign_pk);
    Status st = s.open(configured);
    INFO(st.message());
    REQUIRE(st.ok());
    return s;
  }
};

Bytes slurp(const std::string& path) {
  auto b = read_file(path);
  REQUIRE(b.ok());
  return *b;
}

}  // namespace

TEST_CASE("The newest verified bundle among the configured file and the stored ones is in use", "[agent][store]") {
  Fixture f;
  const std::string configured = f.write(f.dir.path + "/trust.bundle", f.bundle(1));
  {
    BundleStore s = f.open(configured);
    CHECK(s.current().serial == 1);
  }
  f.write(f.stored(2), f.bundle(2));
  f.write(f.stored(3), f.bundle(3));
  {
    // An older configured file is not an error: the stored serial 3 wins.
    BundleStore s = f.open(configured);
    CHECK(s.current().serial == 3);
    CHECK(s.warnings().empty());
    REQUIRE(s.find(2) != nullptr);
    CHECK(s.find(2)->serial == 2);
    CHECK(s.find(7) == nullptr);
  }
  // A configured file newer than every stored one wins.
  const std::string newer = f.write(f.dir.path + "/new.bundle", f.bundle(4));
  CHECK(f.open(newer).current().serial == 4);
}

TEST_CASE("The store never takes an older serial, and takes a newer one for good", "[agent][store]") {
  Fixture f;
  const std::string configured = f.write(f.dir.path + "/trust.bundle", f.bundle(2));
  BundleStore s = f.open(configured);
  auto old = s.accept(f.bundle(1), "the broker's bundle");
  REQUIRE_FALSE(old.ok());
  CHECK(old.status().code() == Code::kRefused);
  CHECK(old.status().message().find("older") != std::string::npos);
  CHECK(s.current().serial == 2);
  CHECK_FALSE(fs::exists(f.stored(1)));

  // The same serial again is a no-op; the same serial with other bytes is refused.
  REQUIRE(s.accept(slurp(configured), "again").ok());
  CHECK_FALSE(s.accept(f.bundle(2, nullptr, 1000), "another serial 2").ok());

  auto newer = s.accept(f.bundle(5), "the broker's bundle");
  REQUIRE(newer.ok());
  CHECK(s.current().serial == 5);
  CHECK(slurp(f.stored(5)) == (*newer)->file);
  // Reopened, the store still uses serial 5.
  CHECK(f.open(configured).current().serial == 5);

  // keep() stores an older one for checking messages, without using it.
  const Bytes three = f.bundle(3);
  auto kept = s.keep(three, 3, "the broker's bundle 3");
  REQUIRE(kept.ok());
  CHECK(s.current().serial == 5);
  CHECK(slurp(f.stored(3)) == three);
  CHECK_FALSE(s.keep(f.bundle(4), 6, "mislabelled").ok());
  BundleStore again = f.open(configured);
  CHECK(again.current().serial == 5);
  REQUIRE(again.find(3) != nullptr);
  CHECK(again.find(3)->hash == (*kept)->hash);
}

TEST_CASE("A tampered, foreign or misnamed bundle is refused", "[agent][store]") {
  Fixture f;
  const std::string configured = f.write(f.dir.path + "/trust.bundle", f.bundle(1));
  Bytes tampered = f.bundle(3);
  tampered[tampered.size() / 2] ^= 0x01;
  f.write(f.stored(3), tampered);
  f.write(f.stored(9), f.bundle(2));  // its name is not its serial
  {
    BundleStore s = f.open(configured);
    CHECK(s.current().serial == 1);
    REQUIRE(s.warnings().size() == 2);
    CHECK(s.warnings()[0].find("9.bundle") != std::string::npos);
    CHECK(s.warnings()[1].find("3.bundle") != std::string::npos);
  }
  BundleStore s = f.open(configured);
  auto bad = s.accept(tampered, "the broker's bundle");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == Code::kInvalid);
  Identity rogue = make("authority", Role::kAuthority);
  auto foreign = s.accept(f.bundle(4, &rogue), "the broker's bundle");
  REQUIRE_FALSE(foreign.ok());
  CHECK(foreign.status().message().find("pinned authority") != std::string::npos);
  CHECK(s.current().serial == 1);
  CHECK_FALSE(fs::exists(f.stored(4)));

  // A configured file that does not verify is a configuration error.
  const std::string bad_config = f.write(f.dir.path + "/bad.bundle", tampered);
  BundleStore t(f.state, f.authority.card.sign_pk);
  CHECK(t.open(bad_config).code() == Code::kConfig);
}

TEST_CASE("A stored bundle is written whole: no temporary file is left, and a cut file is ignored", "[agent][store]") {
  Fixture f;
  const std::string configured = f.write(f.dir.path + "/trust.bundle", f.bundle(1));
  BundleStore s = f.open(configured);
  REQUIRE(s.accept(f.bundle(2), "the broker's bundle").ok());
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(f.state + "/bundles")) names.push_back(e.path().filename().string());
  CHECK(names == std::vector<std::string>{"2.bundle"});
  // A file cut short (as a crash without the atomic rename would leave it) is refused.
  Bytes cut = f.bundle(3);
  cut.resize(cut.size() - 10);
  f.write(f.stored(3), cut);
  BundleStore again = f.open(configured);
  CHECK(again.current().serial == 2);
  CHECK(again.warnings().size() == 1);
  // Without a state folder nothing is written.
  BundleStore memory("", f.authority.card.sign_pk);
  REQUIRE(memory.open(configured).ok());
  REQUIRE(memory.accept(f.bundle(6), "the broker's bundle").ok());
  CHECK(memory.current().serial == 6);
  CHECK_FALSE(fs::exists(f.stored(6)));
}
