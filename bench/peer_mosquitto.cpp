// relais-bench-mosquitto: the same load on Eclipse Mosquitto through
// libmosquitto: 1 publisher -> 3 subscribers (persistent sessions), QoS 1,
// 1 KB payloads, a window of PUBLISHes in flight, then a paced latency phase
// at half the rate. The broker is started by bench/run.sh with persistence.
// Payload = 8-byte send time (CLOCK_MONOTONIC ns) + padding.
// With --tls-ca FILE every client connects over TLS (1.2 or later), checking
// the broker's certificate against that CA and the address 127.0.0.1; the
// keys are then mqtt_tls.* instead of mqtt.*. Around the throughput phase it
// also reports bytes per message on the loopback wire and written to disk by
// the broker (bench_util.h BytesPerMessage).
#include <mosquitto.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"

using namespace relais::bench;

namespace {

struct Sub {
  std::atomic<size_t> got{0};
  std::atomic<bool> subscribed{false};
  std::mutex mu;
  LatencyRecorder lat;
  std::atomic<bool> record{false};
};

struct Pub {
  std::mutex mu;
  std::condition_variable cv;
  size_t in_flight = 0;
  std::atomic<size_t> acked{0};
  std::atomic<bool> connected{false};
};

void on_message(mosquitto*, void* obj, const mosquitto_message* m) {
  auto* s = static_cast<Sub*>(obj);
  const int64_t now = mono_ns();
  if (s->record.load(std::memory_order_relaxed) && m->payloadlen >= 8) {
    int64_t sent = 0;
    std::memcpy(&sent, m->payload, 8);
    std::lock_guard lk(s->mu);
    s->lat.add(now - sent);
  }
  s->got.fetch_add(1, std::memory_order_relaxed);
}
void on_subscribe(mosquitto*, void* obj, int, int, const int*) { static_cast<Sub*>(obj)->subscribed = true; }
void on_publish(mosquitto*, void* obj, int) {
  auto* p = static_cast<Pub*>(obj);
  {
    std::lock_guard lk(p->mu);
    --p->in_flight;
  }
  p->acked.fetch_add(1, std::memory_order_relaxed);
  p->cv.notify_one();
}
void on_connect(mosquitto*, void* obj, int rc) {
  if (rc == 0) static_cast<Pub*>(obj)->connected = true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 && !(argc == 7 && std::strcmp(argv[5], "--tls-ca") == 0)) {
    std::fprintf(stderr, "usage: relais-bench-mosquitto PORT COUNT LATENCY_SECONDS BROKER_PID [--tls-ca CA_FILE]\n");
    return 2;
  }
  const char* tls_ca = argc == 7 ? argv[6] : nullptr;
  const std::string key = tls_ca ? "mqtt_tls" : "mqtt";
  // Every client: TLS with the CA (peer verification and host name check are
  // libmosquitto's defaults once a CA is set).
  auto secure = [&](mosquitto* m) {
    if (!tls_ca) return true;
    const int rc = mosquitto_tls_set(m, tls_ca, nullptr, nullptr, nullptr, nullptr);
    if (rc != MOSQ_ERR_SUCCESS) std::fprintf(stderr, "bench: mosquitto TLS setup with %s: %s\n", tls_ca, mosquitto_strerror(rc));
    return rc == MOSQ_ERR_SUCCESS;
  };
  const int port = std::atoi(argv[1]);
  const size_t count = std::strtoull(argv[2], nullptr, 10);
  const double lat_seconds = std::atof(argv[3]);
  const int broker_pid = std::atoi(argv[4]);
  const size_t window = 1000;
  const char* topic = "alert/suspected_trafficking/maritime/golfe";
  mosquitto_lib_init();
  Sub subs[3];
  std::vector<mosquitto*> sub_clients;
  for (int k = 0; k < 3; ++k) {
    const std::string id = "bench-sub-" + std::to_string(k);
    mosquitto* m = mosquitto_new(id.c_str(), false, &subs[k]);
    mosquitto_message_callback_set(m, on_message);
    mosquitto_subscribe_callback_set(m, on_subscribe);
    if (!secure(m)) return 1;
    if (const int rc = mosquitto_connect(m, "127.0.0.1", port, 60); rc != MOSQ_ERR_SUCCESS) {
      std::fprintf(stderr, "bench: cannot connect to mosquitto on port %d: %s\n", port, mosquitto_strerror(rc));
      return 1;
    }
    mosquitto_subscribe(m, nullptr, "alert/+/maritime/golfe", 1);
    mosquitto_loop_start(m);
    sub_clients.push_back(m);
  }
  Pub pub;
  mosquitto* p = mosquitto_new("bench-pub", true, &pub);
  mosquitto_max_inflight_messages_set(p, static_cast<unsigned>(window));
  mosquitto_publish_callback_set(p, on_publish);
  mosquitto_connect_callback_set(p, on_connect);
  if (!secure(p)) return 1;
  if (const int rc = mosquitto_connect(p, "127.0.0.1", port, 60); rc != MOSQ_ERR_SUCCESS) {
    std::fprintf(stderr, "bench: the publisher cannot connect to mosquitto on port %d: %s\n", port, mosquitto_strerror(rc));
    return 1;
  }
  mosquitto_loop_start(p);
  const int64_t wait_until = mono_ns() + 10000000000;
  while (mono_ns() < wait_until &&
         !(pub.connected && subs[0].subscribed && subs[1].subscribed && subs[2].subscribed))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (!(pub.connected && subs[0].subscribed && subs[1].subscribed && subs[2].subscribed)) {
    std::fprintf(stderr, "bench: the mosquitto clients were not all connected and subscribed after 10 s%s\n",
                 tls_ca ? " (was the broker's TLS certificate refused? it must be signed by the CA and name 127.0.0.1)" : "");
    return 1;
  }
  std::vector<uint8_t> payload(1024, 'x');
  auto publish = [&] {
    {
      std::unique_lock lk(pub.mu);
      pub.cv.wait(lk, [&] { return pub.in_flight < window; });
      ++pub.in_flight;
    }
    const int64_t now = mono_ns();
    std::memcpy(payload.data(), &now, 8);
    mosquitto_publish(p, nullptr, topic, static_cast<int>(payload.size()), payload.data(), 1, false);
  };
  auto received_all = [&](size_t n) {
    for (auto& s : subs)
      if (s.got.load() < n) return false;
    return true;
  };
  const auto cpu0 = process_cpu_seconds(broker_pid);
  BytesPerMessage bytes(broker_pid);
  bytes.start();
  const int64_t t0 = mono_ns();
  for (size_t i = 0; i < count; ++i) publish();
  const int64_t deadline = t0 + 90000000000;
  while (!received_all(count) && mono_ns() < deadline) std::this_thread::sleep_for(std::chrono::microseconds(200));
  const int64_t t1 = mono_ns();
  const auto cpu1 = process_cpu_seconds(broker_pid);
  bytes.emit(key, count);
  size_t delivered = subs[0].got + subs[1].got + subs[2].got;
  const double secs = static_cast<double>(t1 - t0) / 1e9;
  const double rate = static_cast<double>(delivered) / 3.0 / secs;
  emit(key + ".count", std::to_string(count));
  emit(key + ".complete", delivered == 3 * count ? "yes" : "no");
  emit(key + ".seconds", secs, 3);
  emit(key + ".msgs_per_s", rate, 0);
  if (cpu0 && cpu1) emit(key + ".broker_cpu_us_per_msg", (*cpu1 - *cpu0) * 1e6 / static_cast<double>(count), 1);

