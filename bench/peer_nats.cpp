// relais-bench-nats: the same load on NATS JetStream through libnats: a file
// stream on alert.>, 3 durable push consumers with explicit acks (each gets
// every message), 1 publisher with js_PublishAsync (MaxPending = the window),
// then a paced latency phase at half the rate. nats-server -js is started by
// bench/run.sh with a temporary store dir.
// Payload = 8-byte send time (CLOCK_MONOTONIC ns) + padding.
// With --tls-ca FILE the connection is TLS (natsOptions_SetSecure), checking
// the server's certificate against that CA; the keys are then nats_tls.*
// instead of nats.*. Around the throughput phase it also reports bytes per
// message on the loopback wire and written to disk by the server
// (bench_util.h BytesPerMessage).
#include <nats/nats.h>

#include <atomic>
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
  std::atomic<bool> record{false};
  std::mutex mu;
  LatencyRecorder lat;
};

void on_msg(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  auto* s = static_cast<Sub*>(closure);
  const int64_t now = mono_ns();
  if (s->record.load(std::memory_order_relaxed) && natsMsg_GetDataLength(msg) >= 8) {
    int64_t sent = 0;
    std::memcpy(&sent, natsMsg_GetData(msg), 8);
    std::lock_guard lk(s->mu);
    s->lat.add(now - sent);
  }
  natsMsg_Ack(msg, nullptr);
  natsMsg_Destroy(msg);
  s->got.fetch_add(1, std::memory_order_relaxed);
}

