#include "store/store_key.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <sodium.h>

namespace relais {
namespace {

struct KeyRow {
  Bytes seal_pk;
  Bytes wrapped;
};

bool same_key(const Bytes& a, const PublicKey& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

}  // namespace

SecretBytes new_store_key() {
  SecretBytes key(kStoreKeyBytes);
  randombytes_buf(key.data(), key.size());
  return key;
}

Bytes wrap_store_key(const SecretBytes& key, const PublicKey& seal_pk) {
  assert(key.size() == kStoreKeyBytes);
  Bytes out(key.size() + crypto_box_SEALBYTES);
  crypto_box_seal(out.data(), key.data(), key.size(), seal_pk.data());
  return out;
}

std::optional<SecretBytes> unwrap_store_key(ByteView wrapped, const Identity& identity) {
  if (wrapped.size() != kStoreKeyBytes + crypto_box_SEALBYTES) return std::nullopt;
  if (identity.seal_sk.size() != crypto_box_SECRETKEYBYTES) return std::nullopt;
  SecretBytes key(kStoreKeyBytes);
  if (crypto_box_seal_open(key.data(), wrapped.data(), wrapped.size(), identity.card.seal_pk.data(),
                           identity.seal_sk.data()) != 0)
    return std::nullopt;
  return key;
}

Result<SecretBytes> load_store_key(SqliteDb& db, const Identity& identity, const std::vector<const Identity*>& retired,
                                   bool has_values) {
  std::vector<KeyRow> rows;
  {
    auto st = db.prepare("SELECT seal_pk, wrapped FROM store_keys ORDER BY seal_pk", "read the store key");
    if (!st.ok()) return st.status();
    for (;;) {
      auto more = st->step();
      if (!more.ok()) return more.status();
      if (!*more) break;
      rows.push_back({st->column_blob(0), st->column_blob(1)});
    }
  }
  auto insert_wrapping = [&](const SecretBytes& key) -> Status {
    auto ins = db.prepare("INSERT OR REPLACE INTO store_keys (seal_pk, participant, wrapped) VALUES (?1, ?2, ?3)",
                          "store the wrapped store key");
    if (!ins.ok()) return ins.status();
    ins->bind_blob(1, identity.card.seal_pk).bind(2, identity.card.name).bind_blob(3, wrap_store_key(key, identity.card.seal_pk));
    return ins->run();
  };

  if (rows.empty()) {
    if (has_values)
      return Status::Corruption("store: " + db.path() +
                                " holds sealed messages but no store key to open them; the file is damaged. Restore it "
                                "from a backup, or move it aside to start an empty store");
    SecretBytes key = new_store_key();
    RELAIS_RETURN_IF_ERROR(insert_wrapping(key));
    return key;
  }

  for (const auto& row : rows) {
    if (!same_key(row.seal_pk, identity.card.seal_pk)) continue;
    auto key = unwrap_store_key(row.wrapped, identity);
    if (!key)
      return Status::Corruption("store: the store key wrapped to this participant's seal key does not open; " +
                                db.path() + " is damaged. Restore it from a backup");
    return std::move(*key);
  }

  for (const Identity* old : retired) {
    if (old == nullptr) continue;
    for (const auto& row : rows) {
      if (!same_key(row.seal_pk, old->card.seal_pk)) continue;
      auto key = unwrap_store_key(row.wrapped, *old);
      if (!key) continue;
      // A key rotation: wrap to the current key, drop the earlier wrappings.
      RELAIS_RETURN_IF_ERROR(insert_wrapping(*key));
      auto del = db.prepare("DELETE FROM store_keys WHERE seal_pk <> ?1", "remove the earlier store key wrappings");
      if (!del.ok()) return del.status();
      del->bind_blob(1, identity.card.seal_pk);
      RELAIS_RETURN_IF_ERROR(del->run());
      return std::move(*key);
    }
  }

  std::string keys;
  for (const auto& row : rows) keys += (keys.empty() ? "" : ", ") + to_base64(row.seal_pk);
  return Status::Refused("store: the store key is wrapped to keys this agent no longer holds: seal key " + keys +
                         " (this agent's is " + to_base64(identity.card.seal_pk) + "). If this participant's key was "
                         "rotated, list the earlier key file in retired_identities = [...] in the [agent] section of "
                         "the configuration");
}

Result<std::vector<Identity>> load_retired_identities(const std::vector<std::string>& key_paths) {
  std::vector<Identity> out;
  out.reserve(key_paths.size());
  for (const auto& p : key_paths) {
    auto id = load_identity(p);
    if (!id.ok()) return id.status().with_prefix("retired identity " + p);
    out.push_back(std::move(id).value());
  }
  return out;
}

std::vector<const Identity*> identity_pointers(const std::vector<Identity>& ids) {
  std::vector<const Identity*> out;
  out.reserve(ids.size());
  for (const auto& id : ids) out.push_back(&id);
  return out;
}

}  // namespace relais
