// relais-bench agent: what an agent pays per message. seal+sign for 1, 3 and
// 10 readers (seal_envelope: one crypto_box_seal per reader + Ed25519), and
// decode+verify+open for one reader, and the bare Ed25519 verify, on one
// thread and on two at once. Each figure is timed over about `seconds_each`
// seconds.
#include <atomic>
#include <sodium.h>
#include <thread>

#include "bench_util.h"
#include "commands.h"
#include "crypto/envelope.h"
#include "util/clock.h"

namespace relais::bench {

int run_agent_costs(const AgentCostOptions& o) {
  if (sodium_init() < 0) return 1;
  auto sender = generate_identity("social.golfe", Role::kSocial, "maritime", "golfe");
  if (!sender.ok()) return 1;
  std::vector<Identity> readers;
  for (int i = 0; i < 10; ++i) {
    auto r = generate_identity("reader" + std::to_string(i), Role::kPolice, "maritime", "golfe");
    if (!r.ok()) return 1;
    readers.push_back(std::move(r).value());
  }
  const std::string body_text = sample_alert_json(o.body_bytes);
  const ByteView body = as_bytes(body_text);
  auto params_for = [&](size_t n) {
    SealParams p;
    p.from = "social.golfe";
    p.topic = "alert.suspected_trafficking.maritime.golfe";
    p.type = "alert/1";
    p.bundle_serial = 1;
    p.ts_ms = now_ms();
    p.expires_ms = p.ts_ms + 86400000;
    for (size_t i = 0; i < n; ++i) p.readers.emplace_back(readers[i].card.name, readers[i].card.seal_pk);
    return p;
  };
  Bytes last;
  for (size_t n : {1, 3, 10}) {
    SealParams p = params_for(n);
    size_t iters = 0;
    const int64_t t0 = mono_ns();
    const int64_t until = t0 + static_cast<int64_t>(o.seconds_each * 1e9);
    while (mono_ns() < until) {
      p.id.reset();
      auto e = seal_envelope(p, body, sender->sign_sk);
      if (!e.ok()) {
        std::cerr << e.status().message() << "\n";
        return 1;
      }
      last = std::move(e).value();
      ++iters;
    }
    const double us = static_cast<double>(mono_ns() - t0) / 1e3 / static_cast<double>(iters);
    emit("agent.seal_sign_us_" + std::to_string(n), us, 1);
  }
  // Open+verify, as reader0 of a 3-reader envelope.
  auto env3 = seal_envelope(params_for(3), body, sender->sign_sk);
  if (!env3.ok()) return 1;
  size_t iters = 0;
  const int64_t t0 = mono_ns();
  const int64_t until = t0 + static_cast<int64_t>(o.seconds_each * 1e9);
  while (mono_ns() < until) {
    auto env = decode_envelope(*env3);
    if (!env.ok() || !verify_envelope(*env, sender->card.sign_pk).ok()) return 1;
    auto plain = open_envelope(*env, readers[0].card.name, readers[0].card.seal_pk, readers[0].seal_sk);
    if (!plain.ok()) {
      std::cerr << plain.status().message() << "\n";
      return 1;
    }
    ++iters;
  }
  emit("agent.open_verify_us", static_cast<double>(mono_ns() - t0) / 1e3 / static_cast<double>(iters), 1);
  emit("agent.envelope_bytes_3_readers", std::to_string(env3->size()));

  // The bare Ed25519 verify of an envelope signature (83-byte signing message):
  // the floor under the broker's and the auditor's per-message cost, measured
  // here because it differs widely from one machine to another
  // (docs/performance.md §The bar).
  auto decoded = decode_envelope(*env3);
  if (!decoded.ok()) return 1;
  const auto msg = envelope_signing_message(decoded->core_hash, decoded->ct_hash);
  iters = 0;
  const int64_t v0 = mono_ns();
  const int64_t v_until = v0 + static_cast<int64_t>(o.seconds_each * 1e9);
  while (mono_ns() < v_until) {
    if (crypto_sign_verify_detached(decoded->sig.data(), msg.data(), msg.size(), sender->card.sign_pk.data()) != 0)
      return 1;
    ++iters;
  }
  emit("agent.ed25519_verify_us", static_cast<double>(mono_ns() - v0) / 1e3 / static_cast<double>(iters), 1);

  // The same verify on two threads at once: what the two cores together
  // really check per second. Where the two vCPUs share a physical core
  // (hyperthreads) or a power budget, this is less than twice the one-thread
  // rate, and it is the bound a 2-thread auditor can reach.
  std::atomic<uint64_t> both{0};
  std::atomic<bool> bad{false};
  const int64_t w0 = mono_ns();
  const int64_t w_until = w0 + static_cast<int64_t>(o.seconds_each * 1e9);
  auto worker = [&] {
    uint64_t n = 0;
    while (mono_ns() < w_until) {
      if (crypto_sign_verify_detached(decoded->sig.data(), msg.data(), msg.size(), sender->card.sign_pk.data()) != 0)
        bad = true;
      ++n;
    }
    both += n;
  };
  std::thread t1(worker), t2(worker);
  t1.join();
  t2.join();
  if (bad) return 1;
  emit("agent.ed25519_verifies_per_s_2threads",
       static_cast<double>(both.load()) * 1e9 / static_cast<double>(mono_ns() - w0), 0);
  return 0;
}

}  // namespace relais::bench
