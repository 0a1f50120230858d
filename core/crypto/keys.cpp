// Key files and public cards (formats in docs/formats.md).
//
//   NAME.key  format = "relais-key/1"   card fields + sign_sk, link_sk, seal_sk
//   NAME.pub  format = "relais-card/1"  card fields only
// The card fields themselves are crypto/card.h's; this file adds the framing.
//
// Secrets are decoded straight into SecretBytes; every temporary copy (the
// file text, toml++'s string nodes, base64 buffers) is wiped with
// sodium_memzero before it is released.
#include "crypto/keys.h"

#include <sodium.h>

#include <cstring>
#include <filesystem>
#include <toml++/toml.h>

#include "crypto/card.h"
#include "util/bytes.h"
#include "util/files.h"
#include "util/toml_reader.h"
#include "util/wipe.h"

namespace relais {
namespace {

constexpr std::string_view kKeyFormat = "relais-key/1";
constexpr std::string_view kCardFormat = "relais-card/1";
constexpr size_t kMaxKeyFileBytes = 64 * 1024;

struct RoleEntry {
  Role role;
  std::string_view name;
};
constexpr RoleEntry kRoles[] = {
    {Role::kPolice, "police"},       {Role::kGendarmerie, "gendarmerie"}, {Role::kSocial, "social"},
    {Role::kNgo, "ngo"},             {Role::kCommittee, "committee"},     {Role::kCommission, "commission"},
    {Role::kAuditor, "auditor"},     {Role::kBroker, "broker"},           {Role::kAuthority, "authority"},
};

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// Decodes a base64 secret held in the (mutable) table into SecretBytes and
// wipes the table's copy of the text. nullopt when bad (recorded in t's reader).
std::optional<SecretBytes> take_secret(TomlTable& t, std::string_view key, size_t size) {
  toml::node* n = t.node(key);
  if (n == nullptr) {
    t.error(key, "missing required key " + t.path(key));
    return std::nullopt;
  }
  auto* s = n->as_string();
  if (s == nullptr) {
    t.error(key, t.path(key) + " must be a string");
    return std::nullopt;
  }
  std::string& text = s->get();
  Bytes raw(text.size() / 4 * 3 + 3);
  size_t len = 0;
  const char* end = nullptr;
  const bool good = sodium_base642bin(raw.data(), raw.size(), text.data(), text.size(), nullptr, &len, &end,
                                      sodium_base64_VARIANT_ORIGINAL) == 0 &&
                    end == text.data() + text.size() && len == size;
  wipe(text);
  if (!good) {
    wipe(raw);
    t.error(key, t.path(key) + " must be " + std::to_string(size) + " bytes in base64");
    return std::nullopt;
  }
  SecretBytes out(size);
  std::memcpy(out.data(), raw.data(), size);
  wipe(raw);
  return out;
}

// Checks format = want_format; false (recorded) otherwise.
bool check_format(TomlTable& t, std::string_view want_format) {
  auto format = t.get_string("format", true);
  if (!format) return false;
  if (*format == want_format) return true;
  t.error("format", "format is '" + *format + "', expected '" + std::string(want_format) + "'");
  return false;
}

// Appends `prefix + base64(secret) + suffix` to out without leaving copies behind.
void append_secret(std::string& out, std::string_view prefix, const SecretBytes& sk) {
  const size_t cap = sodium_base64_encoded_len(sk.size(), sodium_base64_VARIANT_ORIGINAL);
  std::string b64(cap, '\0');
  sodium_bin2base64(b64.data(), cap, sk.data(), sk.size(), sodium_base64_VARIANT_ORIGINAL);
  out += prefix;
  out += '"';
  out.append(b64.data(), cap - 1);
  out += "\"\n";
  wipe(b64);
}

// The key file's text (read_secret_file: no symbolic link, mode 0600, a
// folder only its owner may write to); the raw bytes are wiped. Permission
// problems keep their code (exit 2 with the fix); others become Config.
Result<std::string> read_key_file(const std::string& key_path) {
  auto raw = read_secret_file(key_path, kMaxKeyFileBytes);
  if (!raw.ok()) {
    if (raw.status().code() == Code::kPermission) return raw.status();
    return Status::Config(raw.status().message());
  }
  std::string text(raw->begin(), raw->end());
  wipe(*raw);
  return text;
}

}  // namespace

std::string_view role_name(Role role) {
  for (const auto& e : kRoles)
    if (e.role == role) return e.name;
  return "unknown";
}

Result<Role> parse_role(std::string_view text) {
  for (const auto& e : kRoles)
    if (e.name == text) return e.role;
  return Status::Invalid("keys: unknown role '" + std::string(text) +
                         "' (expected police, gendarmerie, social, ngo, committee, commission, auditor, broker or "
                         "authority)");
}

bool is_valid_participant_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  bool token_empty = true;
  for (char c : name) {
    if (c == '.') {
      if (token_empty) return false;
      token_empty = true;
    } else if (is_token_char(c)) {
      token_empty = false;
    } else {
      return false;
    }
  }
  return !token_empty;
}

