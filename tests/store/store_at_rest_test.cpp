// The store at rest (store/store.h): nothing about a person in clear in any
// file, file and folder modes, a value moved between rows refused, erasure
// leaving no trace, the schema version.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "store/sqlite_db.h"
#include "store/store.h"
#include "store/store_file.h"
#include "store_fixture.h"
#include "temp_dir.h"

using namespace relais;
using namespace relais::test;

TEST_CASE("a plaintext marker in a body or a queued document is found nowhere in state_dir", "[store][at-rest]") {
  TempDir dir;
  Identity me = make_identity();
  const std::string marker = "MARKER-Kossiwa-Ablavi-1f3a";
  const std::string state = dir.path + "/state";
  {
    auto r = Store::open(state, me, {});
    Store& store = opened(r);
    for (int i = 0; i < 50; ++i) {
      StoredMessage m = sample_message(fresh_id(1000 + i), 1000 + i);
      REQUIRE(*store.put_message(m, R"({"body":{"victim":{"name":")" + marker + R"("}}})"));
      REQUIRE(store.enqueue(sample_entry(fresh_id(2000 + i), 2000 + i), R"({"note":")" + marker + R"("})").ok());
    }
    // While the store is open (the -wal file holds the latest pages) ...
    CHECK(files_holding(state, marker).empty());
    CHECK(files_holding(state, "referral.social.golfe").find("store.db-wal") != std::string::npos);  // it sees clear text
    auto one = store.messages({});
    REQUIRE(one.ok());
    CHECK(store.open_message(one->front().id)->find(marker) != std::string::npos);
  }
  // ... and once it is closed (checkpointed into store.db).
  CHECK(files_holding(state, marker).empty());
  CHECK(files_holding(state, "referral.social.golfe").find("store.db") != std::string::npos);
}

TEST_CASE("store.db and its side files are 0600 in a 0700 folder created when absent", "[store][at-rest]") {
  TempDir dir;
  Identity me = make_identity();
  const std::string state = dir.path + "/a/b/state";
  const mode_t old = ::umask(0);  // the most permissive umask must not loosen anything
  auto r = Store::open(state, me, {});
  ::umask(old);
  Store& store = opened(r);
  REQUIRE(*store.put_message(sample_message(fresh_id(), 1), "{}"));
  CHECK(mode_of(state) == 0700);
  CHECK(mode_of(state + "/store.db") == 0600);
  CHECK(mode_of(state + "/store.db-wal") == 0600);
  CHECK(mode_of(state + "/store.db-shm") == 0600);
}

TEST_CASE("a state_dir or store.db that others may read is refused with the chmod that fixes it", "[store][at-rest]") {
  TempDir dir;
  Identity me = make_identity();
  const std::string state = dir.path + "/state";
  REQUIRE(::mkdir(state.c_str(), 0700) == 0);
  REQUIRE(::chmod(state.c_str(), 0750) == 0);
  auto r = Store::open(state, me, {});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kPermission);
  CHECK(r.status().exit_code() == 2);
  CHECK(r.status().message().find("chmod 700 " + state) != std::string::npos);

  REQUIRE(::chmod(state.c_str(), 0700) == 0);
  { auto ok = Store::open(state, me, {}); REQUIRE(ok.ok()); }
  REQUIRE(::chmod((state + "/store.db").c_str(), 0644) == 0);
  auto loose = Store::open(state, me, {});
  REQUIRE_FALSE(loose.ok());
  CHECK(loose.status().code() == Code::kPermission);
  CHECK(loose.status().message().find("chmod 600 " + state + "/store.db") != std::string::npos);

  auto unset = Store::open("", me, {});
  CHECK(unset.status().code() == Code::kConfig);
  CHECK(unset.status().message().find("state_dir") != std::string::npos);
}

TEST_CASE("a sealed body moved to another row does not open (Corruption naming the row)", "[store][at-rest]") {
  TempDir dir;
  Identity me = make_identity();
  const std::string a = fresh_id(1), b = fresh_id(2);
  {
    auto r = Store::open(dir.path, me, {});
    Store& store = opened(r);
    REQUIRE(*store.put_message(sample_message(a, 1), "{\"who\":\"a\"}"));
    REQUIRE(*store.put_message(sample_message(b, 2), "{\"who\":\"b\"}"));
    REQUIRE(store.enqueue(sample_entry(a, 1), "{\"doc\":\"a\"}").ok());
  }
  {
    // Someone with the file copies a's sealed body over b's, and the sealed
    // message body of a into the outbox row with the same id.
    auto db = SqliteDb::open(dir.path + "/store.db");
    REQUIRE(db.ok());
    REQUIRE((*db)->exec("UPDATE messages SET opened = (SELECT opened FROM messages WHERE id = '" + a +
                            "') WHERE id = '" + b + "'; UPDATE outbox SET document = (SELECT opened FROM messages "
                            "WHERE id = '" + a + "') WHERE id = '" + a + "';",
                        "tamper")
                .ok());
  }
  auto r = Store::open(dir.path, me, {});
  Store& store = opened(r);
  CHECK(*store.open_message(a) == "{\"who\":\"a\"}");
  auto moved = store.open_message(b);
  REQUIRE_FALSE(moved.ok());
  CHECK(moved.status().code() == Code::kCorruption);
  CHECK(moved.status().message().find(b) != std::string::npos);
  auto crossed = store.outbox_document(a);
  CHECK(crossed.status().code() == Code::kCorruption);
}

