// BLAKE2b-256 helpers (libsodium crypto_generichash) with context strings.
//
// Every hash in Relais is domain-separated by a context string that is fed
// first, as raw bytes without a length prefix or separator, exactly as the
// formats in docs/envelope.md and docs/formats.md write it:
//   blake2b_256_ctx("relais/aad/v1", {core}) == BLAKE2b-256("relais/aad/v1" || core)
// The plain blake2b_256(data) exists for the few places whose format names an
// unprefixed hash (BLAKE2b-256(core), BLAKE2b-256(ct) in the envelope).
//
// All functions are pure, never fail and are safe to call from any thread.
// Keys passed to the keyed variants must be 16..64 bytes (asserted).
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include <sodium.h>

#include "util/bytes.h"

namespace relais {

using Hash256 = std::array<uint8_t, 32>;

// BLAKE2b-256(data).
Hash256 blake2b_256(ByteView data);

// BLAKE2b-256(context || parts[0] || parts[1] || ...).
Hash256 blake2b_256_ctx(std::string_view context, std::initializer_list<ByteView> parts);
inline Hash256 blake2b_256_ctx(std::string_view context, ByteView data) {
  return blake2b_256_ctx(context, {data});
}

// BLAKE2b with a 128-bit output over (context || parts...): short keys for
// in-memory indexes (the broker's duplicate index), never for signatures.
std::array<uint8_t, 16> blake2b_128_ctx(std::string_view context, std::initializer_list<ByteView> parts);

// BLAKE2b-256 keyed with `key` over (context || parts...).
Hash256 blake2b_256_keyed(ByteView key, std::string_view context, std::initializer_list<ByteView> parts);

// Streaming BLAKE2b-256, for callers that hash data in pieces (Merkle leaves,
// log records). Not thread-safe; one instance per computation. final() may be
// called once; the object is then spent.
class Blake2b256 {
 public:
  Blake2b256();                                   // unkeyed
  explicit Blake2b256(ByteView key);              // keyed, key 16..64 bytes
  ~Blake2b256();
  Blake2b256(const Blake2b256&) = delete;
  Blake2b256& operator=(const Blake2b256&) = delete;

  Blake2b256& update(ByteView data);
  Blake2b256& update(std::string_view text) { return update(as_bytes(text)); }
  Hash256 final();

 private:
  crypto_generichash_state state_;
};

}  // namespace relais
