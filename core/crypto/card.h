// The one place a participant's public card is read from and written as TOML.
//
// A card is the same seven fields wherever it appears (docs/formats.md):
//     name, role, region, prefecture, sign_pk, link_pk, seal_pk
// in a NAME.pub or NAME.key file (crypto/keys.h) and in each [[participant]]
// table of a trust bundle (policy/bundle.h), which adds "revoked". The
// layouts differ only in what surrounds the fields, so that files written
// before this module existed are byte-identical to files written now:
//   kKeyFile  each public key line carries a comment naming its use;
//             "revoked" is not a key of the file.
//   kBundle   no comments; "revoked = true|false" last, required.
//
// Rules, one set for both: name follows is_valid_participant_name, role is a
// known role, region and prefecture are optional slugs (empty when absent),
// each public key is 32 bytes in canonical base64. Unknown keys are not
// checked here: the caller owns the table and calls reject_unknown() once it
// has read its own keys (format, secrets).
//
// Pure functions, safe on any thread.
#pragma once

#include <optional>
#include <string>

#include "crypto/keys.h"
#include "util/toml_reader.h"

namespace relais {

enum class CardLayout { kKeyFile, kBundle };

// The card's lines, each ending in '\n', in the order above.
std::string card_fields_toml(const PublicCard& card, CardLayout layout);

// Reads the card's keys from t, recording every problem in t's reader;
// nullopt when any field was bad (the reader then holds the reasons).
std::optional<PublicCard> read_card_fields(TomlTable& t, CardLayout layout);

}  // namespace relais
