// Participant identities: key files (secret, mode 0600) and public cards.
//
// Every participant holds three keypairs (docs/design.md §Keys):
//   sign  Ed25519  envelopes, and for the broker its checkpoints and receipts
//   link  X25519   CurveZMQ transport identity
//   seal  X25519   crypto_box_seal wrapping of content keys
// The authority holds only a sign key in practice (it has all three for
// uniformity) and is never a participant.
//
// File formats (versioned, documented in docs/formats.md):
//   NAME.key  TOML, format = "relais-key/1": the card fields plus the three
//             secret keys in base64. Mode 0600; looser modes are refused.
//   NAME.pub  TOML, format = "relais-card/1": the public card.
//   NAME.key  may instead be format = "relais-key-enc/1": the relais-key/1
//             text encrypted under a passphrase (crypto/key_passphrase.h).
// The card fields of both files are read and written by crypto/card.h, the
// same code that reads and writes a bundle's [[participant]] tables; files
// are read with util/toml_reader.h, which reports every problem at once as
// "FILE:LINE: keys: ..." (Status::Config).
// Thread-safety: plain values; immutable after load.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/key_passphrase.h"
#include "crypto/secret.h"
#include "util/status.h"

namespace relais {

using PublicKey = std::array<uint8_t, 32>;

enum class Role { kPolice, kGendarmerie, kSocial, kNgo, kCommittee, kCommission, kAuditor, kBroker, kAuthority };

std::string_view role_name(Role role);
Result<Role> parse_role(std::string_view text);

// Names match [a-z0-9_-]+(\.[a-z0-9_-]+)* and are at most 128 characters.
bool is_valid_participant_name(std::string_view name);
// Region and prefecture slugs: [a-z0-9_-]+ (may be empty when not set).
bool is_valid_slug(std::string_view slug);

// The public half of an identity, as published in the trust bundle.
struct PublicCard {
  int version = 1;
  std::string name;
  Role role = Role::kPolice;
  std::string region;      // empty when not set
  std::string prefecture;  // empty when not set
  PublicKey sign_pk{};
  PublicKey link_pk{};
  PublicKey seal_pk{};
  bool revoked = false;  // set by the bundle, never by keygen
};

// A full identity: card plus secrets held in wiped, sodium_malloc'd memory.
struct Identity {
  PublicCard card;
  SecretBytes sign_sk;  // 64 bytes (libsodium Ed25519 secret key)
  SecretBytes link_sk;  // 32 bytes
  SecretBytes seal_sk;  // 32 bytes
};

// Generates fresh keypairs. Validates name, role and slugs (Status::Invalid).
Result<Identity> generate_identity(const std::string& name, Role role, const std::string& region,
                                   const std::string& prefecture);

// Writes DIR/NAME.key (0600) and DIR/NAME.pub durably; never overwrites an
// existing file (Status::Invalid naming it). With a passphrase the key file
// is written encrypted (relais-key-enc/1) with the given Argon2id cost.
Status write_identity(const Identity& id, const std::string& dir, const SecretBytes* passphrase = nullptr,
                      KdfParams params = KdfParams::moderate());

// Loads a .key file. Refuses a loose mode (Status::Permission, exit 2) and a
// malformed or inconsistent file (Status::Config naming the file). An
// encrypted file is decrypted transparently with the passphrase from
// RELAIS_KEY_PASSPHRASE / RELAIS_KEY_PASSPHRASE_FILE, or typed on the
// terminal when neither is set and the program enabled prompting
// (passphrase_from_env_or_terminal); a missing or wrong passphrase is
// Status::Config saying which variable to set. The file is read with
// read_secret_file (util/files.h): no symbolic link, no loose mode, no folder
// others may write to.
Result<Identity> load_identity(const std::string& key_path);
// The same with an explicit passphrase (nullptr: none; the environment is not read).
Result<Identity> load_identity(const std::string& key_path, const SecretBytes* passphrase);
// Parses key file text (plain or encrypted) already read; origin names it.
Result<Identity> identity_from_toml(std::string_view text, const std::string& origin,
                                    const SecretBytes* passphrase);

// NAME.pub text: a comment line, format = "relais-card/1", the card fields.
std::string card_to_toml(const PublicCard& card);
// Parses NAME.pub text; origin names the source in error messages (a file
// name). Status::Config listing every problem; a file holding a secret key is
// refused as not a public card.
Result<PublicCard> card_from_toml(std::string_view text, const std::string& origin);
Result<PublicCard> load_card(const std::string& pub_path);

}  // namespace relais
