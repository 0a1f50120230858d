// util/files.h on a real folder: the writers (durable, unsynced), the syncs
// through a folder, make_dirs and missing_folders, including the errors they give.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "temp_dir.h"
#include "util/files.h"

namespace relais {
namespace {

namespace fs = std::filesystem;

struct FilesDir {
  test::TempDir tmp{"relais-files-test"};
  const std::string dir = tmp.path;
};

std::string contents(const std::string& path) {
  auto t = read_text_file(path, 4096);
  REQUIRE(t.ok());
  return *t;
}

}  // namespace

TEST_CASE("files: durable and unsynced writes replace the contents and set the mode", "[util][files]") {
  FilesDir d;
  const std::string a = d.dir + "/a.txt", b = d.dir + "/b.txt";
  REQUIRE(write_file_durable(a, as_bytes(std::string("first, longer\n")), 0600).ok());
  REQUIRE(write_file_durable(a, as_bytes(std::string("second\n")), 0640).ok());
  CHECK(contents(a) == "second\n");
  CHECK(test::mode_of(a) == 0640);
  auto again = write_file_durable(a, as_bytes(std::string("x")), 0600, /*exclusive=*/true);
  CHECK_FALSE(again.ok());
  CHECK(again.message().find("already exists") != std::string::npos);
  CHECK(contents(a) == "second\n");

  REQUIRE(write_file_unsynced(b, as_bytes(std::string("0123456789\n")), 0644).ok());
  REQUIRE(write_file_unsynced(b, as_bytes(std::string("42\n")), 0600).ok());
  CHECK(contents(b) == "42\n");
  CHECK(test::mode_of(b) == 0600);
  size_t leftovers = 0;
  for (const auto& e : fs::directory_iterator(d.dir)) leftovers += e.path().filename().string().find(".tmp") != std::string::npos;
  CHECK(leftovers == 0);
}

TEST_CASE("files: an unsynced write does not follow a symbolic link", "[util][files]") {
  FilesDir d;
  const std::string target = d.dir + "/target", link = d.dir + "/link";
  { std::ofstream(target) << "keep me\n"; }
  REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
  auto s = write_file_unsynced(link, as_bytes(std::string("overwritten\n")), 0600);
  CHECK_FALSE(s.ok());
  CHECK(s.message().find(link) != std::string::npos);
  CHECK(contents(target) == "keep me\n");
}

TEST_CASE("files: folder and file-system syncs name a missing folder", "[util][files]") {
  FilesDir d;
  CHECK(sync_dir(d.dir).ok());
  CHECK(sync_filesystem(d.dir).ok());
  const std::string gone = d.dir + "/missing";
  auto a = sync_dir(gone);
  auto b = sync_filesystem(gone);
  CHECK_FALSE(a.ok());
  CHECK_FALSE(b.ok());
  CHECK(a.message().find(gone) != std::string::npos);
  CHECK(b.message().find(gone) != std::string::npos);
}

TEST_CASE("files: make_dirs makes every missing folder, and refuses a file in the way", "[util][files]") {
  FilesDir d;
  const std::string deep = d.dir + "/one/two/three";
  REQUIRE(make_dirs(deep, 0700).ok());
  CHECK(fs::is_directory(deep));
  CHECK(test::mode_of(deep) == 0700);
  REQUIRE(make_dirs(deep, 0750).ok());  // already there: only the mode changes
  CHECK(test::mode_of(deep) == 0750);
  REQUIRE(make_dirs(d.dir + "/one/./other/", 0700).ok());
  CHECK(fs::is_directory(d.dir + "/one/other"));

  { std::ofstream(d.dir + "/plain") << "a file, not a folder\n"; }
  auto s = make_dirs(d.dir + "/plain/below", 0700);
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("cannot create folder") != std::string::npos);
  CHECK(contents(d.dir + "/plain") == "a file, not a folder\n");
}

TEST_CASE("files: missing_folders names the folders make_dirs will make, deepest first", "[util][files]") {
  FilesDir d;
  const std::string a = d.dir + "/a", b = a + "/b", c = b + "/c";
  CHECK(missing_folders(c) == std::vector<std::string>{c, b, a});
  CHECK(missing_folders(b + "/./c/") == std::vector<std::string>{c, b, a});
  CHECK(missing_folders(d.dir).empty());
  REQUIRE(make_dirs_unsynced(a, 0700).ok());
  CHECK(missing_folders(c) == std::vector<std::string>{c, b});
  REQUIRE(make_dirs(c, 0700).ok());
  CHECK(missing_folders(c).empty());
  CHECK(test::mode_of(a) == 0700);
  // The parent each new folder is synced into.
  CHECK(parent_folder(c) == b);
  CHECK(parent_folder(c + "/") == b);
  CHECK(parent_folder(a + "/./b") == a);
  CHECK(parent_folder("state") == "");
  CHECK(parent_folder("/") == "/");
}

TEST_CASE("files: a named pipe in place of a file is refused at once, with no writer to wait for", "[util][files]") {
  FilesDir d;
  const std::string pipe = d.dir + "/trust.bundle";
  REQUIRE(::mkfifo(pipe.c_str(), 0600) == 0);
  auto r = read_file(pipe);  // a plain open would wait here for a writer: the test would never end
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("not a regular file") != std::string::npos);
  CHECK_FALSE(read_text_file(pipe).ok());
  auto w = write_file_unsynced(pipe, as_bytes(std::string("x")), 0600);  // no reader: refused, not held
  CHECK_FALSE(w.ok());
  // With a reader the open succeeds at once: still refused, its mode untouched, nothing written into it.
  const int reader = ::open(pipe.c_str(), O_RDONLY | O_NONBLOCK);
  REQUIRE(reader >= 0);
  auto held = write_file_unsynced(pipe, as_bytes(std::string("secret\n")), 0644);
  CHECK_FALSE(held.ok());
  CHECK(held.message().find("not a regular file") != std::string::npos);
  CHECK(test::mode_of(pipe) == 0600);
  char buf[16];
  CHECK(::read(reader, buf, sizeof buf) <= 0);
  ::close(reader);
}

}  // namespace relais
