// CursorStore on a real folder: small rounds written one durable file at a
// time, a large round (a bundle opening many mailboxes) written with two
// file-system syncs, and a batched round that cannot write one file still
// writes every other.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "broker/cursor_store.h"
#include "temp_dir.h"
#include "util/files.h"

namespace relais {
namespace {

namespace fs = std::filesystem;

// The test's data folder; file() names a cursor the way the store writes it.
struct CursorDir {
  test::TempDir tmp{"relais-cursor-test"};
  const std::string dir = tmp.path;
  std::string file(const std::string& owner, const std::string& name) const {
    return dir + "/subscriptions/" + owner + "/" + name + ".cursor";
  }
};

std::vector<std::string> owners_named(const std::string& prefix, size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

std::string text_of(const std::string& path) {
  auto t = read_text_file(path, 4096);
  return t.ok() ? *t : std::string("<missing: ") + t.status().message() + ">";
}


TEST_CASE("cursor store: a thousand mailboxes opened together are one batched round, all durable and readable",
          "[broker][cursor]") {
  CursorDir d;
  const auto owners = owners_named("agency.", 1000);
  {
    CursorStore store(d.dir);
    store.put_many(owners, "@mailbox", 42, "");
    store.flush();
    CHECK(store.batched_rounds() == 1);
    CHECK(store.writes() == 1000);
  }
  for (const std::string& o : {owners.front(), owners[517], owners.back()}) {
    CHECK(text_of(d.file(o, "@mailbox")) == "42\n\n");
    CHECK(test::mode_of(d.file(o, "@mailbox")) == 0600);
  }
  size_t tmp_files = 0, cursors = 0;
  for (const auto& e : fs::recursive_directory_iterator(d.dir + "/subscriptions")) {
    tmp_files += e.path().extension() == ".tmp";
    cursors += e.path().extension() == ".cursor";
  }
  CHECK(tmp_files == 0);
  CHECK(cursors == 1000);
  CursorStore again(d.dir);
  CHECK(again.all_names().size() == 1000);
  CHECK(again.load("agency.999", "@mailbox") == 42);
  CHECK(again.any_named("@mailbox"));
  CHECK(again.count("agency.3") == 0);  // reserved names are not counted
}

TEST_CASE("cursor store: a few changes are written one file at a time", "[broker][cursor]") {
  CursorDir d;
  CursorStore store(d.dir);
  store.put_many(owners_named("ngo.", 3), "@mailbox", 7, "");
  store.put("police.golfe", "alerts", 11, "alert.>");
  store.flush();
  CHECK(store.batched_rounds() == 0);
  CHECK(text_of(d.file("ngo.2", "@mailbox")) == "7\n\n");
  CHECK(text_of(d.file("police.golfe", "alerts")) == "11\nalert.>\n");
  store.remove("police.golfe", "alerts");
  store.flush();
  CHECK_FALSE(fs::exists(d.file("police.golfe", "alerts")));
  CHECK(store.load("police.golfe", "alerts") == 0);
}

TEST_CASE("cursor store: a batched round that cannot write one cursor still writes every other",
          "[broker][cursor]") {
  CursorDir d;
  REQUIRE(make_dirs(d.dir + "/subscriptions", 0700).ok());
  // A plain file where agency.5's folder should be: that cursor cannot be written.
  { std::ofstream(d.dir + "/subscriptions/agency.5") << "not a folder"; }
  const auto owners = owners_named("agency.", 40);
  CursorStore store(d.dir);
  store.put_many(owners, "@mailbox", 9, "");
  store.flush();
  CHECK(store.batched_rounds() == 0);  // fell back to one file at a time
  for (const std::string& o : owners) {
    if (o == "agency.5") continue;
    CHECK(text_of(d.file(o, "@mailbox")) == "9\n\n");
  }
  CHECK_FALSE(fs::exists(d.file("agency.5", "@mailbox")));
}

TEST_CASE("cursor store: temporary files a crash left behind are removed when the store opens",
          "[broker][cursor]") {
  CursorDir d;
  REQUIRE(make_dirs(d.dir + "/subscriptions/ngo.1", 0700).ok());
  const std::string leftover = d.dir + "/subscriptions/ngo.1/@mailbox.cursor.tmp";
  { std::ofstream(leftover) << "12\n\n"; }
  CursorStore store(d.dir);
  CHECK_FALSE(fs::exists(leftover));
  CHECK(store.all_names().empty());
  CHECK(store.load("ngo.1", "@mailbox") == 0);
}

}  // namespace
}  // namespace relais
