#include "crypto/hashing.h"

#include <cassert>

namespace relais {

Blake2b256::Blake2b256() {
  [[maybe_unused]] int rc = sodium_init();
  assert(rc >= 0);
  crypto_generichash_init(&state_, nullptr, 0, 32);
}

Blake2b256::Blake2b256(ByteView key) {
  [[maybe_unused]] int rc = sodium_init();
  assert(rc >= 0);
  assert(key.size() >= crypto_generichash_KEYBYTES_MIN && key.size() <= crypto_generichash_KEYBYTES_MAX);
  crypto_generichash_init(&state_, key.data(), key.size(), 32);
}

Blake2b256::~Blake2b256() { sodium_memzero(&state_, sizeof(state_)); }

Blake2b256& Blake2b256::update(ByteView data) {
  crypto_generichash_update(&state_, data.data(), data.size());
  return *this;
}

Hash256 Blake2b256::final() {
  Hash256 out{};
  crypto_generichash_final(&state_, out.data(), out.size());
  return out;
}

Hash256 blake2b_256(ByteView data) {
  Hash256 out{};
  crypto_generichash(out.data(), out.size(), data.data(), data.size(), nullptr, 0);
  return out;
}

Hash256 blake2b_256_ctx(std::string_view context, std::initializer_list<ByteView> parts) {
  Blake2b256 h;
  h.update(context);
  for (ByteView p : parts) h.update(p);
  return h.final();
}

std::array<uint8_t, 16> blake2b_128_ctx(std::string_view context, std::initializer_list<ByteView> parts) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 16);
  crypto_generichash_update(&st, reinterpret_cast<const uint8_t*>(context.data()), context.size());
  for (ByteView p : parts) crypto_generichash_update(&st, p.data(), p.size());
  std::array<uint8_t, 16> out{};
  crypto_generichash_final(&st, out.data(), out.size());
  return out;
}

Hash256 blake2b_256_keyed(ByteView key, std::string_view context, std::initializer_list<ByteView> parts) {
  Blake2b256 h(key);
  h.update(context);
  for (ByteView p : parts) h.update(p);
  return h.final();
}

}  // namespace relais
