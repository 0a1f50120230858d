// UUIDv7-layout identifiers (RFC 9562 §5.7) for envelope ids.
//
// Layout (16 bytes, big-endian):
//   bytes 0..5   unix_ts_ms, 48 bits
//   byte  6      high nibble = 7 (version), low nibble = 4 random bits
//   byte  7      8 random bits
//   byte  8      top two bits = 0b10 (variant), 6 random bits
//   bytes 9..15  random
// 74 bits are random (libsodium randombytes_buf), so ids sort by creation
// time to the millisecond and are unguessable. Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace relais {

using Uuid = std::array<uint8_t, 16>;

// A fresh id for time `ms` (unix milliseconds; clamped to 0..2^48-1).
Uuid new_uuid_v7(int64_t ms);

// True when the version nibble is 7 and the variant bits are 0b10.
bool is_uuid_v7(const Uuid& id);

// The millisecond timestamp held in the first 48 bits.
int64_t uuid_v7_ms(const Uuid& id);

// Canonical form: 36 lowercase characters, 8-4-4-4-12 hex digits.
std::string uuid_to_string(const Uuid& id);

// Parses the 8-4-4-4-12 form (hex digits of either case; no braces, no urn:
// prefix). Status::Invalid "uuid: ..." otherwise. Does not require version 7:
// check is_uuid_v7 when the layout matters.
Result<Uuid> uuid_from_string(std::string_view text);

}  // namespace relais
