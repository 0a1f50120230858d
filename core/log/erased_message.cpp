#include "log/erased_message.h"

#include <algorithm>

namespace relais {

Result<Envelope> erased_envelope(const RecordView& r) {
  if (r.kind != RecordKind::kErasedMessage || r.sig.size() != 64)
    return Status::Invalid("erased message: not an erased-message record");
  // The core is checked by the envelope decoder itself, around a stand-in
  // ciphertext of the smallest valid size (one block and its tag).
  std::array<uint8_t, 64> sig{};
  std::copy(r.sig.begin(), r.sig.end(), sig.begin());
  const Bytes stand_in(256 + 16, 0);
  auto env = decode_envelope(encode_envelope(kEnvelopeVersion, r.body, stand_in, sig));
  if (!env.ok()) return Status::Invalid("erased message: its core does not decode (" + env.status().message() + ")");
  if (env->core_hash != r.core_hash)
    return Status::Invalid("erased message: its core does not match the record's core hash");
  env->ct.clear();
  env->ct_hash = r.ct_hash;
  return env;
}

}  // namespace relais
