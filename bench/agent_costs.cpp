// relais-bench agent: what an agent pays per message. seal+sign for 1, 3 and
// 10 readers (seal_envelope: one crypto_box_seal per reader + Ed25519), and
// decode+verify+open for one reader, and the bare Ed25519 verify (of one
// signature over and over, and of distinct signatures), on one thread and on
// two at once. Each figure is timed over about `seconds_each` seconds.
#include <sodium.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <optional>
#include <thread>
#include <vector>

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
  // (docs/performance.md §The bar). Twice: one signature over and over (as
  // before), and a ring of kDistinct different signed messages, as a log
  // holds them. Ed25519 verification in libsodium branches on the signature's
  // scalars, so a loop over one signature lets the CPU learn its branches and
  // runs several per cent faster than any real stream of signatures can; the
  // auditor's bound is the distinct one (bench/run.sh, audit).
  auto decoded = decode_envelope(*env3);
  if (!decoded.ok()) return 1;
  struct Signed {
    std::array<uint8_t, 83> msg;
    std::array<uint8_t, 64> sig;
  };
  std::vector<Signed> one{{envelope_signing_message(decoded->core_hash, decoded->ct_hash), decoded->sig}};
  constexpr size_t kDistinct = 4096;
  std::vector<Signed> distinct(kDistinct);
  for (Signed& d : distinct) {
    Hash256 core_hash, ct_hash;
    randombytes_buf(core_hash.data(), core_hash.size());
    randombytes_buf(ct_hash.data(), ct_hash.size());
    d.msg = envelope_signing_message(core_hash, ct_hash);
    crypto_sign_detached(d.sig.data(), nullptr, d.msg.data(), d.msg.size(), sender->sign_sk.data());
  }
  const PublicKey& pk = sender->card.sign_pk;
  // Verifies ring[start], ring[start + 1], ... (wrapping) until stop_ns;
  // the count, or nullopt if one failed.
  auto verify_until = [&pk](const std::vector<Signed>& ring, size_t start, int64_t stop_ns) -> std::optional<uint64_t> {
    uint64_t n = 0;
    for (size_t i = start % ring.size(); mono_ns() < stop_ns; i = (i + 1 == ring.size()) ? 0 : i + 1, ++n) {
      const Signed& s = ring[i];
      if (crypto_sign_verify_detached(s.sig.data(), s.msg.data(), s.msg.size(), pk.data()) != 0) return std::nullopt;
    }
    return n;
  };
  auto one_thread_us = [&](const std::vector<Signed>& ring) -> std::optional<double> {
    const int64_t v0 = mono_ns();
    auto n = verify_until(ring, 0, v0 + static_cast<int64_t>(o.seconds_each * 1e9));
    if (!n || *n == 0) return std::nullopt;
    return static_cast<double>(mono_ns() - v0) / 1e3 / static_cast<double>(*n);
  };
  // The same verify on two threads at once: what the two cores together
  // really check per second. Where the two vCPUs share a physical core
  // (hyperthreads) or a power budget, this is less than twice the one-thread
  // rate, and it is the bound a 2-thread auditor can reach.
  auto two_threads_per_s = [&](const std::vector<Signed>& ring) -> std::optional<double> {
    std::atomic<uint64_t> both{0};
    std::atomic<bool> bad{false};
    const int64_t w0 = mono_ns();
    const int64_t w_until = w0 + static_cast<int64_t>(o.seconds_each * 1e9);
    auto worker = [&](size_t start) {
      auto n = verify_until(ring, start, w_until);
      if (!n) bad = true;
      both += n.value_or(0);
    };
    std::thread t1(worker, 0), t2(worker, ring.size() / 2);
    t1.join();
    t2.join();
    if (bad) return std::nullopt;
    return static_cast<double>(both.load()) * 1e9 / static_cast<double>(mono_ns() - w0);
  };
  auto same_us = one_thread_us(one);
  auto distinct_us = one_thread_us(distinct);
  auto same_2 = two_threads_per_s(one);
  auto distinct_2 = two_threads_per_s(distinct);
  if (!same_us || !distinct_us || !same_2 || !distinct_2) return 1;
  // The two side by side in short alternating windows (40 pairs of 1/40 of
  // `seconds_each` each): the VM's drift over the seconds above moves both
  // alike here. Each kind's fastest window (its undisturbed speed; their
  // ratio is the steadier one) and its median window (its speed at the
  // time, robust to a short disturbance).
  std::vector<double> same_w, distinct_w;
  const double slice = o.seconds_each / 40;
  for (int w = 0; w < 40; ++w) {
    for (auto [ring, out] : {std::pair{&one, &same_w}, std::pair{&distinct, &distinct_w}}) {
      const int64_t s0 = mono_ns();
      auto n = verify_until(*ring, static_cast<size_t>(w) * 97, s0 + static_cast<int64_t>(slice * 1e9));
      if (!n) return 1;
      if (*n > 0) out->push_back(static_cast<double>(mono_ns() - s0) / 1e3 / static_cast<double>(*n));
    }
  }
  emit("agent.ed25519_verify_us", *same_us, 1);
  emit("agent.ed25519_verify_distinct_us", *distinct_us, 1);
  emit("agent.ed25519_verifies_per_s_2threads", *same_2, 0);
  emit("agent.ed25519_verifies_per_s_2threads_distinct", *distinct_2, 0);
  if (!same_w.empty() && !distinct_w.empty()) {
    std::sort(same_w.begin(), same_w.end());
    std::sort(distinct_w.begin(), distinct_w.end());
    emit("agent.ed25519_verify_us_best_window", same_w.front(), 1);
    emit("agent.ed25519_verify_us_median_window", same_w[same_w.size() / 2], 1);
    emit("agent.ed25519_verify_distinct_us_best_window", distinct_w.front(), 1);
    emit("agent.ed25519_verify_distinct_us_median_window", distinct_w[distinct_w.size() / 2], 1);
    emit("agent.ed25519_distinct_over_same", distinct_w.front() / same_w.front(), 3);
  }
  return 0;
}

}  // namespace relais::bench
