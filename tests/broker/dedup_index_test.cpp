// The duplicate index against a std::map model, and the duplicate key's
// derivation (stored on disk: it must never change silently).
#include <catch2/catch.hpp>
#include <map>
#include <random>

#include "broker/dedup_index.h"
#include "broker/dedup_key.h"
#include "util/bytes.h"

using namespace relais;

namespace {
RecordKey key_of(uint64_t n) {
  Uuid id{};
  for (int i = 0; i < 8; ++i) id[static_cast<size_t>(i)] = static_cast<uint8_t>(n >> (8 * i));
  return dedup_key("police.golfe", id);
}
}  // namespace

TEST_CASE("the duplicate index agrees with a model through puts, growth and expiry", "[dedup]") {
  DedupIndex index;
  std::map<RecordKey, DedupIndex::Entry> model;
  std::deque<std::pair<int64_t, RecordKey>> order;
  std::mt19937_64 rng(7);
  int64_t now = 0;
  uint64_t next = 1;
  for (int round = 0; round < 200; ++round) {
    const int puts = static_cast<int>(rng() % 400);
    for (int i = 0; i < puts; ++i) {
      const RecordKey k = key_of(next);
      const int64_t expires = now + 1 + static_cast<int64_t>(rng() % 50);
      index.put(k, next, expires);
      model[k] = DedupIndex::Entry{next, expires};
      order.emplace_back(expires, k);
      ++next;
    }
    now += static_cast<int64_t>(rng() % 20);
    index.expire(now);
    while (!order.empty() && order.front().first < now) {
      auto it = model.find(order.front().second);
      if (it != model.end() && it->second.expires_ms < now) model.erase(it);
      order.pop_front();
    }
    REQUIRE(index.size() == model.size());
    for (uint64_t n = next > 2000 ? next - 2000 : 1; n < next; ++n) {
      const RecordKey k = key_of(n);
      const DedupIndex::Entry* e = index.find(k);
      auto it = model.find(k);
      REQUIRE((e != nullptr) == (it != model.end()));
      if (e) REQUIRE(e->seq == it->second.seq);
    }
  }
  CHECK(index.find(key_of(next + 1)) == nullptr);
}

TEST_CASE("a reserved duplicate index holds a million entries", "[dedup]") {
  DedupIndex index;
  index.reserve(1000000);
  for (uint64_t n = 1; n <= 1000000; ++n) index.put(key_of(n), n, 1000);
  CHECK(index.size() == 1000000);
  CHECK(index.find(key_of(1))->seq == 1);
  CHECK(index.find(key_of(999999))->seq == 999999);
  index.expire(1001);
  CHECK(index.size() == 0);
  CHECK(index.find(key_of(5)) == nullptr);
}

TEST_CASE("the duplicate key is BLAKE2b-128 of context, sender and id, and never changes", "[dedup]") {
  Uuid id{};
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(i);
  const RecordKey k = dedup_key("social.golfe", id);
  CHECK(to_hex(ByteView(k.data(), k.size())) == "c1a232200f19b0a36712f15529f550ef");
  CHECK(dedup_key("social.golfe", id) == k);
  CHECK(dedup_key("social.golf", id) != k);
  Uuid other = id;
  other[15] ^= 1;
  CHECK(dedup_key("social.golfe", other) != k);
}
