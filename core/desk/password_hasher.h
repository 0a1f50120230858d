// PasswordHasher: desk account passwords, hashed with Argon2id (libsodium
// crypto_pwhash_str: the salt and the cost are inside the stored string).
//
// Each hash costs kMemLimit bytes and a few hundred milliseconds, so at most
// kMaxConcurrent run at once in the process: further callers wait their turn
// (a burst of logins cannot exhaust memory). Passwords are at least
// kMinLength and at most kMaxLength bytes (Status::Invalid saying so).
// verify() is constant-time in the password (libsodium's) and false for a
// malformed stored string. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

#include "util/status.h"

namespace relais::desk {

class PasswordHasher {
 public:
  static constexpr size_t kMinLength = 10;
  static constexpr size_t kMaxLength = 1024;
  static constexpr int kMaxConcurrent = 2;

  // opslimit/memlimit: libsodium's MODERATE-like cost by default; tests may
  // pass the interactive minimum.
  explicit PasswordHasher(unsigned long long opslimit = 3, size_t memlimit = 64u << 20);

  Result<std::string> hash(std::string_view password);
  bool verify(const std::string& stored, std::string_view password);
  // Whether a stored hash was made with other costs than this hasher's (the
  // desk rehashes it at the next right password).
  bool needs_rehash(const std::string& stored) const;

 private:
  class Slot;
  void acquire();
  void release();

  unsigned long long opslimit_;
  size_t memlimit_;
  std::mutex mu_;
  std::condition_variable cv_;
  int running_ = 0;
};

}  // namespace relais::desk
