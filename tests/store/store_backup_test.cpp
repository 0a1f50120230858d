// Store backups (store/store_backup.h): a copy taken while another
// connection writes, put back over a newer store, refused when damaged,
// foreign, or while the service holds the state folder.
#include <catch2/catch.hpp>

#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_backup.h"
#include "store/store_fixture.h"
#include "temp_dir.h"

using namespace relais;
using namespace relais::test;

TEST_CASE("A backup holds the store as it was, sealed, and restores over a newer store", "[store][backup]") {
  TempDir dir("relais-store-backup");
  const std::string state = dir.path + "/state";
  const Identity me = make_identity();
  const std::string before = fresh_id(1767225600000), after = fresh_id(1767225700000);
  {
    auto r = Store::open(state, me, {});
    Store& s = opened(r);
    REQUIRE(*s.put_message(sample_message(before, 1767225600000), R"({"body":{"summary":"before the backup"}})"));
    REQUIRE(s.enqueue(sample_entry(fresh_id(1767225600100), 1767225600100), R"({"queued":"yes"})").ok());
  }
  // The service's connection stays open, as while it runs.
  auto live = Store::open(state, me, {});
  Store& service = opened(live);
  const std::string out = dir.path + "/store-backup.db";
  auto b = backup_store(state, out);
  INFO(b.status().message());
  REQUIRE(b.ok());
  CHECK(b->counts.inbox_total == 1);
  CHECK(b->counts.outbox_queued == 1);
  CHECK(b->bytes > 0);
  CHECK(mode_of(out) == 0600);
  CHECK(files_holding(dir.path, "before the backup").empty());  // sealed in the copy too
  // Never over an existing file.
  CHECK(backup_store(state, out).status().code() == Code::kInvalid);

  REQUIRE(*service.put_message(sample_message(after, 1767225700000), R"({"body":{"summary":"after"}})"));
  // While the service holds its lock, restore is refused and changes nothing.
  {
    auto lock = service_lock(state);
    REQUIRE(lock.ok());
    auto refused = restore_store(state, out, me, {}, 1767225800000);
    CHECK(refused.status().code() == Code::kRefused);
    CHECK(refused.status().message().find("stop the service first") != std::string::npos);
    CHECK(service.message(after)->has_value());
  }
  live = Status::Invalid("closed");  // the service stops
  auto restored = restore_store(state, out, me, {}, 1767225800000);
  INFO(restored.status().message());
  REQUIRE(restored.ok());
  CHECK(restored->counts.inbox_total == 1);
  CHECK(restored->previous == state + "/store.db.before-restore-20260101T000320Z");
  CHECK(mode_of(restored->previous) == 0600);
  CHECK(mode_of(state + "/store.db") == 0600);
  auto back = Store::open(state, me, {});
  Store& s = opened(back);
  CHECK(s.message(before)->has_value());
  CHECK(!s.message(after)->has_value());
  CHECK(*s.open_message(before) == R"({"body":{"summary":"before the backup"}})");
  CHECK(s.outbox("queued")->size() == 1);
  // The replaced store is kept whole: the later message is still in it.
  {
    auto old_dir = dir.path + "/old";
    REQUIRE(::mkdir(old_dir.c_str(), 0700) == 0);
    REQUIRE(::rename(restored->previous.c_str(), (old_dir + "/store.db").c_str()) == 0);
    auto old = Store::open(old_dir, me, {});
    CHECK(opened(old).message(after)->has_value());
  }
}

TEST_CASE("A damaged, foreign or missing backup is refused and nothing changes", "[store][backup]") {
  TempDir dir("relais-store-backup-bad");
  const std::string state = dir.path + "/state";
  const Identity me = make_identity();
  const std::string id = fresh_id();
  {
    auto r = Store::open(state, me, {});
    REQUIRE(*opened(r).put_message(sample_message(id, 1767225600000), R"({"x":1})"));
  }
  auto still_there = [&] {
    auto r = Store::open(state, me, {});
    return opened(r).message(id)->has_value();
  };
  CHECK(restore_store(state, dir.path + "/none.db", me, {}, 1).status().code() == Code::kInvalid);
  std::ofstream(dir.path + "/text.db") << "not a database at all, just words\n";
  auto text = restore_store(state, dir.path + "/text.db", me, {}, 1);
  CHECK(text.status().code() == Code::kInvalid);
  CHECK(text.status().message().find("not a readable store backup") != std::string::npos);

  // Another agency's store: its key is wrapped to another seal key.
  const std::string other_state = dir.path + "/other";
  {
    auto r = Store::open(other_state, make_identity("ngo.refuge"), {});
    REQUIRE(*opened(r).put_message(sample_message(fresh_id(), 1767225600000), R"({"x":2})"));
  }
  REQUIRE(backup_store(other_state, dir.path + "/other.db").ok());
  auto foreign = restore_store(state, dir.path + "/other.db", me, {}, 1);
  CHECK(foreign.status().code() == Code::kRefused);
  CHECK(foreign.status().message().find("Nothing was changed") != std::string::npos);

  // A backup cut short (a copy interrupted) fails SQLite's check.
  REQUIRE(backup_store(state, dir.path + "/good.db").ok());
  struct stat good{};
  REQUIRE(::stat((dir.path + "/good.db").c_str(), &good) == 0);
  REQUIRE(::truncate((dir.path + "/good.db").c_str(), good.st_size / 2) == 0);
  auto damaged = restore_store(state, dir.path + "/good.db", me, {}, 1);
  INFO(damaged.status().message());
  CHECK(damaged.status().code() == Code::kInvalid);
  CHECK(damaged.status().message().find("use another backup") != std::string::npos);
  CHECK(still_there());
  struct stat st{};
  CHECK(::stat((state + "/restore.partial").c_str(), &st) != 0);  // no staging left behind
  CHECK(backup_store(dir.path + "/nowhere", dir.path + "/x.db").status().code() == Code::kInvalid);
}
