// The one place a participant's public card is read from and written as TOML.
//
// A card is the same seven fields wherever it appears (docs/formats.md):
//     name, role, region, prefecture, sign_pk, link_pk, seal_pk
// in a NAME.pub or NAME.key file (crypto/keys.h) and in each [[participant]]
// table of a trust bundle (policy/bundle.h), which adds "revoked" (and, from
// relais-bundle/2, the participant's history: see CardHistory below). The
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
#include <string_view>
#include <vector>

#include "crypto/keys.h"
#include "util/toml_reader.h"

namespace relais {

enum class CardLayout { kKeyFile, kBundle };

// One set of a participant's earlier keys, kept in the bundle after a
// rotation so that what they signed stays checkable. retired_at_serial is the
// serial of the first bundle in which they were no longer current (>= 1).
struct RetiredKey {
  PublicKey sign_pk{};
  PublicKey link_pk{};
  PublicKey seal_pk{};
  uint64_t retired_at_serial = 0;
};

// What a relais-bundle/2 [[participant]] table adds to the card:
//     revoked_at_serial = N          only on a revoked card (revoked = true), N >= 1
//     [[participant.retired]]        one per earlier key set, oldest first:
//     sign_pk, link_pk, seal_pk, retired_at_serial
// revoked_at_serial is 0 when the card is not revoked.
struct CardHistory {
  uint64_t revoked_at_serial = 0;
  std::vector<RetiredKey> retired;
};

// The card's lines, each ending in '\n', in the order above.
std::string card_fields_toml(const PublicCard& card, CardLayout layout);

// Reads the card's keys from t, recording every problem in t's reader;
// nullopt when any field was bad (the reader then holds the reasons).
std::optional<PublicCard> read_card_fields(TomlTable& t, CardLayout layout);

// The history's lines for a [[participant]] table (array_path is the table's
// path, "participant"): "revoked_at_serial = N\n" when revoked, then one
// "\n[[participant.retired]]\n..." table per retired key set. Write it right
// after card_fields_toml(card, kBundle).
std::string card_history_toml(const CardHistory& history, std::string_view array_path);

// Reads revoked_at_serial and the retired tables from t, recording every
// problem in t's reader (a revoked card without revoked_at_serial, or a
// serial on a card that is not revoked, is an error); nullopt when any was bad.
std::optional<CardHistory> read_card_history(TomlTable& t, const PublicCard& card);

}  // namespace relais
