// The trust bundle (docs/design.md §The trust bundle, format "relais-bundle/1"
// in docs/formats.md).
//
// One TOML file: format, serial, issued_at_ms, the policy text and one
// [[participant]] table per card (revoked ones stay listed, marked revoked),
// followed by a fixed-size trailer
//     [signature]
//     ed25519 = "<base64 of 64 bytes>"
// The Ed25519 signature of the authority covers "relais/bundle/v1\0" followed
// by every byte of the file before the trailer. The trailer must be the exact
// last bytes of the file and its base64 must be canonical, so any single
// changed byte anywhere is refused.
//
// A TrustBundle is a plain value, immutable after parse and safe to share
// between threads. Pointers returned by find*() and broker() point into it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/keys.h"
#include "policy/policy.h"
#include "util/bytes.h"
#include "util/status.h"

namespace relais {

inline constexpr size_t kMaxBundleBytes = 16u << 20;

struct TrustBundle {
  int version = 1;
  uint64_t serial = 0;
  int64_t issued_at_ms = 0;
  std::vector<PublicCard> participants;  // includes revoked ones, marked revoked
  Policy policy;
  std::string policy_text;               // the exact signed policy TOML
  std::array<uint8_t, 32> hash{};        // BLAKE2b-256 of the exact file bytes

  const PublicCard* find(std::string_view name) const;                  // nullptr if absent
  const PublicCard* find_by_link_key(const PublicKey& link_pk) const;   // nullptr if absent
  const PublicCard* broker() const;                                     // the role=broker card
};

// Builds and signs a bundle. Cards with role authority are left out; names
// must be unique, link keys unique, exactly one broker card, the policy must
// parse, and every revoked name must be a card (Status::Invalid otherwise).
Result<Bytes> build_bundle(const Identity& authority, const std::vector<PublicCard>& cards,
                           std::string_view policy_text, uint64_t serial, int64_t issued_at_ms,
                           const std::vector<std::string>& revoked_names);

// Verifies the signature first, then parses. Status::Invalid with a clear
// reason on a bad signature or a malformed file; origin names the file.
Result<TrustBundle> parse_bundle(ByteView file_bytes, const PublicKey& authority_sign_pk, const std::string& origin);

// Reads and parses a bundle file (IOError if unreadable).
Result<TrustBundle> load_bundle(const std::string& path, const PublicKey& authority_sign_pk);

}  // namespace relais
