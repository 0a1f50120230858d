// The inbox's filters (Store::messages: type, status, case; newest first, a
// page at a time) are answered from an index, never by reading every row:
// with 100,000 messages a rare filter (the unread referrals, a type the
// agency seldom gets) took 100-400 ms as a scan (bench: relais-bench desk).
// The plans below are those of the queries Store::messages makes, with only
// the filters given in the WHERE clause.
#include <catch2/catch.hpp>

#include "store/sqlite_db.h"
#include "store/store.h"
#include "store/store_file.h"
#include "store_fixture.h"
#include "temp_dir.h"

using namespace relais;
using namespace relais::test;

namespace {

// EXPLAIN QUERY PLAN of the inbox query with `where` (empty: no filter).
std::string inbox_plan(SqliteDb& db, const std::string& where) {
  // Numbered like Store::messages' (?1 type, ?2 status, ?3 case, ?5 urgency); the
  // LIMIT is a literal here, so only the filters present are bound.
  auto st = db.prepare("EXPLAIN QUERY PLAN SELECT * FROM messages" + where +
                           " ORDER BY received_ms DESC, id DESC LIMIT 500",
                       "explain");
  REQUIRE(st.ok());
  if (where.find("?1") != std::string::npos) st->bind(1, "referral");
  if (where.find("?2") != std::string::npos) st->bind(2, "new");
  if (where.find("?3") != std::string::npos) st->bind(3, "c-1");
  if (where.find("?5") != std::string::npos) st->bind(5, "immediate");
  std::string plan;
  for (;;) {
    auto row = st->step();
    REQUIRE(row.ok());
    if (!*row) break;
    plan += st->column_text(3) + "\n";
  }
  return plan;
}

}  // namespace

TEST_CASE("the inbox's filters walk an index in received order, never every row", "[store][inbox]") {
  TempDir dir;
  Identity me = make_identity();
  {
    auto r = Store::open(dir.path, me, {});
    Store& store = opened(r);
    for (int i = 0; i < 20; ++i) {
      StoredMessage m = sample_message(fresh_id(1000 + i), 1000 + i, i % 5 == 0 ? "c-1" : "");
      if (i % 2) m.type = "alert";
      m.status = i % 3 ? "read" : "new";
      REQUIRE(store.put_message(m, "{}").ok());
    }
  }
  auto db = SqliteDb::open(dir.path + "/store.db");
  REQUIRE(db.ok());
  for (const std::string where :
       {" WHERE type = ?1", " WHERE status = ?2", " WHERE type = ?1 AND status = ?2", " WHERE urgency = ?5"}) {
    const std::string plan = inbox_plan(**db, where);
    INFO(where << "\n" << plan);
    CHECK(plan.find("SEARCH messages USING INDEX") != std::string::npos);
    CHECK(plan.find("TEMP B-TREE") == std::string::npos);  // already in received order
  }
  {
    const std::string plan = inbox_plan(**db, " WHERE case_ref = ?3");
    INFO(plan);
    CHECK(plan.find("SEARCH messages USING INDEX messages_by_case") != std::string::npos);
  }
  {
    const std::string plan = inbox_plan(**db, "");
    INFO(plan);
    CHECK(plan.find("messages_by_received") != std::string::npos);
  }
}

TEST_CASE("a store of version 2 gains the inbox's indexes when it is opened", "[store][inbox]") {
  TempDir dir;
  Identity me = make_identity();
  StoredMessage m = sample_message(fresh_id(1000), 1000);
  {
    auto r = Store::open(dir.path + "/state", me, {});
    REQUIRE(opened(r).put_message(m, "{}").ok());
  }
  {  // as a build from before the indexes left it
    auto db = SqliteDb::open(dir.path + "/state/store.db");
    REQUIRE(db.ok());
    REQUIRE((*db)->exec("DROP INDEX messages_by_type; DROP INDEX messages_by_type_status; "
                        "DROP INDEX messages_by_status; CREATE INDEX messages_by_status ON messages (status); "
                        "PRAGMA user_version = 2",
                        "downgrade")
                .ok());
  }
  {
    auto r = Store::open(dir.path + "/state", me, {});
    Store& store = opened(r);
    auto fresh = store.messages({"referral", "new", "", 10});
    REQUIRE(fresh.ok());
    REQUIRE(fresh->size() == 1);
    CHECK(fresh->front().id == m.id);
  }
  auto db = SqliteDb::open(dir.path + "/state/store.db");
  REQUIRE(db.ok());
  CHECK(*(*db)->query_int("PRAGMA user_version", "version") == kStoreSchemaVersion);
  CHECK(*(*db)->query_int("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name IN "
                          "('messages_by_type', 'messages_by_type_status')",
                          "indexes") == 2);
  CHECK(inbox_plan(**db, " WHERE status = ?2").find("TEMP B-TREE") == std::string::npos);
}

TEST_CASE("the urgency filter finds the newest messages of that urgency, however many others are newer",
          "[store][inbox]") {
  TempDir dir;
  Identity me = make_identity();
  auto r = Store::open(dir.path, me, {});
  Store& store = opened(r);
  // Two immediate referrals, then 30 routine messages received after them.
  for (int i = 0; i < 32; ++i) {
    StoredMessage m = sample_message(fresh_id(2000 + i), 2000 + i);
    m.urgency = i < 2 ? "immediate" : "routine";
    REQUIRE(store.put_message(m, "{}").ok());
  }
  InboxFilter f;
  f.urgency = "immediate";
  f.limit = 10;  // fewer than the routine messages received after the two
  auto got = store.messages(f);
  REQUIRE(got.ok());
  REQUIRE(got->size() == 2);
  for (const StoredMessage& m : *got) CHECK(m.urgency == "immediate");
  CHECK((*got)[0].received_ms > (*got)[1].received_ms);  // newest first

  f.type = "referral";  // with another filter
  got = store.messages(f);
  REQUIRE(got.ok());
  CHECK(got->size() == 2);
  f.urgency = "urgent";
  got = store.messages(f);
  REQUIRE(got.ok());
  CHECK(got->empty());
}
