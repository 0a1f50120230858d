// relais-bench forwarder: the transport's ceiling. A child process runs a
// bare ROUTER (CURVE server, no ZAP, no checks, no disk) that forwards every
// message from the one publisher DEALER to the 3 subscriber DEALERs; the
// parent runs the publisher and subscribers and measures. Subscribers do not
// ack: this is the raw CURVE forwarding cost.
#include <atomic>
#include <csignal>
#include <cstring>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <zmq.hpp>

#include "bench_util.h"
#include "curve_sockets.h"
#include "commands.h"

namespace relais::bench {
namespace {

[[noreturn]] void forwarder_child(const std::string& endpoint, const CurveKeypair& server, int ready_fd) {
  zmq::context_t ctx(1);
  zmq::socket_t router = curve_router(ctx, server);
  router.bind(endpoint);
  const char ok = 'r';
  (void)!write(ready_fd, &ok, 1);
  close(ready_fd);
  std::vector<std::string> subs;
  while (true) {
    zmq::message_t rid, body;
    if (!router.recv(rid) || !router.recv(body)) continue;
    if (body.size() == 1 && static_cast<const char*>(body.data())[0] == 'S') {
      subs.emplace_back(static_cast<const char*>(rid.data()), rid.size());
      continue;
    }
    for (const auto& s : subs) {
      zmq::message_t copy;
      copy.copy(body);
      router.send(zmq::buffer(s), zmq::send_flags::sndmore);
      router.send(copy, zmq::send_flags::none);
    }
  }
}

}  // namespace

int run_forwarder(const ForwarderOptions& o) {
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(o.port);
  CurveKeypair server, client;
  int fds[2];
  if (pipe(fds) != 0) return 1;
  const pid_t child = fork();
  if (child < 0) return 1;
  if (child == 0) {
    close(fds[0]);
    forwarder_child(endpoint, server, fds[1]);
  }
  close(fds[1]);
  char c = 0;
  if (read(fds[0], &c, 1) != 1) {
    std::cerr << "bench: the forwarder did not start\n";
    return 1;
  }
  close(fds[0]);
  auto stop_child = [&] {
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
  };

  zmq::context_t ctx(1);
  auto make_dealer = [&] { return curve_dealer(ctx, endpoint, server, client); };
  std::atomic<size_t> got[3] = {0, 0, 0};
  std::atomic<int> ready{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> subs;
  for (int k = 0; k < 3; ++k)
    subs.emplace_back([&, k] {
      zmq::socket_t s = make_dealer();
      s.send(zmq::str_buffer("S"), zmq::send_flags::none);
      ready++;
      s.set(zmq::sockopt::rcvtimeo, 100);
      while (!stop.load(std::memory_order_relaxed)) {
        zmq::message_t m;
        if (s.recv(m)) got[k].fetch_add(1, std::memory_order_relaxed);
      }
    });
  while (ready.load() < 3) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // CURVE handshakes and registrations

  zmq::socket_t pub = make_dealer();
  std::vector<uint8_t> payload(o.body_bytes, 'x');
  // Warm up: the publisher's handshake.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto cpu0 = process_cpu_seconds(child);
  const int64_t t0 = mono_ns();
  const int64_t deadline = t0 + int64_t{o.timeout_s} * 1000000000;
  for (size_t i = 0; i < o.count; ++i) {
    std::memcpy(payload.data(), &i, sizeof i);
    pub.send(zmq::buffer(payload), zmq::send_flags::none);
  }
  auto done = [&] {
    for (auto& g : got)
      if (g.load() < o.count) return false;
    return true;
  };
  while (!done() && mono_ns() < deadline) std::this_thread::sleep_for(std::chrono::microseconds(200));
  const int64_t t1 = mono_ns();
  const auto cpu1 = process_cpu_seconds(child);
  const auto hwm = process_status_kib(child, "VmHWM");
  stop = true;
  for (auto& t : subs) t.join();
  stop_child();
  size_t delivered = got[0] + got[1] + got[2];
  const double secs = static_cast<double>(t1 - t0) / 1e9;
  emit("fwd.count", std::to_string(o.count));
  emit("fwd.complete", delivered == 3 * o.count ? "yes" : "no");
  emit("fwd.seconds", secs, 3);
  emit("fwd.msgs_per_s", static_cast<double>(delivered) / 3.0 / secs, 0);
  if (cpu0 && cpu1) emit("fwd.cpu_us_per_msg", (*cpu1 - *cpu0) * 1e6 / static_cast<double>(o.count), 1);
  if (hwm) emit("fwd.vmhwm_kib", std::to_string(*hwm));
  return 0;
}

}  // namespace relais::bench
