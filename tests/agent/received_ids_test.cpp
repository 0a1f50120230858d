// ReceivedIds (agent/received_ids.h): ids survive a restart, the file stays
// bounded, a damaged line is skipped.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/received_ids.h"
#include "crypto/uuid.h"
#include "util/clock.h"
#include "util/files.h"
#include "temp_dir.h"

using namespace relais;
namespace fs = std::filesystem;
using relais::test::TempDir;

namespace {

std::string fresh_id() { return uuid_to_string(new_uuid_v7(now_ms())); }

size_t lines_in(const std::string& path) {
  std::ifstream in(path);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

}  // namespace

TEST_CASE("received ids are remembered across a restart", "[agent][dedup]") {
  TempDir dir;
  const std::string a = fresh_id(), b = fresh_id();
  {
    ReceivedIds ids(dir.path + "/received.ids");
    REQUIRE(ids.open().ok());
    CHECK_FALSE(ids.contains(a));
    REQUIRE(ids.add(a).ok());
    REQUIRE(ids.add(a).ok());
    CHECK(ids.contains(a));
    CHECK(ids.size() == 1);
  }
  struct stat st {};
  REQUIRE(::stat((dir.path + "/received.ids").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  ReceivedIds again(dir.path + "/received.ids");
  REQUIRE(again.open().ok());
  CHECK(again.contains(a));
  CHECK_FALSE(again.contains(b));
}

TEST_CASE("received ids stay bounded: the oldest are forgotten and the file rewritten", "[agent][dedup]") {
  TempDir dir;
  std::vector<std::string> all;
  ReceivedIds ids(dir.path + "/received.ids", 10);
  REQUIRE(ids.open().ok());
  for (int i = 0; i < 35; ++i) {
    all.push_back(fresh_id());
    REQUIRE(ids.add(all.back()).ok());
    CHECK(lines_in(dir.path + "/received.ids") <= 20);
  }
  CHECK(ids.size() == 10);
  CHECK_FALSE(ids.contains(all.front()));
  CHECK(ids.contains(all.back()));
  ReceivedIds again(dir.path + "/received.ids", 10);
  REQUIRE(again.open().ok());
  CHECK(again.size() == 10);
  CHECK(again.contains(all.back()));
  CHECK_FALSE(again.contains(all[20]));
}

TEST_CASE("a damaged line in the received ids is skipped", "[agent][dedup]") {
  TempDir dir;
  const std::string a = fresh_id();
  REQUIRE(write_file_durable(dir.path + "/received.ids", as_bytes("not an id\n" + a + "\n\xff\xfe"), 0600).ok());
  ReceivedIds ids(dir.path + "/received.ids");
  REQUIRE(ids.open().ok());
  CHECK(ids.size() == 1);
  CHECK(ids.contains(a));
}

TEST_CASE("without a file, ids are kept in memory", "[agent][dedup]") {
  ReceivedIds ids("");
  REQUIRE(ids.open().ok());
  const std::string a = fresh_id();
  REQUIRE(ids.add(a).ok());
  CHECK(ids.contains(a));
}
