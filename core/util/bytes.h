// Byte buffers and text encodings shared by every module.
//
// Bytes owns its storage; ByteView is a non-owning view whose referent must
// outlive it. Decoders return Result and never throw.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace relais {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
inline std::string_view as_chars(ByteView b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

std::string to_hex(ByteView b);
Result<Bytes> from_hex(std::string_view hex);

// Standard base64 with padding (RFC 4648 §4).
std::string to_base64(ByteView b);
Result<Bytes> from_base64(std::string_view text);

// Constant-time comparison of equal-length buffers (false if lengths differ).
bool equal_ct(ByteView a, ByteView b);

}  // namespace relais
