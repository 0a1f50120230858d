// Shared helpers for the fuzz harnesses (see harnesses.h).
#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <unistd.h>

#include "fuzz/harnesses.h"

namespace relais::fuzz {
namespace {

Identity make_identity(uint8_t seed_byte, const char* name, Role role, const char* region, const char* prefecture) {
  Identity id;
  id.card.name = name;
  id.card.role = role;
  id.card.region = region;
  id.card.prefecture = prefecture;
  uint8_t seed[32];
  id.sign_sk = SecretBytes(crypto_sign_SECRETKEYBYTES);
  id.link_sk = SecretBytes(32);
  id.seal_sk = SecretBytes(32);
  std::memset(seed, seed_byte, sizeof seed);
  crypto_sign_seed_keypair(id.card.sign_pk.data(), id.sign_sk.data(), seed);
  seed[0] ^= 0x55;
  crypto_box_seed_keypair(id.card.link_pk.data(), id.link_sk.data(), seed);
  seed[0] ^= 0xaa;
  crypto_box_seed_keypair(id.card.seal_pk.data(), id.seal_sk.data(), seed);
  return id;
}

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/relais-fuzz-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) std::abort();
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

void check_failed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "FUZZ_CHECK failed: %s at %s:%d\n", what, file, line);
  std::abort();
}

const Identity& fixed_identity(int which) {
  static const auto ids = [] {
    if (sodium_init() < 0) std::abort();
    auto v = std::make_unique<std::vector<Identity>>();
    v->push_back(make_identity(1, "police.golfe", Role::kPolice, "maritime", "golfe"));
    v->push_back(make_identity(2, "commission", Role::kCommission, "", ""));
    v->push_back(make_identity(3, "authority", Role::kAuthority, "", ""));
    v->push_back(make_identity(4, "broker", Role::kBroker, "", ""));
    return v;
  }();
  return ids->at(static_cast<size_t>(which));
}

std::string temp_file(std::string_view name, const uint8_t* data, size_t size) {
  static TempDir dir;
  const std::string path = dir.path + "/" + std::string(name);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  f.close();
  return path;
}

}  // namespace relais::fuzz
