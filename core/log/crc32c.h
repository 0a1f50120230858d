// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), in software with
// slicing-by-8 tables built at compile time. No hardware dependency.
// Pure functions, safe from any thread. Known vector: "123456789" -> 0xE3069283.
#pragma once

#include <cstddef>
#include <cstdint>

#include "util/bytes.h"

namespace relais::crc32c {

// Returns the CRC32C of data appended to a stream whose CRC so far is `crc`
// (use 0 to start): extend(extend(0, a), b) == value(a ‖ b).
uint32_t extend(uint32_t crc, const uint8_t* data, size_t n);

inline uint32_t value(ByteView data) { return extend(0, data.data(), data.size()); }

}  // namespace relais::crc32c
