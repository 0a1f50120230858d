// Helpers shared by the log tests: temporary folders, keys, waiting for completions.
#pragma once

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <poll.h>
#include <sodium.h>
#include <string>
#include <vector>

#include "crypto/secret.h"
#include "log/log_writer.h"
#include "log/segment.h"

namespace relais::testing {

// The clock reading the log tests start from (2023-11-14, UTC).
inline constexpr int64_t kT0 = 1700000000000;

// The path of a log folder's first segment.
inline std::string seg1(const std::string& dir) { return dir + "/" + segment_file_name(1); }

struct TempDir {
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "relais-log-XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    REQUIRE(p != nullptr);
    path = p;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string path;
};

struct SignKey {
  SignKey() : sk(crypto_sign_SECRETKEYBYTES) {
    REQUIRE(sodium_init() >= 0);
    crypto_sign_keypair(pk.data(), sk.data());
  }
  std::array<uint8_t, 32> pk{};
  SecretBytes sk;
};

inline std::vector<Completion> wait_for(Log& log, size_t n, int timeout_ms = 10000) {
  std::vector<Completion> all;
  while (all.size() < n) {
    pollfd p{log.completion_fd(), POLLIN, 0};
    int r = ::poll(&p, 1, timeout_ms);
    REQUIRE(r == 1);
    std::vector<Completion> got;
    log.drain_completions(&got);
    all.insert(all.end(), got.begin(), got.end());
  }
  return all;
}

inline Hash256 hash_of(uint64_t i, uint8_t salt) {
  Hash256 h{};
  for (size_t k = 0; k < h.size(); ++k) h[k] = static_cast<uint8_t>(i * 31 + k + salt);
  return h;
}

inline Bytes envelope_of(uint64_t i, size_t size = 100) {
  Bytes b(size);
  for (size_t k = 0; k < size; ++k) b[k] = static_cast<uint8_t>(i + k * 7);
  return b;
}

inline LogOptions options_for(const std::string& dir, SyncPolicy sync = SyncPolicy::kNone) {
  LogOptions o;
  o.dir = dir;
  o.sync = sync;
  return o;
}

}  // namespace relais::testing
