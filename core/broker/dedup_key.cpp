#include "broker/dedup_key.h"

#include <sodium.h>

#include "crypto/envelope.h"

namespace relais {

RecordKey dedup_key(std::string_view from, const Uuid& id) {
  static constexpr char kContext[] = "relais/dedup/v1";
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 16);
  crypto_generichash_update(&st, reinterpret_cast<const uint8_t*>(kContext), sizeof kContext - 1);
  crypto_generichash_update(&st, reinterpret_cast<const uint8_t*>(from.data()), from.size());
  const uint8_t zero = 0;
  crypto_generichash_update(&st, &zero, 1);
  crypto_generichash_update(&st, id.data(), id.size());
  RecordKey k{};
  crypto_generichash_final(&st, k.data(), k.size());
  return k;
}

RecordKey envelope_dedup_key(ByteView envelope) {
  auto env = decode_envelope_view(envelope);
  return env.ok() ? dedup_key(env->header.from, env->header.id) : RecordKey{};
}

}  // namespace relais