int fail(const char* what, natsStatus s) {
  std::fprintf(stderr, "bench: nats %s: %s\n", what, natsStatus_GetText(s));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 && !(argc == 7 && std::strcmp(argv[5], "--tls-ca") == 0)) {
    std::fprintf(stderr, "usage: relais-bench-nats PORT COUNT LATENCY_SECONDS BROKER_PID [--tls-ca CA_FILE]\n");
    return 2;
  }
  const char* tls_ca = argc == 7 ? argv[6] : nullptr;
  const std::string key = tls_ca ? "nats_tls" : "nats";
  const std::string url = std::string("nats://127.0.0.1:") + argv[1];
  const size_t count = std::strtoull(argv[2], nullptr, 10);
  const double lat_seconds = std::atof(argv[3]);
  const int broker_pid = std::atoi(argv[4]);
  const int64_t window = 1000;
  natsOptions* opts = nullptr;
  natsStatus s = natsOptions_Create(&opts);
  if (s == NATS_OK) s = natsOptions_SetURL(opts, url.c_str());
  if (s == NATS_OK && tls_ca) s = natsOptions_SetSecure(opts, true);
  if (s == NATS_OK && tls_ca) s = natsOptions_LoadCATrustedCertificates(opts, tls_ca);
  if (s != NATS_OK) return fail(tls_ca ? "TLS options (is the CA file readable?)" : "options", s);
  natsConnection* nc = nullptr;
  s = NATS_ERR;
  for (int i = 0; i < 100 && s != NATS_OK; ++i) {
    s = natsConnection_Connect(&nc, opts);
    if (s != NATS_OK) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (s != NATS_OK) {
    std::fprintf(stderr, "bench: nats: %s\n", nats_GetLastError(nullptr));
    return fail("connect", s);
  }
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.PublishAsync.MaxPending = window;
  jsCtx* js = nullptr;
  if ((s = natsConnection_JetStream(&js, nc, &jo)) != NATS_OK) return fail("jetstream", s);
  jsStreamConfig sc;
  jsStreamConfig_Init(&sc);
  sc.Name = "BENCH";
  const char* subjects[] = {"alert.>"};
  sc.Subjects = subjects;
  sc.SubjectsLen = 1;
  sc.Storage = js_FileStorage;
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  if ((s = js_AddStream(&si, js, &sc, nullptr, &jerr)) != NATS_OK) return fail("add stream", s);
  jsStreamInfo_Destroy(si);

  Sub subs[3];
  std::vector<natsSubscription*> nsubs;
  for (int k = 0; k < 3; ++k) {
    jsSubOptions so;
    jsSubOptions_Init(&so);
    const std::string durable = "sub" + std::to_string(k);
    so.Stream = "BENCH";
    so.Config.Durable = durable.c_str();
    so.Config.AckPolicy = js_AckExplicit;
    so.Config.MaxAckPending = 1000;
    so.ManualAck = true;
    natsSubscription* sub = nullptr;
    if ((s = js_Subscribe(&sub, js, "alert.*.maritime.golfe", on_msg, &subs[k], nullptr, &so, &jerr)) != NATS_OK)
      return fail("subscribe", s);
    natsSubscription_SetPendingLimits(sub, -1, -1);
    nsubs.push_back(sub);
  }
  const char* subject = "alert.suspected_trafficking.maritime.golfe";
  std::vector<uint8_t> payload(1024, 'x');
  auto publish = [&] {
    const int64_t now = mono_ns();
    std::memcpy(payload.data(), &now, 8);
    natsStatus ps = js_PublishAsync(js, subject, payload.data(), static_cast<int>(payload.size()), nullptr);
    while (ps == NATS_TIMEOUT) ps = js_PublishAsync(js, subject, payload.data(), static_cast<int>(payload.size()), nullptr);
    return ps;
  };
  auto received_all = [&](size_t n) {
    for (auto& x : subs)
      if (x.got.load() < n) return false;
    return true;
  };
  const auto cpu0 = process_cpu_seconds(broker_pid);
  BytesPerMessage bytes(broker_pid);
  bytes.start();
  const int64_t t0 = mono_ns();
  size_t pub_errors = 0;
  for (size_t i = 0; i < count; ++i)
    if (publish() != NATS_OK) ++pub_errors;
  js_PublishAsyncComplete(js, nullptr);
  const int64_t deadline = t0 + 90000000000;
  while (!received_all(count) && mono_ns() < deadline) std::this_thread::sleep_for(std::chrono::microseconds(200));
  const int64_t t1 = mono_ns();
  const auto cpu1 = process_cpu_seconds(broker_pid);
  bytes.emit(key, count);
  const size_t delivered = subs[0].got + subs[1].got + subs[2].got;
  const double secs = static_cast<double>(t1 - t0) / 1e9;
  const double rate = static_cast<double>(delivered) / 3.0 / secs;
  emit(key + ".count", std::to_string(count));
  emit(key + ".publish_errors", std::to_string(pub_errors));
  emit(key + ".complete", delivered == 3 * count ? "yes" : "no");
  emit(key + ".seconds", secs, 3);
  emit(key + ".msgs_per_s", rate, 0);
  if (cpu0 && cpu1) emit(key + ".broker_cpu_us_per_msg", (*cpu1 - *cpu0) * 1e6 / static_cast<double>(count), 1);

  for (auto& x : subs) x.record = true;
  const double paced = rate / 2.0;
  const size_t n = static_cast<size_t>(paced * lat_seconds);
  const double period = 1e9 / paced;
  const int64_t p0 = mono_ns();
  for (size_t i = 0; i < n; ++i) {
    const int64_t due = p0 + static_cast<int64_t>(period * static_cast<double>(i));
    if (due > mono_ns()) sleep_until_ns(due);
    publish();
  }
  js_PublishAsyncComplete(js, nullptr);
  const int64_t d2 = mono_ns() + 20000000000;
  while (!received_all(count + n) && mono_ns() < d2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  LatencyRecorder all;
  for (auto& x : subs) {
    std::lock_guard lk(x.mu);
    all.merge(x.lat);
  }
  emit(key + ".latency_rate", paced, 0);
  emit(key + ".latency_msgs", std::to_string(n));
  emit(key + ".latency_samples", std::to_string(all.size()));
  emit(key + ".p50_ms", all.percentile_ms(50), 3);
  emit(key + ".p99_ms", all.percentile_ms(99), 3);
  emit(key + ".p999_ms", all.percentile_ms(99.9), 3);
  if (auto hwm = process_status_kib(broker_pid, "VmHWM")) emit(key + ".broker_vmhwm_kib", std::to_string(*hwm));
  for (auto* sub : nsubs) {
    natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
  }
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  natsOptions_Destroy(opts);
  nats_Close();
  return 0;
}
