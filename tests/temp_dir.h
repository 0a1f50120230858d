// TempDir: a fresh folder under the system's temporary directory, removed
// with everything in it when the value goes out of scope. For Catch2 tests
// (a folder that cannot be made fails the test).
#pragma once

#include <catch2/catch.hpp>
#include <stdlib.h>

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

}  // namespace relais::test