bool is_valid_slug(std::string_view slug) {
  for (char c : slug)
    if (!is_token_char(c)) return false;
  return true;
}

Result<Identity> generate_identity(const std::string& name, Role role, const std::string& region,
                                   const std::string& prefecture) {
  if (sodium_init() < 0) return Status::IOError("keys: libsodium failed to initialise");
  if (!is_valid_participant_name(name))
    return Status::Invalid("keys: invalid name '" + name + "': use [a-z0-9_-]+ tokens separated by dots");
  if (!is_valid_slug(region) || !is_valid_slug(prefecture))
    return Status::Invalid("keys: region and prefecture must be lowercase slugs [a-z0-9_-]+");
  Identity id;
  id.card.name = name;
  id.card.role = role;
  id.card.region = region;
  id.card.prefecture = prefecture;
  id.sign_sk = SecretBytes(crypto_sign_SECRETKEYBYTES);
  id.link_sk = SecretBytes(32);
  id.seal_sk = SecretBytes(32);
  crypto_sign_keypair(id.card.sign_pk.data(), id.sign_sk.data());
  crypto_box_keypair(id.card.link_pk.data(), id.link_sk.data());
  crypto_box_keypair(id.card.seal_pk.data(), id.seal_sk.data());
  return id;
}

std::string card_to_toml(const PublicCard& card) {
  return "# Relais public card. Share freely; the secret keys are in " + card.name + ".key.\nformat = \"" +
         std::string(kCardFormat) + "\"\n" + card_fields_toml(card, CardLayout::kKeyFile);
}

Status write_identity(const Identity& id, const std::string& dir, const SecretBytes* passphrase, KdfParams params) {
  namespace fs = std::filesystem;
  const std::string key_path = (fs::path(dir) / (id.card.name + ".key")).string();
  const std::string pub_path = (fs::path(dir) / (id.card.name + ".pub")).string();
  std::error_code ec;
  for (const auto& p : {key_path, pub_path})
    if (fs::exists(p, ec)) return Status::Invalid("keys: " + p + " already exists; refusing to overwrite a key");
  std::string text = "# Relais SECRET key file. Keep it mode 0600 and never share it.\nformat = \"" +
                     std::string(kKeyFormat) + "\"\n" + card_fields_toml(id.card, CardLayout::kKeyFile);
  append_secret(text, "sign_sk = ", id.sign_sk);
  append_secret(text, "link_sk = ", id.link_sk);
  append_secret(text, "seal_sk = ", id.seal_sk);
  Status s;
  if (passphrase != nullptr) {
    SecretBytes plain = secret_from_text(text);
    wipe(text);
    auto enc = encrypt_key_text(plain, id.card.name, *passphrase, params);
    if (!enc.ok()) return enc.status();
    s = write_file_durable(key_path, as_bytes(*enc), 0600, true);
  } else {
    s = write_file_durable(key_path, as_bytes(text), 0600, true);
    wipe(text);
  }
  RELAIS_RETURN_IF_ERROR(s);
  const std::string card = card_to_toml(id.card);
  return write_file_durable(pub_path, as_bytes(card), 0644, true);
}

Result<Identity> load_identity(const std::string& key_path) {
  if (sodium_init() < 0) return Status::IOError("keys: libsodium failed to initialise");
  auto text = read_key_file(key_path);
  if (!text.ok()) return text.status();
  if (!is_encrypted_key_text(*text)) {
    auto id = identity_from_toml(*text, key_path, nullptr);
    wipe(*text);
    return id;
  }
  auto pass = passphrase_from_env_or_terminal("Passphrase for " + key_path + ": ");
  if (!pass.ok()) return pass.status();
  auto id = identity_from_toml(*text, key_path, pass->has_value() ? &**pass : nullptr);
  wipe(*text);
  return id;
}

