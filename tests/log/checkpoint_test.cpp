#include <catch2/catch.hpp>
#include <fstream>
#include <unistd.h>

#include "log/checkpoint.h"
#include "log_test_util.h"

using namespace relais;
using namespace relais::testing;

TEST_CASE("A signed checkpoint verifies with the broker key and no other", "[checkpoint]") {
  SignKey k, other;
  const Checkpoint cp = Checkpoint::sign(17, hash_of(1, 2), 1700000000000, k.sk);
  CHECK(cp.verify(k.pk));
  CHECK_FALSE(cp.verify(other.pk));
  CHECK_FALSE(cp.verify(ByteView(k.pk.data(), 31)));
  // The signature covers the context string, so it is a raw Ed25519 signature over our bytes.
  Bytes m = cp.signed_message();
  REQUIRE(m.size() == 21 + 8 + 8 + 32 + 8);
  CHECK(std::string(m.begin(), m.begin() + 21) == std::string("relais/checkpoint/v2\0", 21));
}

TEST_CASE("A checkpoint v2 signs its epoch, laid out as log-format.md documents", "[checkpoint]") {
  SignKey k;
  const Checkpoint cp = Checkpoint::sign(17, hash_of(1, 2), 1700000000000, k.sk, 3);
  CHECK(cp.epoch == 3);
  // "relais/checkpoint/v2" NUL epoch:u64 size:u64 root[32] ts:i64, little-endian.
  Bytes want(std::begin("relais/checkpoint/v2"), std::end("relais/checkpoint/v2"));  // with its NUL
  auto put = [&](uint64_t v) {
    for (int i = 0; i < 8; ++i) want.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  put(3);
  put(17);
  want.insert(want.end(), cp.root.begin(), cp.root.end());
  put(1700000000000);
  CHECK(cp.signed_message() == want);
  // The payload: kind 4, then the same fields and the signature.
  const Bytes p = cp.encode_payload();
  REQUIRE(p.size() == 121);
  CHECK(p[0] == 4);
  CHECK(Bytes(p.begin() + 1, p.begin() + 1 + 8 + 8 + 32 + 8) == Bytes(want.begin() + 21, want.end()));
  auto back = Checkpoint::decode_payload(p);
  REQUIRE(back.ok());
  CHECK(back->epoch == 3);
  CHECK(back->verify(k.pk));
  // The same checkpoint claimed in another epoch does not verify.
  Checkpoint moved = cp;
  moved.epoch = 2;
  CHECK_FALSE(moved.verify(k.pk));
}

TEST_CASE("A tampered checkpoint is refused", "[checkpoint]") {
  SignKey k;
  const Checkpoint cp = Checkpoint::sign(17, hash_of(1, 2), 1700000000000, k.sk);
  Checkpoint t = cp;
  t.size = 16;
  CHECK_FALSE(t.verify(k.pk));
  t = cp;
  t.root[31] ^= 1;
  CHECK_FALSE(t.verify(k.pk));
  t = cp;
  t.ts_ms += 1;
  CHECK_FALSE(t.verify(k.pk));
  t = cp;
  t.sig[0] ^= 1;
  CHECK_FALSE(t.verify(k.pk));
  SignKey other;
  t = Checkpoint::sign(17, hash_of(1, 2), 1700000000000, other.sk);
  CHECK_FALSE(t.verify(k.pk));
}

TEST_CASE("Checkpoint payloads round-trip and wrong lengths are refused", "[checkpoint]") {
  SignKey k;
  const Checkpoint cp = Checkpoint::sign(3, hash_of(4, 5), -1, k.sk);
  Bytes p = cp.encode_payload();
  REQUIRE(p.size() == Checkpoint::kPayloadSize);
  auto back = Checkpoint::decode_payload(p);
  REQUIRE(back.ok());
  CHECK(*back == cp);
  p.pop_back();
  CHECK(Checkpoint::decode_payload(p).status().code() == Code::kCorruption);
}

TEST_CASE("The checkpoints file is appended, read back, and a torn tail is reported or cut", "[checkpoint]") {
  TempDir dir;
  SignKey k;
  const std::string path = dir.path + "/checkpoints";
  auto none = read_checkpoint_file(path);
  REQUIRE(none.ok());
  CHECK(none->empty());
  std::vector<Checkpoint> cps;
  for (uint64_t i = 1; i <= 3; ++i) {
    cps.push_back(Checkpoint::sign(i * 10, hash_of(i, 9), 1000 + static_cast<int64_t>(i), k.sk));
    REQUIRE(append_checkpoint_file(path, cps.back(), true).ok());
  }
  auto got = read_checkpoint_file(path);
  REQUIRE(got.ok());
  CHECK(*got == cps);

  const auto full = std::filesystem::file_size(path);
  REQUIRE(::truncate(path.c_str(), static_cast<off_t>(full - 3)) == 0);
  auto torn = read_checkpoint_file(path);
  REQUIRE(torn.status().code() == Code::kCorruption);
  CHECK_THAT(torn.status().message(), Catch::Contains("truncated record"));
  auto rec = recover_checkpoint_file(path);
  REQUIRE(rec.ok());
  CHECK(rec->size() == 2);
  CHECK(read_checkpoint_file(path).ok());
}
