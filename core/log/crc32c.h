// CRC32C (Castagnoli, reflected polynomial 0x82F63B78): the SSE4.2 crc32
// instruction when the CPU has it (checked at run time), else software
// slicing-by-8 with tables built at compile time. Both give the same values.
// Pure functions, safe from any thread. Known vector: "123456789" -> 0xE3069283.
#pragma once

#include <cstddef>
#include <cstdint>

#include "util/bytes.h"

namespace relais::crc32c {

// Returns the CRC32C of data appended to a stream whose CRC so far is `crc`
// (use 0 to start): extend(extend(0, a), b) == value(a ‖ b).
uint32_t extend(uint32_t crc, const uint8_t* data, size_t n);
// The software path alone (for tests comparing both).
uint32_t extend_portable(uint32_t crc, const uint8_t* data, size_t n);

inline uint32_t value(ByteView data) { return extend(0, data.data(), data.size()); }

}  // namespace relais::crc32c