Result<Identity> load_identity(const std::string& key_path, const SecretBytes* passphrase) {
  if (sodium_init() < 0) return Status::IOError("keys: libsodium failed to initialise");
  auto text = read_key_file(key_path);
  if (!text.ok()) return text.status();
  auto id = identity_from_toml(*text, key_path, passphrase);
  wipe(*text);
  return id;
}

Result<Identity> identity_from_toml(std::string_view text, const std::string& origin, const SecretBytes* passphrase) {
  if (sodium_init() < 0) return Status::IOError("keys: libsodium failed to initialise");
  if (is_encrypted_key_text(text)) {
    if (passphrase == nullptr)
      return Status::Config("keys: " + origin + " is encrypted with a passphrase: set " + kPassphraseEnv + " or " +
                            kPassphraseFileEnv + " (a mode-0600 file holding it)");
    auto plain = decrypt_key_text(text, *passphrase, origin);
    if (!plain.ok()) return plain.status();
    if (is_encrypted_key_text(as_chars(plain->view())))
      return Status::Config("keys: " + origin + ": nested encryption is not supported");
    return identity_from_toml(as_chars(plain->view()), origin, nullptr);
  }
  TomlReader reader(text, origin, "keys");
  TomlTable t = reader.root();
  const bool format_ok = check_format(t, kKeyFormat);
  auto card = read_card_fields(t, CardLayout::kKeyFile);
  auto sign_sk = take_secret(t, "sign_sk", crypto_sign_SECRETKEYBYTES);
  auto link_sk = take_secret(t, "link_sk", 32);
  auto seal_sk = take_secret(t, "seal_sk", 32);
  t.reject_unknown();
  if (!reader.ok() || !format_ok || !card || !sign_sk || !link_sk || !seal_sk) {
    Status s = reader.finish(Code::kConfig);
    if (s.ok()) s = Status::Config("keys: " + origin + ": malformed key file");  // not reached: every failure is recorded
    return s;
  }
  Identity id;
  id.card = *card;
  id.sign_sk = std::move(*sign_sk);
  id.link_sk = std::move(*link_sk);
  id.seal_sk = std::move(*seal_sk);
  // Consistency: each public key must be derived from its secret key.
  PublicKey derived{};
  bool consistent = crypto_sign_ed25519_sk_to_pk(derived.data(), id.sign_sk.data()) == 0 &&
                    sodium_memcmp(derived.data(), id.card.sign_pk.data(), 32) == 0;
  consistent = consistent && crypto_scalarmult_base(derived.data(), id.link_sk.data()) == 0 &&
               sodium_memcmp(derived.data(), id.card.link_pk.data(), 32) == 0;
  consistent = consistent && crypto_scalarmult_base(derived.data(), id.seal_sk.data()) == 0 &&
               sodium_memcmp(derived.data(), id.card.seal_pk.data(), 32) == 0;
  if (consistent) {
    // The Ed25519 secret key embeds a copy of its public key: check it signs.
    static constexpr uint8_t kProbe[] = "relais/keys/self-test";
    uint8_t sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, nullptr, kProbe, sizeof kProbe, id.sign_sk.data());
    consistent = crypto_sign_verify_detached(sig, kProbe, sizeof kProbe, id.card.sign_pk.data()) == 0;
  }
  if (!consistent)
    return Status::Config("keys: " + origin +
                          ": a public key does not match its secret key; the file is damaged or was edited");
  return id;
}

Result<PublicCard> card_from_toml(std::string_view text, const std::string& origin) {
  TomlReader reader(text, origin, "keys");
  TomlTable t = reader.root();
  for (const auto& key : t.keys())
    if (key.ends_with("_sk")) return Status::Config("keys: " + origin + " holds a secret key: it is not a public card");
  const bool format_ok = check_format(t, kCardFormat);
  auto card = read_card_fields(t, CardLayout::kKeyFile);
  t.reject_unknown();
  RELAIS_RETURN_IF_ERROR(reader.finish(Code::kConfig));
  if (!format_ok || !card) return Status::Config("keys: " + origin + ": malformed card");  // not reached
  return *card;
}

Result<PublicCard> load_card(const std::string& pub_path) {
  auto text = read_text_file(pub_path, kMaxKeyFileBytes);
  if (!text.ok()) return Status::Config(text.status().message());
  return card_from_toml(*text, pub_path);
}

}  // namespace relais
