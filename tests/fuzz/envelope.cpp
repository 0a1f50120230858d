// Envelope decode + verify + open (core/crypto/envelope.h).
#include "crypto/envelope.h"
#include "fuzz/harnesses.h"

#include <algorithm>

namespace relais::fuzz {

int fuzz_envelope(const uint8_t* data, size_t size) {
  auto env = decode_envelope(ByteView(data, size));
  if (!env.ok()) return 0;
  FUZZ_CHECK(env->header.to.size() <= EnvelopeLimits{}.max_readers);
  const Identity& sender = fixed_identity(0);
  const Identity& reader = fixed_identity(1);
  const bool verified = verify_envelope(*env, sender.card.sign_pk).ok();
  // The signature is over the exact bytes: re-encoding must give the same input.
  const Bytes again = encode_envelope(env->version, env->core, env->ct, env->sig);
  FUZZ_CHECK(again.size() == size && std::equal(again.begin(), again.end(), data));
  auto body = open_envelope(*env, reader.card.name, reader.card.seal_pk, reader.seal_sk);
  if (body.ok()) FUZZ_CHECK(body->size() <= EnvelopeLimits{}.max_body);
  (void)verified;
  (void)env->header.find_reader("commission");
  return 0;
}

}  // namespace relais::fuzz
