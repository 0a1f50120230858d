// The store key (store/store_key.h) across key rotations: a retired identity
// opens the store and the key is rewrapped to the current one; an unrelated
// identity is refused.
#include <catch2/catch.hpp>

#include "store/sqlite_db.h"
#include "store/store.h"
#include "store/store_key.h"
#include "store_fixture.h"
#include "temp_dir.h"

using namespace relais;
using namespace relais::test;

namespace {

int64_t key_rows(const std::string& dir) {
  auto db = SqliteDb::open(dir + "/store.db");
  REQUIRE(db.ok());
  auto n = (*db)->query_int("SELECT count(*) FROM store_keys", "count");
  REQUIRE(n.ok());
  return *n;
}

}  // namespace

TEST_CASE("a wrapped store key opens only with its identity's seal key", "[store][key]") {
  Identity a = make_identity(), b = make_identity();
  SecretBytes key = new_store_key();
  Bytes wrapped = wrap_store_key(key, a.card.seal_pk);
  auto back = unwrap_store_key(wrapped, a);
  REQUIRE(back.has_value());
  CHECK(Bytes(back->data(), back->data() + back->size()) == Bytes(key.data(), key.data() + key.size()));
  CHECK_FALSE(unwrap_store_key(wrapped, b).has_value());
  wrapped[5] ^= 1;
  CHECK_FALSE(unwrap_store_key(wrapped, a).has_value());
  CHECK_FALSE(unwrap_store_key(ByteView(wrapped.data(), 10), a).has_value());
}

TEST_CASE("after a key rotation the stored messages still open, and an unrelated identity is refused", "[store][key]") {
  TempDir dir;
  Identity a = make_identity(), b = make_identity(), stranger = make_identity("police.golfe");
  const std::string id = fresh_id();
  {
    auto r = Store::open(dir.path, a, {});
    REQUIRE(*opened(r).put_message(sample_message(id, 1), "{\"sealed\":\"to A\"}"));
  }
  {
    // B alone does not hold the key yet.
    auto r = Store::open(dir.path, b, {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kRefused);
    CHECK(r.status().message().find("retired_identities") != std::string::npos);
  }
  {
    // B with A retired: opens, and wraps the key to B.
    auto r = Store::open(dir.path, b, {&stranger, &a});
    Store& store = opened(r);
    CHECK(*store.open_message(id) == "{\"sealed\":\"to A\"}");
  }
  CHECK(key_rows(dir.path) == 1);  // A's wrapping went with the rotation
  {
    auto r = Store::open(dir.path, b, {});
    Store& store = opened(r);
    CHECK(*store.open_message(id) == "{\"sealed\":\"to A\"}");
  }
  {
    auto r = Store::open(dir.path, a, {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kRefused);
  }
  auto refused = Store::open(dir.path, stranger, {&stranger});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == Code::kRefused);
  CHECK(refused.status().exit_code() == 1);
  CHECK(refused.status().message().find("no longer holds") != std::string::npos);
}

TEST_CASE("a store whose key rows are gone while values remain is damaged, not silently rekeyed", "[store][key]") {
  TempDir dir;
  Identity a = make_identity();
  {
    auto r = Store::open(dir.path, a, {});
    REQUIRE(*opened(r).put_message(sample_message(fresh_id(), 1), "{}"));
  }
  {
    auto db = SqliteDb::open(dir.path + "/store.db");
    REQUIRE(db.ok());
    REQUIRE((*db)->exec("DELETE FROM store_keys", "drop").ok());
  }
  auto r = Store::open(dir.path, a, {});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kCorruption);
}

TEST_CASE("a damaged wrapping of this identity's key is Corruption", "[store][key]") {
  TempDir dir;
  Identity a = make_identity();
  { auto r = Store::open(dir.path, a, {}); REQUIRE(r.ok()); }
  {
    auto db = SqliteDb::open(dir.path + "/store.db");
    REQUIRE(db.ok());
    REQUIRE((*db)->exec("UPDATE store_keys SET wrapped = zeroblob(80)", "damage").ok());
  }
  auto r = Store::open(dir.path, a, {});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kCorruption);
}
