// Fixed-width little-endian integer coding shared by the log's record,
// checkpoint and snapshot formats (docs/log-format.md). Header-only, pure.
#pragma once

#include <cstdint>
#include <cstring>

#include "util/bytes.h"

namespace relais::coding {

inline void put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline void put_u64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline uint32_t get_u32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
inline uint64_t get_u64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
inline void append_u8(Bytes* out, uint8_t v) { out->push_back(v); }
inline void append_u32(Bytes* out, uint32_t v) {
  uint8_t b[4];
  put_u32(b, v);
  out->insert(out->end(), b, b + 4);
}
inline void append_u64(Bytes* out, uint64_t v) {
  uint8_t b[8];
  put_u64(b, v);
  out->insert(out->end(), b, b + 8);
}
inline void append_bytes(Bytes* out, ByteView b) { out->insert(out->end(), b.begin(), b.end()); }

}  // namespace relais::coding
