// The trust bundle (docs/design.md §The trust bundle, format "relais-bundle/2"
// in docs/formats.md).
//
// One TOML file: format, serial, issued_at_ms, expires_at_ms, the policy text
// (relais-policy/2), the location table (CSV text) and one [[participant]]
// table per card. A revoked card stays listed, marked revoked with the serial
// that revoked it; a participant's earlier keys stay listed as
// [[participant.retired]] tables with the serial that retired them, so that
// what they signed stays checkable. The body is followed by a fixed-size trailer
//     [signature]
//     ed25519 = "<base64 of 64 bytes>"
// The Ed25519 signature of the authority covers "relais/bundle/v2\0" followed
// by every byte of the file before the trailer. The trailer must be the exact
// last bytes of the file and its base64 must be canonical, so any single
// changed byte anywhere is refused. A version-1 file is refused by
// parse_bundle, naming `relais-admin upgrade-bundle` (policy/bundle_v1.h is
// the only reader of version 1).
//
// A TrustBundle is a plain value, immutable after parse and safe to share
// between threads. Pointers returned by find*() and broker() point into it.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/card.h"
#include "crypto/keys.h"
#include "policy/locations.h"
#include "policy/policy.h"
#include "util/bytes.h"
#include "util/status.h"

namespace relais {

inline constexpr size_t kMaxBundleBytes = 16u << 20;
// A bundle's life when its builder names no expiry: 180 days after issue.
inline constexpr int64_t kDefaultBundleLifetimeMs = 180LL * 24 * 3600 * 1000;

// What a signing key is in a bundle (TrustBundle::find_by_sign_key).
//   kCurrent  the card's current key (card not revoked); since_serial is 0.
//   kRetired  an earlier key of the card; since_serial = retired_at_serial.
//   kRevoked  the current key of a revoked card; since_serial = revoked_at_serial.
// card points at the participant's (current) card inside the bundle.
struct KeyMatch {
  const PublicCard* card = nullptr;
  enum class State { kCurrent, kRetired, kRevoked } state = State::kCurrent;
  uint64_t since_serial = 0;
};

struct TrustBundle {
  using KeyMatch = relais::KeyMatch;

  int version = 2;
  uint64_t serial = 0;
  int64_t issued_at_ms = 0;
  int64_t expires_at_ms = 0;             // after this instant the bundle is expired
  std::vector<PublicCard> participants;  // sorted by name; includes revoked ones, marked revoked
  // Revocation serials and retired keys, by participant name; a participant
  // with neither has no entry.
  std::map<std::string, CardHistory, std::less<>> history;
  Policy policy;
  std::string policy_text;               // the exact signed policy TOML
  Locations locations;
  std::string locations_text;            // the exact signed location CSV
  Bytes file;                            // the exact signed file bytes
  std::array<uint8_t, 32> hash{};        // BLAKE2b-256 of the exact file bytes

  const PublicCard* find(std::string_view name) const;                  // nullptr if absent
  // The card whose CURRENT link key this is (revoked cards included, as
  // before; callers check card->revoked); never a retired key.
  const PublicCard* find_by_link_key(const PublicKey& link_pk) const;   // nullptr if absent
  // A current, retired or revoked signing key; nullopt if unknown.
  std::optional<KeyMatch> find_by_sign_key(const PublicKey& sign_pk) const;
  const PublicCard* broker() const;                                     // the role=broker card
  // The card's history (an empty one when it has none).
  const CardHistory& history_of(std::string_view name) const;
  bool expired(int64_t now_ms) const { return now_ms >= expires_at_ms; }
};

// Everything a bundle holds, for build_bundle.
struct BundleSpec {
  uint64_t serial = 0;            // 1 .. 2^63-1
  int64_t issued_at_ms = 0;
  int64_t expires_at_ms = 0;      // 0: issued_at_ms + kDefaultBundleLifetimeMs
  std::string policy_text;        // relais-policy/2
  std::string locations_text;     // empty: Locations::builtin_csv()
  std::vector<PublicCard> cards;  // role authority is skipped; card.revoked marks a revoked card
  // By name: revoked_at_serial (0 on a revoked card: this serial) and retired keys.
  std::map<std::string, CardHistory, std::less<>> history;
};

// Builds and signs a relais-bundle/2 file. Cards with role authority are left
// out; names must be unique, current sign and link keys unique (and never a
// retired key of anyone), exactly one broker card, the policy and the location
// table must parse, every history entry must name a card, and no revocation
// or retirement serial may be above the bundle's (Status::Invalid otherwise).
Result<Bytes> build_bundle(const Identity& authority, const BundleSpec& spec);

// The same with every name in revoked_names marked revoked at this serial,
// the built-in location table and the default expiry.
Result<Bytes> build_bundle(const Identity& authority, const std::vector<PublicCard>& cards,
                           std::string_view policy_text, uint64_t serial, int64_t issued_at_ms,
                           const std::vector<std::string>& revoked_names);

// Verifies the signature first, then parses. Status::Invalid with a clear
// reason on a bad signature, a malformed file or a version-1 file (that one
// names relais-admin upgrade-bundle); origin names the file.
Result<TrustBundle> parse_bundle(ByteView file_bytes, const PublicKey& authority_sign_pk, const std::string& origin);

// Reads and parses a bundle file (IOError if unreadable).
Result<TrustBundle> load_bundle(const std::string& path, const PublicKey& authority_sign_pk);

// The BundleSpec that rebuilds b (cards, history, policy, locations, times),
// for a tool that changes one thing and signs again with a higher serial.
BundleSpec spec_of(const TrustBundle& b);

}  // namespace relais
