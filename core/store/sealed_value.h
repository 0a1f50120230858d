// Sealed values: how the store encrypts a body or a queued document at rest.
//
//   sealed = nonce (24 bytes, random) ‖ XChaCha20-Poly1305-IETF ciphertext+tag
//   AAD    = "relais-store/v1" 0x00 ‖ table ‖ 0x00 ‖ row id ‖ 0x00 ‖ column
//
// The associated data binds a value to its place: the same bytes moved to
// another row, table or column do not open. Keys are the 32-byte store key
// (store/store_key.h). Pure functions over libsodium; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "crypto/secret.h"
#include "util/bytes.h"
#include "util/status.h"

namespace relais {

// Where a sealed value lives: its table, row id and column.
struct SealedPlace {
  std::string_view table;
  std::string_view row_id;
  std::string_view column;
};

// Encrypts `plain` for `place` under `key` (32 bytes) with a fresh nonce.
Bytes seal_value(const SecretBytes& key, const SealedPlace& place, ByteView plain);

// Decrypts a sealed value. Status::Corruption naming the place (never the
// content) when it is too short, damaged, moved, or sealed under another key.
Result<std::string> open_value(const SecretBytes& key, const SealedPlace& place, ByteView sealed);

}  // namespace relais
