// One process opening the store twice (the service: its own connection, the
// desk's, the accounts'), while another process opens and closes it (an IT
// officer's `relais-agent inbox`). Opening must not cost the first
// connection its locks: without them, the other process's close deletes the
// write-ahead log, and what the first connection commits afterwards goes to
// a deleted file, invisible to everyone and gone at its close.
//
// The other process is this test program run again on the hidden test case
// below, with RELAIS_PEER_DB naming the database: it counts the messages,
// closes, and exits with the count.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/sqlite_db.h"
#include "store/store.h"
#include "store_fixture.h"
#include "temp_dir.h"

extern char** environ;

using namespace relais;
using namespace relais::test;

namespace {

constexpr const char* kPeerCase = "store peer process: count the messages and close";

// Runs the peer on db_path; its exit status is the message count it read
// (a negative result: the peer could not run or read).
int peer_count(const std::string& db_path) {
  const std::string env_entry = "RELAIS_PEER_DB=" + db_path;
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e)
    if (std::string(*e).rfind("RELAIS_PEER_DB=", 0) != 0) env_strings.emplace_back(*e);
  env_strings.push_back(env_entry);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string exe = "/proc/self/exe", name = kPeerCase;
  std::vector<char*> argv{exe.data(), name.data(), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv.data(), envp.data()) != 0) return -1;
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -2;
  const int code = WEXITSTATUS(status);
  return code >= 100 ? -code : code;  // 100+: the peer failed (see below)
}

}  // namespace

TEST_CASE("store peer process: count the messages and close", "[.peer]") {
  const char* path = std::getenv("RELAIS_PEER_DB");
  if (path == nullptr) std::_Exit(101);
  auto db = SqliteDb::open(path, false);
  if (!db.ok()) std::_Exit(102);
  auto n = (*db)->query_int("SELECT count(*) FROM messages", "count the messages");
  if (!n.ok()) std::_Exit(103);
  db->reset();  // the close that deletes the write-ahead log when it thinks it is the last
  std::_Exit(static_cast<int>(std::min<int64_t>(*n, 99)));
}

TEST_CASE("a second opening in the same process keeps what the first connection commits visible and durable",
          "[store]") {
  TempDir dir;
  Identity me = make_identity();
  auto r1 = Store::open(dir.path + "/state", me, {});
  Store& service = opened(r1);
  const std::string db_path = service.path();
  REQUIRE(service.put_message(sample_message(fresh_id(1000), 1000), "{}").ok());

  // The desk's connection, opened in the same process after the service's.
  auto r2 = Store::open(dir.path + "/state", me, {});
  opened(r2);

  // Another process opens and closes the store; the write-ahead log stays.
  CHECK(peer_count(db_path) == 1);
  CHECK(std::filesystem::exists(db_path + "-wal"));

  // The service goes on storing: another process sees each message.
  REQUIRE(service.put_message(sample_message(fresh_id(2000), 2000), "{}").ok());
  CHECK(peer_count(db_path) == 2);
  REQUIRE(service.put_message(sample_message(fresh_id(3000), 3000), "{}").ok());
  CHECK(peer_count(db_path) == 3);

  // And after every connection is closed, they are all in the file.
  r2->reset();
  r1->reset();
  CHECK(peer_count(db_path) == 3);
}
