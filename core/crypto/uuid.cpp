#include "crypto/uuid.h"

#include <cstdlib>

#include <sodium.h>

namespace relais {

Uuid new_uuid_v7(int64_t ms) {
  if (sodium_init() < 0) std::abort();
  constexpr int64_t kMax = (int64_t{1} << 48) - 1;
  if (ms < 0) ms = 0;
  if (ms > kMax) ms = kMax;
  const auto t = static_cast<uint64_t>(ms);
  Uuid id{};
  for (int i = 0; i < 6; ++i) id[static_cast<size_t>(i)] = static_cast<uint8_t>(t >> (40 - 8 * i));
  randombytes_buf(id.data() + 6, id.size() - 6);
  id[6] = static_cast<uint8_t>(0x70 | (id[6] & 0x0f));
  id[8] = static_cast<uint8_t>(0x80 | (id[8] & 0x3f));
  return id;
}

bool is_uuid_v7(const Uuid& id) { return (id[6] & 0xf0) == 0x70 && (id[8] & 0xc0) == 0x80; }

int64_t uuid_v7_ms(const Uuid& id) {
  uint64_t t = 0;
  for (int i = 0; i < 6; ++i) t = (t << 8) | id[static_cast<size_t>(i)];
  return static_cast<int64_t>(t);
}

std::string uuid_to_string(const Uuid& id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < id.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[id[i] >> 4]);
    out.push_back(kHex[id[i] & 0x0f]);
  }
  return out;
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Result<Uuid> uuid_from_string(std::string_view text) {
  if (text.size() != 36) {
    return Status::Invalid("uuid: expected 36 characters (8-4-4-4-12 hex), got " + std::to_string(text.size()));
  }
  Uuid id{};
  size_t pos = 0;
  for (size_t i = 0; i < id.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) {
      if (text[pos] != '-') return Status::Invalid("uuid: expected '-' at position " + std::to_string(pos));
      ++pos;
    }
    const int hi = hex_value(text[pos]);
    const int lo = hex_value(text[pos + 1]);
    if (hi < 0 || lo < 0) return Status::Invalid("uuid: bad hex digit near position " + std::to_string(pos));
    id[i] = static_cast<uint8_t>((hi << 4) | lo);
    pos += 2;
  }
  return id;
}

}  // namespace relais
