// VerifyPool: real Ed25519 checks on the workers, every result delivered
// once through drain(), and inline once the pool is stopped.
#include <sodium.h>

#include <catch2/catch.hpp>
#include <vector>

#include "broker/verify_pool.h"
#include "crypto/envelope.h"
#include "crypto/hashing.h"

namespace relais {
namespace {

// A signed job over its own core and ct bytes (kept alive by the caller).
struct SignedJob {
  Bytes core;
  Bytes ct;
  VerifyJob job;
};

SignedJob signed_job(uint64_t token, uint8_t fill, bool tamper = false) {
  REQUIRE(sodium_init() >= 0);
  SignedJob s;
  s.core.assign(48, fill);
  s.ct.assign(1024, static_cast<uint8_t>(fill + 1));
  std::array<uint8_t, crypto_sign_SECRETKEYBYTES> sk{};
  crypto_sign_keypair(s.job.pk.data(), sk.data());
  const auto message = envelope_signing_message(blake2b_256(s.core), blake2b_256(s.ct));
  crypto_sign_detached(s.job.sig.data(), nullptr, message.data(), message.size(), sk.data());
  if (tamper) s.ct[0] ^= 1;
  s.job.token = token;
  s.job.core = s.core;
  s.job.ct = s.ct;
  return s;
}

}  // namespace

TEST_CASE("VerifyPool checks every job on its workers and delivers each result once", "[verify_pool]") {
  VerifyPool pool(2);
  std::vector<SignedJob> jobs;
  for (uint64_t t = 1; t <= 50; ++t) jobs.push_back(signed_job(t, static_cast<uint8_t>(t), t % 10 == 0));
  for (const SignedJob& j : jobs) pool.submit(j.job);
  std::vector<VerifyResult> out;
  pool.stop();  // finishes every submitted job
  pool.drain(&out);
  REQUIRE(out.size() == jobs.size());
  std::vector<int> seen(jobs.size() + 1, 0);
  for (const VerifyResult& r : out) {
    REQUIRE(r.token >= 1);
    REQUIRE(r.token <= jobs.size());
    seen[r.token]++;
    CHECK(r.ok == (r.token % 10 != 0));
  }
  for (size_t t = 1; t <= jobs.size(); ++t) CHECK(seen[t] == 1);

  // After stop, a job is checked inline: its result is there at once.
  SignedJob last = signed_job(99, 3);
  pool.submit(last.job);
  out.clear();
  pool.drain(&out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].token == 99);
}

}  // namespace relais
