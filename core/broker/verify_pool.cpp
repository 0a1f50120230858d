// Signature checks on the shared thread pool (see verify_pool.h).
#include "broker/verify_pool.h"

#include <sodium.h>

#include <cstdlib>

#include "crypto/envelope.h"
#include "crypto/hashing.h"

namespace relais {

VerifyPool::VerifyPool(unsigned threads)
    : pool_(threads, [this](Job& job) { done_.push(check(job)); }, PendingJobs::kFinish) {
  if (sodium_init() < 0) std::abort();
}

VerifyPool::~VerifyPool() { pool_.stop(PendingJobs::kFinish); }

VerifyPool::Result VerifyPool::check(const Job& j) {
  VerifyPool::Result r;
  r.token = j.token;
  r.core_hash = blake2b_256(j.core);
  r.ct_hash = blake2b_256(j.ct);
  const auto message = envelope_signing_message(r.core_hash, r.ct_hash);
  r.ok = crypto_sign_verify_detached(j.sig.data(), message.data(), message.size(), j.pk.data()) == 0;
  return r;
}

}  // namespace relais
