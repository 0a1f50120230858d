#include "broker/dedup_key.h"

#include "crypto/envelope.h"
#include "crypto/hashing.h"

namespace relais {

RecordKey dedup_key(std::string_view from, const Uuid& id) {
  const uint8_t zero = 0;
  return blake2b_128_ctx("relais/dedup/v1", {as_bytes(from), ByteView(&zero, 1), ByteView(id.data(), id.size())});
}

RecordKey envelope_dedup_key(ByteView envelope) {
  auto env = decode_envelope_view(envelope);
  return env.ok() ? dedup_key(env->header.from, env->header.id) : RecordKey{};
}

}  // namespace relais
