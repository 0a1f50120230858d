// TempDir: a fresh folder under the system's temporary directory, removed
// with everything in it when the value goes out of scope. For Catch2 tests
// (a folder that cannot be made fails the test).
#pragma once

#include <catch2/catch.hpp>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace relais::test {

struct TempDir {
  explicit TempDir(const char* prefix = "relais-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path;
};

// The folder <tmp>/<prefix>-<tag>-<pid>, emptied and made 0700 whatever the
// umask (a key folder only its owner may write to); not removed afterwards.
inline std::string fresh_named_dir(const std::string& prefix, const std::string& tag) {
  namespace fs = std::filesystem;
  auto dir = fs::temp_directory_path() / (prefix + "-" + tag + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_all);
  return dir.string();
}

// The permission bits of a file (the test fails if it does not exist).
inline unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return static_cast<unsigned>(st.st_mode & 0777);
}

}  // namespace relais::test
