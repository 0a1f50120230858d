// The store key: the random 32-byte master key that seals every value of
// the store at rest (store/sealed_value.h), kept only wrapped to the seal
// keys of the participant.
//
// Table store_keys (created by the store's schema) holds one row per seal
// public key: (seal_pk BLOB, participant TEXT, wrapped BLOB), where wrapped =
// crypto_box_seal(store key, seal_pk), 80 bytes.
//
// load_store_key, inside the caller's write transaction:
//   - no row, and no stored value: a fresh key, wrapped to `identity`;
//   - a row for identity's seal key: unwrapped with it (a row that does not
//     open is Status::Corruption);
//   - else a row for a retired identity's seal key: unwrapped with it, then
//     wrapped to `identity` and the rows for other keys deleted (a key
//     rotation rewraps the store key, and a leaked earlier key no longer
//     opens the store);
//   - else Status::Refused naming the seal keys it is wrapped to and asking
//     for the earlier key file in retired_identities.
// Secrets stay in SecretBytes; nothing here is logged.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "crypto/keys.h"
#include "crypto/secret.h"
#include "store/sqlite_db.h"
#include "util/bytes.h"
#include "util/status.h"

namespace relais {

inline constexpr size_t kStoreKeyBytes = 32;

SecretBytes new_store_key();
// crypto_box_seal of the key to a seal public key.
Bytes wrap_store_key(const SecretBytes& key, const PublicKey& seal_pk);
// The key, when `wrapped` opens with identity's seal key pair; else nullopt.
std::optional<SecretBytes> unwrap_store_key(ByteView wrapped, const Identity& identity);

// See above. `has_values`: whether the store already holds sealed values
// (then a missing key is Status::Corruption, never a fresh key).
Result<SecretBytes> load_store_key(SqliteDb& db, const Identity& identity, const std::vector<const Identity*>& retired,
                                   bool has_values);

// Loads the key files of retired_identities (each as load_identity does:
// mode 0600, passphrase from the environment), naming the file on error.
Result<std::vector<Identity>> load_retired_identities(const std::vector<std::string>& key_paths);
// Pointers into `ids`, as Store::open takes them.
std::vector<const Identity*> identity_pointers(const std::vector<Identity>& ids);

}  // namespace relais