TEST_CASE("erasing a case leaves its case reference nowhere in state_dir", "[store][erase]") {
  TempDir dir;
  Identity me = make_identity();
  const std::string marker = "c-e7a5e0c0ffee5eed";
  auto r = Store::open(dir.path, me, {});
  Store& store = opened(r);
  StoredMessage keep = sample_message(fresh_id(1), 1, "c-other");
  REQUIRE(*store.put_message(keep, "{}"));
  StoredMessage first = sample_message(fresh_id(2), 2, marker);
  REQUIRE(*store.put_message(first, "{}"));
  OutboxEntry answer = sample_entry(fresh_id(3), 3, marker, first.id);
  REQUIRE(store.enqueue(answer, "{}").ok());
  // A reply without the case reference, and another item of the case.
  StoredMessage reply = sample_message(fresh_id(4), 4, "", answer.id);
  REQUIRE(*store.put_message(reply, "{}"));
  for (int i = 0; i < 20; ++i) REQUIRE(*store.put_message(sample_message(fresh_id(10 + i), 10 + i, marker), "{}"));
  REQUIRE(store.set_message_status(first.id, "answered").ok());
  // A desk user's unsent answer to the case's first message, and one to another case.
  REQUIRE(store.put_draft({"draft-case", "amivi", "referral-response", first.id, 5}, R"({"note":"x"})").ok());
  REQUIRE(store.put_draft({"draft-other", "amivi", "referral-response", keep.id, 5}, R"({"note":"y"})").ok());
  CHECK_FALSE(files_holding(dir.path, marker).empty());  // the check can see it

  auto n = store.erase_case(marker);
  REQUIRE(n.ok());
  CHECK(*n == 23);
  CHECK(files_holding(dir.path, marker).empty());
  CHECK(files_holding(dir.path, first.id).empty());
  CHECK(files_holding(dir.path, reply.id).empty());
  CHECK(store.message(keep.id)->has_value());
  CHECK(store.case_timeline(marker)->empty());
  CHECK_FALSE(store.draft("draft-case")->has_value());  // it answered an erased message
  CHECK(store.draft("draft-other")->has_value());
  auto again = store.erase_case(marker);
  REQUIRE(again.ok());
  CHECK(*again == 0);
}

TEST_CASE("a store newer than this program, or a SQLite file that is not a store, is refused", "[store][at-rest]") {
  TempDir dir;
  Identity me = make_identity();
  { auto r = Store::open(dir.path, me, {}); REQUIRE(r.ok()); }
  {
    auto db = SqliteDb::open(dir.path + "/store.db");
    REQUIRE(db.ok());
    REQUIRE((*db)->exec("PRAGMA user_version = " + std::to_string(kStoreSchemaVersion + 1), "bump").ok());
  }
  auto newer = Store::open(dir.path, me, {});
  REQUIRE_FALSE(newer.ok());
  CHECK(newer.status().code() == Code::kConfig);
  CHECK(newer.status().message().find("newer") != std::string::npos);

  TempDir other;
  {
    auto db = SqliteDb::open(other.path + "/store.db");
    REQUIRE(db.ok());
    REQUIRE((*db)->exec("CREATE TABLE t (x)", "make").ok());
  }
  REQUIRE(::chmod((other.path + "/store.db").c_str(), 0600) == 0);
  auto foreign = Store::open(other.path, me, {});
  REQUIRE_FALSE(foreign.ok());
  CHECK(foreign.status().code() == Code::kConfig);

  TempDir garbage;
  REQUIRE(write_file_durable(garbage.path + "/store.db", as_bytes(std::string(4096, 'x')), 0600).ok());
  auto damaged = Store::open(garbage.path, me, {});
  REQUIRE_FALSE(damaged.ok());
  CHECK(damaged.status().code() == Code::kIOError);
  CHECK(damaged.status().message().find("store.db") != std::string::npos);
}
