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

RecordKey core_dedup_key(ByteView core) {
  // The core is read by the envelope decoder, around a stand-in ciphertext
  // of the smallest valid size and a blank signature (never checked here).
  static const Bytes kStandIn(256 + 16, 0);
  const Bytes env = encode_envelope(kEnvelopeVersion, core, kStandIn, std::array<uint8_t, 64>{});
  auto v = decode_envelope_view(env);
  return v.ok() ? dedup_key(v->header.from, v->header.id) : RecordKey{};
}

}  // namespace relais
