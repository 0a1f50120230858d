// relais-bench e2e: 1 publisher -> relais-broker -> 3 subscribers.
// Phase 1 (throughput): `count` envelopes sealed in advance, sent with a
// window of PUBs in flight; ends when every subscriber has received them all.
// Phase 2 (latency): paced at half the phase-1 rate for a few seconds;
// publish->deliver latency = subscriber receive time - publisher send time
// (one process, one monotonic clock).
// Phase 3 (optional, --fixed-rates): the same at fixed ordinary loads (100,
// 1,000 msg/s), each point with at least --min-samples samples.
#include <atomic>
#include <thread>
#include <unordered_map>

#include "agent/agent.h"
#include "bench_util.h"
#include "broker_timings.h"
#include "commands.h"
#include "session.h"

namespace relais::bench {
namespace {

constexpr const char* kTopic = "alert.suspected_trafficking.maritime.golfe";
constexpr const char* kPattern = "alert.*.maritime.golfe";
constexpr const char* kPublisher = "social.golfe";
constexpr const char* kReaders[] = {"commission", "committee.golfe", "police.golfe"};

}  // namespace

int run_e2e(const E2eOptions& o) {
  const std::string dir = o.dir;
  auto pub_ctx = load_agent_context(dir + "/agents/" + kPublisher + ".toml");
  if (!pub_ctx.ok()) {
    std::cerr << pub_ctx.status().message() << "\n";
    return 1;
  }
  const AgentContext& pc = **pub_ctx;
  const std::string endpoint = o.endpoint.empty() ? pc.config.broker : o.endpoint;
  const PublicKey broker_pk = pc.bundle.broker()->link_pk;
  const size_t per_point = (o.min_samples + 2) / 3;  // messages for min_samples samples
  const size_t total = o.count + o.latency_count + per_point * o.fixed_rates.size();

  // Seal everything in advance, on two threads (each with its own context).
  std::vector<Bytes> envs(total);
  {
    const std::string doc = sample_alert_json(o.body_bytes);
    std::atomic<bool> failed{false};
    auto seal = [&](size_t begin, size_t step) {
      auto c = load_agent_context(dir + "/agents/" + kPublisher + ".toml");
      if (!c.ok()) { failed = true; return; }
      PublishRequest req;
      req.topic = kTopic;
      req.type = "alert";
      req.json_text = doc;
      for (size_t i = begin; i < total; i += step) {
        auto e = prepare_envelope(**c, req);
        if (!e.ok()) {
          std::cerr << e.status().message() << "\n";
          failed = true;
          return;
        }
        envs[i] = std::move(e).value();
      }
    };
    const int64_t t0 = mono_ns();
    std::thread t1(seal, 0, 2), t2(seal, 1, 2);
    t1.join();
    t2.join();
    if (failed) return 1;
    emit("e2e.presealed", std::to_string(total));
    emit("e2e.envelope_bytes", std::to_string(envs[0].size()));
    emit("e2e.preseal_seconds", static_cast<double>(mono_ns() - t0) / 1e9, 1);
  }
  std::unordered_map<std::string, uint32_t> index_of;
  index_of.reserve(total * 2);
  for (size_t i = 0; i < total; ++i) index_of.emplace(id_key(envelope_id(envs[i])), static_cast<uint32_t>(i));
  if (index_of.size() != total) {
    std::cerr << "bench: envelope ids not found or not unique\n";
    return 1;
  }

  std::vector<int64_t> send_ns(total, 0);
  std::vector<int64_t> ack_ns(total, 0);  // PUBACK received
  std::vector<std::vector<int64_t>> recv_ns(3, std::vector<int64_t>(total, 0));
  std::atomic<int> ready{0};
  std::atomic<bool> stop{false};
  std::atomic<size_t> got_phase1[3] = {0, 0, 0};
  std::atomic<size_t> got_all[3] = {0, 0, 0};
  std::atomic<bool> sub_failed{false};

  auto subscriber = [&](int k) {
    auto c = load_agent_context(dir + "/agents/" + kReaders[k] + ".toml");
    if (!c.ok()) { std::cerr << c.status().message() << "\n"; sub_failed = true; ready++; return; }
    zmq::context_t zctx(1);
    Session s(zctx, endpoint, (*c)->identity, broker_pk);
    Status st = s.hello((*c)->bundle.serial, 10000);
    if (st.ok()) st = s.subscribe(1, kPattern, 10000);
    if (!st.ok()) { std::cerr << st.message() << "\n"; sub_failed = true; ready++; return; }
    ready++;
    Frames f;
    Bytes buf;
    MsgArgs m;
    // Acks are batched like relais-agent's: one ACK for everything received
    // so far, sent when the socket has nothing more (or the batch is full).
    AckBatch acks;
    auto flush_acks = [&] {
      if (acks.empty()) return;
      encode_args(acks.args(), &buf);
      s.send(Command::kAck, buf);
      acks.clear();
    };
    while (!stop.load(std::memory_order_relaxed)) {
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
      if (it == index_of.end() || recv_ns[k][it->second] != 0) continue;
      recv_ns[k][it->second] = now;
      if (it->second < o.count) got_phase1[k].fetch_add(1, std::memory_order_relaxed);
      got_all[k].fetch_add(1, std::memory_order_relaxed);
    }
  };
  std::vector<std::thread> subs;
  for (int k = 0; k < 3; ++k) subs.emplace_back(subscriber, k);
  while (ready.load() < 3) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto finish = [&](int rc) {
    stop = true;
    for (auto& t : subs) t.join();
    return rc;
  };
  if (sub_failed) return finish(1);

  zmq::context_t zctx(1);
  Session pub(zctx, endpoint, pc.identity, broker_pk);
  if (Status st = pub.hello(pc.bundle.serial, 10000); !st.ok()) {
    std::cerr << st.message() << "\n";
    return finish(1);
  }
  Bytes buf;
  Frames f;
  size_t acked = 0, errors = 0, in_flight = 0;
  std::string first_error;
  auto drain_acks = [&](int timeout_ms) {
    bool first = true;
    while (pub.recv(&f, first ? timeout_ms : 0)) {
      first = false;
      if (f.cmd == Command::kPubAck) {
        ++acked;
        --in_flight;
        PubAckArgs pa;
        if (decode_args(f.args, &pa).ok() && pa.req_id >= 1 && pa.req_id <= total) ack_ns[pa.req_id - 1] = mono_ns();
      } else if (f.cmd == Command::kError) {
        ErrorArgs e;
        if (decode_args(f.args, &e).ok() && e.req_id != 0) {
          ++errors;
          --in_flight;
          if (first_error.empty()) first_error = e.reason;
        }
      }
    }
  };
  auto send_one = [&](size_t i) {
    PubArgs p{i + 1};
    encode_args(p, &buf);
    send_ns[i] = mono_ns();
    pub.send(Command::kPub, buf, envs[i]);
    ++in_flight;
  };
  auto all_received = [&](std::atomic<size_t>* counters, size_t want) {
    for (int k = 0; k < 3; ++k)
      if (counters[k].load() < want) return false;
    return true;
  };

  // Phase 1: throughput with a window of PUBs in flight.
  const auto cpu0 = process_cpu_seconds(o.broker_pid);
  BytesPerMessage bytes(o.broker_pid);  // wire and disk bytes of phase 1
  BrokerTimings timings(o.metrics_port);
  timings.take();
  bytes.start();
  const int64_t t_start = mono_ns();
  const int64_t deadline = t_start + int64_t{o.timeout_s} * 1000000000;
  size_t next = 0;
  while ((next < o.count || !all_received(got_phase1, o.count - errors)) && mono_ns() < deadline) {
    while (next < o.count && in_flight < o.window) send_one(next++);
    drain_acks(next < o.count ? 1 : 5);
    pub.keepalive();
  }
  const int64_t t_acked_all = mono_ns();
  const auto cpu1 = process_cpu_seconds(o.broker_pid);
  bytes.emit("e2e", o.count);
  timings.emit("e2e.throughput");
  // The broker's data folder (relais-admin init: DIR/data) after phase 1, per
  // message stored (the deployment is fresh: phase 1's messages are all it holds).
  if (auto data = folder_file_bytes(dir + "/data"); data && acked > 0) {
    emit("e2e.data_bytes", std::to_string(*data));
    emit("e2e.data_bytes_per_msg", static_cast<double>(*data) / static_cast<double>(acked), 0);
  }
  int64_t t_last = 0;
  size_t delivered = 0;
  for (int k = 0; k < 3; ++k)
    for (size_t i = 0; i < o.count; ++i)
      if (recv_ns[k][i] != 0) { t_last = std::max(t_last, recv_ns[k][i]); ++delivered; }
  const double secs = static_cast<double>(std::max(t_last, t_start + 1) - t_start) / 1e9;
  const double rate = static_cast<double>(delivered) / 3.0 / secs;
  emit("e2e.count", std::to_string(o.count));
  emit("e2e.window", std::to_string(o.window));
  emit("e2e.acked", std::to_string(acked));
  emit("e2e.errors", std::to_string(errors));
  if (!first_error.empty()) emit("e2e.first_error", first_error);
  emit("e2e.delivered_per_subscriber", static_cast<double>(delivered) / 3.0, 0);
  emit("e2e.complete", delivered == 3 * o.count ? "yes" : "no");
  emit("e2e.seconds", secs, 3);
  emit("e2e.msgs_per_s", rate, 0);
  emit("e2e.wall_seconds_incl_drain", static_cast<double>(t_acked_all - t_start) / 1e9, 3);
  if (cpu0 && cpu1 && delivered > 0)
    emit("e2e.broker_cpu_us_per_msg", (*cpu1 - *cpu0) * 1e6 / static_cast<double>(o.count), 1);

  // One latency point: n messages from `first`, paced at `rate`; keys
  // <prefix>.p50_ms, .p99_ms, .p999_ms, .puback_*, .latency_samples.
  auto latency_point = [&](const std::string& prefix, size_t first, size_t n, double point_rate) {
    const size_t errors_before = errors;
    timings.take();
    run_paced(
        n, point_rate, [&] { return in_flight < o.window; }, [&](size_t i) { send_one(first + i); },
        [&] {
          drain_acks(0);
          pub.keepalive();
        },
        [&] { return all_received(got_all, first + n - errors); }, [&](int ms) { drain_acks(ms); });
    size_t missing = 0;
    LatencyRecorder lat = deliver_latencies(recv_ns, send_ns, first, n, &missing);
    emit(prefix + ".latency_rate", point_rate, 0);
    emit(prefix + ".latency_msgs", std::to_string(n));
    emit(prefix + ".latency_samples", std::to_string(lat.size()));
    emit(prefix + ".latency_missing", std::to_string(missing));
    emit(prefix + ".latency_errors", std::to_string(errors - errors_before));
    timings.emit(prefix);
    LatencyRecorder ack_lat;
    for (size_t j = first; j < first + n; ++j)
      if (ack_ns[j] != 0 && send_ns[j] != 0) ack_lat.add(ack_ns[j] - send_ns[j]);
    if (ack_lat.size() > 0) {
      emit(prefix + ".puback_p50_ms", ack_lat.percentile_ms(50), 3);
      emit(prefix + ".puback_p99_ms", ack_lat.percentile_ms(99), 3);
    }
    emit(prefix + ".p50_ms", lat.percentile_ms(50), 3);
    emit(prefix + ".p99_ms", lat.percentile_ms(99), 3);
    emit(prefix + ".p999_ms", lat.percentile_ms(99.9), 3);
  };
  // Phase 2: paced at half the measured rate, for latency_seconds or until
  // min_samples, whichever is more (within latency_count).
  if (o.latency_count > 0 && rate > 0) {
    const double paced = rate / 2.0;
    const size_t by_time = static_cast<size_t>(paced * o.latency_seconds) + 1;
    const size_t n = std::min<size_t>(o.latency_count, std::max(by_time, per_point));
    latency_point("e2e", o.count, n, paced);
  }
  // Phase 3: fixed ordinary loads.
  size_t first = o.count + o.latency_count;
  for (double r : o.fixed_rates) {
    if (r <= 0) continue;
    latency_point("e2e.at_" + std::to_string(static_cast<long>(r)), first, per_point, r);
    first += per_point;
  }
  if (auto hwm = process_status_kib(o.broker_pid, "VmHWM")) emit("e2e.broker_vmhwm_kib", std::to_string(*hwm));
  encode_empty_args(&buf);
  pub.send(Command::kBye, buf);
  return finish(0);
}

}  // namespace relais::bench
