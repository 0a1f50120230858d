// Wiping plaintext Relais owns: wipe() overwrites a buffer's whole storage
// (its capacity, not only its size) with zeros through sodium_memzero, which
// the compiler may not remove, then empties it. WipeOnExit wipes a buffer
// when it goes out of scope, on every return path. For decrypted documents
// held in std::string or Bytes; secrets proper live in SecretBytes
// (crypto/secret.h). Copies a library makes (nlohmann-json values,
// cpp-httplib bodies, SQLite pages) are out of its reach: docs/architecture.md
// lists them. Not thread-safe for a buffer in use by another thread.
#pragma once

#include <string>

#include "util/bytes.h"

namespace relais {

void wipe(std::string& s);
void wipe(Bytes& b);

template <typename Buffer>
class WipeOnExit {
 public:
  explicit WipeOnExit(Buffer& b) : b_(b) {}
  ~WipeOnExit() { wipe(b_); }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  Buffer& b_;
};

}  // namespace relais