  // Latency at half the rate.
  for (auto& s : subs) s.record = true;
  const double paced = rate / 2.0;
  const size_t n = static_cast<size_t>(paced * lat_seconds);
  const double period = 1e9 / paced;
  const int64_t p0 = mono_ns();
  for (size_t i = 0; i < n; ++i) {
    const int64_t due = p0 + static_cast<int64_t>(period * static_cast<double>(i));
    if (due > mono_ns()) sleep_until_ns(due);
    publish();
  }
  const int64_t d2 = mono_ns() + 20000000000;
  while (!received_all(count + n) && mono_ns() < d2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  LatencyRecorder all;
  for (auto& s : subs) {
    std::lock_guard lk(s.mu);
    all.merge(s.lat);
  }
  emit(key + ".latency_rate", paced, 0);
  emit(key + ".latency_msgs", std::to_string(n));
  emit(key + ".latency_samples", std::to_string(all.size()));
  emit(key + ".p50_ms", all.percentile_ms(50), 3);
  emit(key + ".p99_ms", all.percentile_ms(99), 3);
  emit(key + ".p999_ms", all.percentile_ms(99.9), 3);
  if (auto hwm = process_status_kib(broker_pid, "VmHWM")) emit(key + ".broker_vmhwm_kib", std::to_string(*hwm));
  for (auto* m : sub_clients) {
    mosquitto_disconnect(m);
    mosquitto_loop_stop(m, true);
    mosquitto_destroy(m);
  }
  mosquitto_disconnect(p);
  mosquitto_loop_stop(p, true);
  mosquitto_destroy(p);
  mosquitto_lib_cleanup();
  return 0;
}
