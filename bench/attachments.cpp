// relais-bench attach: the latency of 1 KB messages while 16 MiB messages
// (bodies with attachments) flow through the same broker.
// Small flow: social.golfe publishes 1 KB alerts on alert.suspected_trafficking
// .maritime.golfe at a fixed rate; commission, subscribed to that topic alone,
// acks them. Large flow: police.golfe publishes one envelope with a 16 MiB body
// per second on alert.missing_child.maritime.golfe; committee.golfe, subscribed
// to that topic alone, acks them. Phase "base": the small flow alone; phase
// "load": the same small flow with the large one. Both in one run, one broker;
// latency = subscriber receive time - publisher send time (one process, one
// monotonic clock). Prints att.* keys, the load/base ratios among them.
#include <atomic>
#include <sodium.h>
#include <thread>
#include <unordered_map>

#include "agent/agent.h"
#include "bench_util.h"
#include "commands.h"
#include "crypto/envelope.h"
#include "session.h"
#include "util/clock.h"

namespace relais::bench {
namespace {

constexpr const char* kSmallTopic = "alert.suspected_trafficking.maritime.golfe";
constexpr const char* kLargeTopic = "alert.missing_child.maritime.golfe";
constexpr const char* kSmallPublisher = "social.golfe";
constexpr const char* kSmallReader = "commission";
constexpr const char* kLargePublisher = "police.golfe";
constexpr const char* kLargeReader = "committee.golfe";

Result<std::unique_ptr<AgentContext>> context_of(const std::string& dir, const std::string& name) {
  return load_agent_context(dir + "/agents/" + name + ".toml");
}

// An envelope from `c` on kLargeTopic with a body of `bytes` random bytes,
// sealed to the topic's readers under c's bundle (the broker cannot look inside
// a body: for it, this is a message with attachments).
Result<Bytes> large_envelope(const AgentContext& c, size_t bytes) {
  SealParams p;
  p.from = c.identity.card.name;
  p.topic = kLargeTopic;
  p.type = "alert/1";
  p.ts_ms = now_ms();
  p.expires_ms = p.ts_ms + 3600000;
  p.bundle_serial = c.bundle.serial;
  for (const auto& name : c.bundle.policy.readers(p.topic, c.bundle.participants))
    if (const PublicCard* card = c.bundle.find(name)) p.readers.emplace_back(name, card->seal_pk);
  Bytes body(bytes);
  randombytes_buf(body.data(), body.size());
  return seal_envelope(p, body, c.identity.sign_sk);
}

// A subscriber on one topic that acks everything and notes when each known
// envelope arrived (index_of: envelope id -> slot in recv_ns).
struct Receiver {
  std::vector<int64_t> recv_ns;
  std::atomic<size_t> got{0};
  std::atomic<bool> failed{false};
};

void receive(const std::string& endpoint, const AgentContext& c, const PublicKey& broker_pk, const std::string& topic,
             const std::unordered_map<std::string, uint32_t>& index_of, Receiver* r, std::atomic<int>* ready,
             const std::atomic<bool>* stop) {
  zmq::context_t zctx(1);
  Session s(zctx, endpoint, c.identity, broker_pk);
  Status st = s.hello(c.bundle.serial, 10000);
  if (st.ok()) st = s.subscribe(1, topic, 10000);
  if (!st.ok()) {
    std::cerr << st.message() << "\n";
    r->failed = true;
    (*ready)++;
    return;
  }
  (*ready)++;
  Frames f;
  Bytes buf;
  MsgArgs m;
  AckBatch acks;
  auto flush_acks = [&] {
    if (acks.empty()) return;
    encode_args(acks.args(), &buf);
    s.send(Command::kAck, buf);
    acks.clear();
  };
  while (!stop->load(std::memory_order_relaxed)) {
    s.keepalive();
    if (!s.recv(&f, acks.empty() ? 100 : 0)) {
      flush_acks();
      continue;
    }
    if (f.cmd != Command::kMsg || !f.has_extra) continue;
    const int64_t now = mono_ns();
    if (!decode_args(f.args, &m).ok()) continue;
    if (!acks.add(m.sub_id, m.seq)) {
      flush_acks();
      acks.add(m.sub_id, m.seq);
    }
    auto it = index_of.find(id_key(envelope_id(f.extra)));
    if (it == index_of.end() || r->recv_ns[it->second] != 0) continue;
    r->recv_ns[it->second] = now;
    r->got.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace

int run_attachments(const AttachOptions& o) {
  auto small_ctx = context_of(o.dir, kSmallPublisher);
  auto large_ctx = context_of(o.dir, kLargePublisher);
  auto small_reader = context_of(o.dir, kSmallReader);
  auto large_reader = context_of(o.dir, kLargeReader);
  for (auto* c : {&small_ctx, &large_ctx, &small_reader, &large_reader})
    if (!c->ok()) {
      std::cerr << c->status().message() << "\n";
      return 1;
    }
  const AgentContext& sc = **small_ctx;
  const std::string endpoint = sc.config.broker;
  const PublicKey broker_pk = sc.bundle.broker()->link_pk;

  // Everything sealed in advance: the small envelopes of both phases, and one
  // large envelope per second of the load phase.
  const size_t per_phase = static_cast<size_t>(o.rate * o.seconds) + 1;
  const size_t n_small = 2 * per_phase;
  const size_t n_large = static_cast<size_t>(o.seconds) + 1;
  std::vector<Bytes> small(n_small), large(n_large);
  {
    PublishRequest req;
    req.topic = kSmallTopic;
    req.type = "alert";
    req.json_text = sample_alert_json(o.body_bytes);
    for (size_t i = 0; i < n_small; ++i) {
      auto e = prepare_envelope(**small_ctx, req);
      if (!e.ok()) {
        std::cerr << e.status().message() << "\n";
        return 1;
      }
      small[i] = std::move(e).value();
    }
    const int64_t t0 = mono_ns();
    for (size_t i = 0; i < n_large; ++i) {
      auto e = large_envelope(**large_ctx, o.large_bytes);
      if (!e.ok()) {
        std::cerr << "bench: cannot seal a large envelope: " << e.status().message() << "\n";
        return 1;
      }
      large[i] = std::move(e).value();
    }
    emit("att.small_envelope_bytes", std::to_string(small[0].size()));
    emit("att.large_envelope_bytes", std::to_string(large[0].size()));
    emit("att.large_seal_ms", static_cast<double>(mono_ns() - t0) / 1e6 / static_cast<double>(n_large), 1);
  }
  std::unordered_map<std::string, uint32_t> small_index, large_index;
  for (size_t i = 0; i < n_small; ++i) small_index.emplace(id_key(envelope_id(small[i])), static_cast<uint32_t>(i));
  for (size_t i = 0; i < n_large; ++i) large_index.emplace(id_key(envelope_id(large[i])), static_cast<uint32_t>(i));
  if (small_index.size() != n_small || large_index.size() != n_large) {
    std::cerr << "bench: envelope ids not found or not unique\n";
    return 1;
  }

  Receiver small_rx, large_rx;
  small_rx.recv_ns.assign(n_small, 0);
  large_rx.recv_ns.assign(n_large, 0);
  std::atomic<int> ready{0};
  std::atomic<bool> stop{false};
  std::thread t_small(receive, endpoint, std::cref(**small_reader), broker_pk, kSmallTopic, std::cref(small_index),
                      &small_rx, &ready, &stop);
  std::thread t_large(receive, endpoint, std::cref(**large_reader), broker_pk, kLargeTopic, std::cref(large_index),
                      &large_rx, &ready, &stop);
  while (ready.load() < 2) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::thread t_pub_large;
  std::atomic<bool> large_go{false}, large_stop{false};
  auto finish = [&](int rc) {
    large_go = true;
    large_stop = true;
    if (t_pub_large.joinable()) t_pub_large.join();
    stop = true;
    t_small.join();
    t_large.join();
    return rc;
  };
  if (small_rx.failed || large_rx.failed) return finish(1);

  // The large publisher: waits for the load phase, then one PUB per second.
  std::vector<int64_t> large_send_ns(n_large, 0);
  std::atomic<size_t> large_acked{0}, large_errors{0};
  std::string large_first_error;
  t_pub_large = std::thread([&] {
    const AgentContext& lc = **large_ctx;
    zmq::context_t zctx(1);
    Session pub(zctx, endpoint, lc.identity, broker_pk);
    if (Status st = pub.hello(lc.bundle.serial, 10000); !st.ok()) {
      std::cerr << st.message() << "\n";
      large_errors = n_large;
      return;
    }
    Bytes buf;
    Frames f;
    while (!large_go.load()) {
      pub.keepalive();
      pub.recv(&f, 50);
    }
    const int64_t t0 = mono_ns();
    size_t next = 0;
    while (!large_stop.load()) {
      const int64_t now = mono_ns();
      if (next < n_large && now >= t0 + static_cast<int64_t>(next) * 1000000000) {
        encode_args(PubArgs{next + 1}, &buf);
        large_send_ns[next] = mono_ns();
        pub.send(Command::kPub, buf, large[next]);
        ++next;
      }
      pub.keepalive();
      if (pub.recv(&f, 20)) {
        if (f.cmd == Command::kPubAck) {
          large_acked++;
        } else if (f.cmd == Command::kError) {
          ErrorArgs e;
          if (decode_args(f.args, &e).ok() && e.req_id != 0) {
            if (large_errors.fetch_add(1) == 0) large_first_error = e.reason;
          }
        }
      }
    }
  });

  zmq::context_t zctx(1);
  Session pub(zctx, endpoint, sc.identity, broker_pk);
  if (Status st = pub.hello(sc.bundle.serial, 10000); !st.ok()) {
    std::cerr << st.message() << "\n";
    return finish(1);
  }
  Bytes buf;
  Frames f;
  std::vector<int64_t> send_ns(n_small, 0);
  size_t in_flight = 0, errors = 0;
  std::string first_error;
  auto drain = [&] {
    while (pub.recv(&f, 0)) {
      if (f.cmd == Command::kPubAck) {
        --in_flight;
      } else if (f.cmd == Command::kError) {
        ErrorArgs e;
        if (decode_args(f.args, &e).ok() && e.req_id != 0) {
          --in_flight;
          if (errors++ == 0) first_error = e.reason;
        }
      }
    }
    pub.keepalive();
  };
  auto phase = [&](size_t first) {
    run_paced(
        per_phase, o.rate, [&] { return in_flight < 1000; },
        [&](size_t i) {
          encode_args(PubArgs{first + i + 1}, &buf);
          send_ns[first + i] = mono_ns();
          pub.send(Command::kPub, buf, small[first + i]);
          ++in_flight;
        },
        drain, [&] { return small_rx.got.load() >= first + per_phase - errors; });
  };
  const auto cpu0 = process_cpu_seconds(o.broker_pid);
  phase(0);
  const auto cpu1 = process_cpu_seconds(o.broker_pid);
  large_go = true;
  phase(per_phase);
  const auto cpu2 = process_cpu_seconds(o.broker_pid);
  // The large messages still under way are waited for (bounded).
  const int64_t deadline = mono_ns() + int64_t{20} * 1000000000;
  while (large_rx.got.load() + large_errors.load() < n_large && mono_ns() < deadline) {
    drain();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  large_stop = true;
  t_pub_large.join();

  std::vector<std::vector<int64_t>> rx{small_rx.recv_ns};
  size_t missing_base = 0, missing_load = 0;
  LatencyRecorder base = deliver_latencies(rx, send_ns, 0, per_phase, &missing_base);
  LatencyRecorder load = deliver_latencies(rx, send_ns, per_phase, per_phase, &missing_load);
  size_t missing_large = 0;
  LatencyRecorder large_lat = deliver_latencies({large_rx.recv_ns}, large_send_ns, 0, n_large, &missing_large);
  emit("att.rate", o.rate, 0);
  emit("att.seconds_per_phase", o.seconds, 1);
  emit("att.small_per_phase", std::to_string(per_phase));
  emit("att.small_errors", std::to_string(errors));
  if (!first_error.empty()) emit("att.small_first_error", first_error);
  emit("att.missing_base", std::to_string(missing_base));
  emit("att.missing_load", std::to_string(missing_load));
  emit("att.large_sent", std::to_string(n_large));
  emit("att.large_acked", std::to_string(large_acked.load()));
  emit("att.large_delivered", std::to_string(large_rx.got.load()));
  emit("att.large_errors", std::to_string(large_errors.load()));
  if (!large_first_error.empty()) emit("att.large_first_error", large_first_error);
  const double b50 = base.percentile_ms(50), b99 = base.percentile_ms(99);
  const double l50 = load.percentile_ms(50), l99 = load.percentile_ms(99);
  emit("att.base_p50_ms", b50, 3);
  emit("att.base_p99_ms", b99, 3);
  emit("att.load_p50_ms", l50, 3);
  emit("att.load_p99_ms", l99, 3);
  emit("att.p50_ratio", b50 > 0 ? l50 / b50 : 0.0, 2);
  emit("att.p99_ratio", b99 > 0 ? l99 / b99 : 0.0, 2);
  if (large_lat.size() > 0) {
    emit("att.large_p50_ms", large_lat.percentile_ms(50), 1);
    emit("att.large_max_ms", large_lat.percentile_ms(100), 1);
  }
  if (cpu0 && cpu1 && cpu2) {
    emit("att.broker_cpu_base_s", *cpu1 - *cpu0, 2);
    emit("att.broker_cpu_load_s", *cpu2 - *cpu1, 2);
  }
  if (auto hwm = process_status_kib(o.broker_pid, "VmHWM")) emit("att.broker_vmhwm_kib", std::to_string(*hwm));
  encode_empty_args(&buf);
  pub.send(Command::kBye, buf);
  return finish(missing_base + missing_load + missing_large == 0 && errors == 0 && large_errors == 0 ? 0 : 1);
}

}  // namespace relais::bench
