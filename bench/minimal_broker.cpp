// relais-bench minimal: the "minimal secure broker" (docs/performance.md
// §The bar), measured on this machine in the same run as Relais, so that the
// performance targets' ratios can be judged against what a broker doing only
// the essential secure work reaches here. It is the bar Relais should
// approach, not a product.
//
// A child process is the broker (its CPU time and VmHWM are read from /proc,
// like the forwarder's). It does exactly this, nothing more:
//   - one ROUTER, CURVE server, with a ZAP handler thread
//     (inproc://zeromq.zap.01) that admits only the 4 client public keys
//     (ZMQ_ZAP_ENFORCE_DOMAIN set; messages without a User-Id are dropped);
//   - per published message, ONE Ed25519 verify (crypto_sign_verify_detached)
//     over the ~1.6 KB payload, on 2 worker threads;
//   - a writer thread appends the verified messages to a file with a group
//     commit: it batches what arrived, writes it, fdatasyncs, at most once
//     every 2 ms (the first message after an idle period is synced at once);
//   - only after its batch is synced, the main thread acks each message to the
//     publisher and forwards it to the 3 subscribers, which ack (batched); the
//     broker consumes those acks.
// The parent runs 1 publisher + 3 subscribers. The publisher signs every
// message in advance, sends with a window of in-flight messages, then a
// latency phase paced at half the measured rate (like e2e.cpp).
//
// Wire (one frame after the ROUTER identity):
//   client -> broker: 'S' subscribe | 'H' ping | 'A' u64 count (sub acks)
//                     'P' sig[64] payload (payload starts with the u64 index)
//   broker -> client: 'H' pong | 'K' u64 index (durable ack) | 'E' u64 index
//                     (bad signature) | the 'P' frame itself (delivery)
#include <sodium.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <new>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "bench_util.h"
#include "curve_sockets.h"
#include "commands.h"

namespace relais::bench {
namespace {

// The e2e envelope for a 1 KB body is ~1675 bytes (routing header, 3 sealed
// keys, padding): the signed payload carries the same overhead.
constexpr size_t kEnvelopeOverhead = 651;
constexpr size_t kSigBytes = crypto_sign_BYTES;
constexpr size_t kIndexOffset = 1 + kSigBytes;  // in a 'P' frame
constexpr auto kGroupCommit = std::chrono::milliseconds(2);
constexpr int kClients = 4;  // publisher + 3 subscribers
constexpr const char* kZapDomain = "relais-minimal";
constexpr int kZmqZapEnforceDomain = 93;  // ZMQ_ZAP_ENFORCE_DOMAIN (draft name)

// Counters the child updates and the parent reads: an anonymous shared
// mapping created before fork (lock-free atomics work across processes).
struct SharedStats {
  std::atomic<uint64_t> syncs{0};
  std::atomic<uint64_t> verified{0};
  std::atomic<uint64_t> bad_signatures{0};
  std::atomic<uint64_t> subscribers{0};
  std::atomic<uint64_t> sub_acks{0};
  std::atomic<uint64_t> zap_allowed{0};
  std::atomic<uint64_t> zap_refused{0};
  std::atomic<uint64_t> write_errors{0};
};
static_assert(std::atomic<uint64_t>::is_always_lock_free);

struct Keys {
  CurveKeypair server;
  CurveKeypair clients[kClients];  // [0] publisher, [1..3] subscribers
  CurveKeypair stranger;           // not on the allowlist
  uint8_t sign_pk[crypto_sign_PUBLICKEYBYTES] = {};
  uint8_t sign_sk[crypto_sign_SECRETKEYBYTES] = {};
  Keys() { crypto_sign_keypair(sign_pk, sign_sk); }
  ~Keys() { sodium_memzero(sign_sk, sizeof sign_sk); }
};

uint64_t read_u64(const void* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// ---- the broker (child process) -------------------------------------------

struct Job {
  std::string rid;
  zmq::message_t body;  // 'P' sig payload
  bool ok = false;
};
using Batch = std::vector<Job>;

// A mutex + condition variable queue of jobs (verify queue, write queue).
class JobQueue {
 public:
  // Moves every job of *b into the queue (one lock, one wake-up) and clears it.
  void push_all(Batch& b) {
    if (b.empty()) return;
    {
      std::lock_guard<std::mutex> lk(mu_);
      for (auto& j : b) q_.push_back(std::move(j));
    }
    b.clear();
    cv_.notify_all();
  }
  // Moves up to `max` jobs into *out, waiting up to 100 ms for the first.
  void pop_some(Batch* out, size_t max) {
    std::unique_lock<std::mutex> lk(mu_);
    cv_.wait_for(lk, std::chrono::milliseconds(100), [&] { return !q_.empty(); });
    while (!q_.empty() && out->size() < max) {
      out->push_back(std::move(q_.front()));
      q_.pop_front();
    }
  }
  bool wait_nonempty() {
    std::unique_lock<std::mutex> lk(mu_);
    return cv_.wait_for(lk, std::chrono::milliseconds(100), [&] { return !q_.empty(); });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> q_;
};

void zap_handler(zmq::context_t* ctx, const Keys* keys, SharedStats* stats, std::atomic<bool>* bound) {
  zmq::socket_t rep(*ctx, zmq::socket_type::rep);
  rep.set(zmq::sockopt::linger, 0);
  rep.bind("inproc://zeromq.zap.01");
  *bound = true;
  while (true) {
    std::vector<zmq::message_t> req;
    if (!zmq::recv_multipart(rep, std::back_inserter(req))) continue;
    bool allowed = false;
    std::string user;
    // version, request id, domain, address, identity, mechanism, key
    if (req.size() >= 7 && req[5].to_string_view() == "CURVE" && req[6].size() == 32 &&
        req[2].to_string_view() == kZapDomain) {
      for (int i = 0; i < kClients; ++i)
        if (std::memcmp(req[6].data(), keys->clients[i].raw_pub, 32) == 0) {
          allowed = true;
          user = i == 0 ? "pub" : "sub" + std::to_string(i);
        }
    }
    (allowed ? stats->zap_allowed : stats->zap_refused).fetch_add(1);
    std::array<zmq::const_buffer, 6> reply = {
        zmq::str_buffer("1.0"),
        zmq::buffer(req.size() > 1 ? req[1].to_string_view() : std::string_view()),
        allowed ? zmq::str_buffer("200") : zmq::str_buffer("400"),
        allowed ? zmq::str_buffer("OK") : zmq::str_buffer("not on the allowlist"),
        zmq::buffer(user),
        zmq::const_buffer()};
    zmq::send_multipart(rep, reply);
  }
}

void verify_worker(JobQueue* in, JobQueue* out, const Keys* keys, SharedStats* stats) {
  Batch jobs;
  jobs.reserve(64);
  while (true) {
    in->pop_some(&jobs, 32);
    for (auto& j : jobs) {
      const auto* b = static_cast<const uint8_t*>(j.body.data());
      j.ok = j.body.size() >= kIndexOffset + 8 &&
             crypto_sign_verify_detached(b + 1, b + kIndexOffset, j.body.size() - kIndexOffset, keys->sign_pk) == 0;
      (j.ok ? stats->verified : stats->bad_signatures).fetch_add(1, std::memory_order_relaxed);
    }
    out->push_all(jobs);
  }
}

// Group commit: waits for verified jobs; syncs at most every kGroupCommit;
// hands each synced batch to the main thread (a pointer over inproc PUSH).
void writer(zmq::context_t* ctx, JobQueue* in, int fd, SharedStats* stats) {
  zmq::socket_t done(*ctx, zmq::socket_type::push);
  done.set(zmq::sockopt::sndhwm, 0);
  done.connect("inproc://minimal.done");
  std::vector<uint8_t> buf;
  auto last_sync = std::chrono::steady_clock::now() - kGroupCommit;
  while (true) {
    if (!in->wait_nonempty()) continue;
    std::this_thread::sleep_until(last_sync + kGroupCommit);
    auto* batch = new Batch();
    in->pop_some(batch, SIZE_MAX);
    last_sync = std::chrono::steady_clock::now();
    buf.clear();
    for (const auto& j : *batch) {
      if (!j.ok) continue;
      const uint32_t len = static_cast<uint32_t>(j.body.size());
      const auto* b = static_cast<const uint8_t*>(j.body.data());
      buf.insert(buf.end(), reinterpret_cast<const uint8_t*>(&len), reinterpret_cast<const uint8_t*>(&len) + 4);
      buf.insert(buf.end(), b, b + len);
    }
    size_t off = 0;
    bool ok = true;
    while (off < buf.size()) {
      const ssize_t n = write(fd, buf.data() + off, buf.size() - off);
      if (n <= 0) { ok = false; break; }
      off += static_cast<size_t>(n);
    }
    if (ok && fdatasync(fd) != 0) ok = false;
    stats->syncs.fetch_add(1, std::memory_order_relaxed);
    if (!ok) {  // never ack what was not written
      stats->write_errors.fetch_add(1);
      for (auto& j : *batch) j.ok = false;
    }
    done.send(zmq::buffer(&batch, sizeof batch), zmq::send_flags::none);
  }
}

[[noreturn]] void broker_child(const std::string& endpoint, const Keys& keys, const std::string& log_path,
                               SharedStats* stats, int ready_fd) {
  const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) _exit(3);
  zmq::context_t ctx(1);
  std::atomic<bool> zap_bound{false};
  std::thread(zap_handler, &ctx, &keys, stats, &zap_bound).detach();
  while (!zap_bound) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  zmq::socket_t done(ctx, zmq::socket_type::pull);
  done.set(zmq::sockopt::rcvhwm, 0);
  done.bind("inproc://minimal.done");
  JobQueue verify_q, write_q;
  for (int i = 0; i < 2; ++i) std::thread(verify_worker, &verify_q, &write_q, &keys, stats).detach();
  std::thread(writer, &ctx, &write_q, fd, stats).detach();

  zmq::socket_t router = curve_router(ctx, keys.server);
  router.set(zmq::sockopt::zap_domain, kZapDomain);
  const int one = 1;
  if (zmq_setsockopt(router.handle(), kZmqZapEnforceDomain, &one, sizeof one) != 0) _exit(4);
  router.bind(endpoint);
  const char ok = 'r';
  (void)!write(ready_fd, &ok, 1);
  close(ready_fd);

  std::vector<std::string> subs;
  std::string pub_rid;
  zmq::pollitem_t items[2] = {{router.handle(), 0, ZMQ_POLLIN, 0}, {done.handle(), 0, ZMQ_POLLIN, 0}};
  auto send_to = [&](const std::string& rid, zmq::message_t& m) {
    router.send(zmq::buffer(rid), zmq::send_flags::sndmore);
    router.send(m, zmq::send_flags::none);
  };
  Batch incoming;  // handed to the verifiers once per poll round
  incoming.reserve(512);
  while (true) {
    zmq::poll(items, 2, std::chrono::milliseconds(100));
    for (int budget = 0; budget < 512; ++budget) {
      zmq::message_t rid, body;
      if (!router.recv(rid, zmq::recv_flags::dontwait)) break;
      if (!rid.more() || !router.recv(body)) continue;
      while (body.more()) {  // one frame expected: drop the rest
        zmq::message_t extra;
        (void)router.recv(extra);
      }
      const char* user = zmq_msg_gets(body.handle(), "User-Id");
      if (user == nullptr || body.size() == 0) continue;  // unauthenticated: drop
      const char kind = *static_cast<const char*>(body.data());
      std::string r(static_cast<const char*>(rid.data()), rid.size());
      if (kind == 'P' && std::strcmp(user, "pub") == 0 && body.size() >= kIndexOffset + 8) {
        incoming.push_back(Job{std::move(r), std::move(body), false});
      } else if (kind == 'A' && body.size() == 9) {
        stats->sub_acks.fetch_add(read_u64(static_cast<const char*>(body.data()) + 1), std::memory_order_relaxed);
      } else if (kind == 'S' && std::strncmp(user, "sub", 3) == 0) {
        subs.push_back(std::move(r));
        stats->subscribers.fetch_add(1);
      } else if (kind == 'H') {
        zmq::message_t pong(std::string_view("H"));
        send_to(r, pong);
      }
    }
    verify_q.push_all(incoming);
    while (true) {
      zmq::message_t m;
      if (!done.recv(m, zmq::recv_flags::dontwait)) break;
      Batch* batch = nullptr;
      std::memcpy(&batch, m.data(), sizeof batch);
      for (auto& j : *batch) {
        char reply[9];
        reply[0] = j.ok ? 'K' : 'E';
        std::memcpy(reply + 1, static_cast<const char*>(j.body.data()) + kIndexOffset, 8);
        zmq::message_t ack(reply, sizeof reply);
        send_to(j.rid, ack);
        if (!j.ok) continue;
        for (const auto& s : subs) {
          zmq::message_t copy;
          copy.copy(j.body);
          send_to(s, copy);
        }
      }
      delete batch;
    }
  }
}

// ---- the clients (parent process) -----------------------------------------

// Signs messages [first, first + n) into one buffer of frames of
// `frame_bytes` ('P' sig payload), on 2 threads.
std::vector<uint8_t> sign_frames(const Keys& keys, uint64_t first, size_t n, size_t frame_bytes) {
  std::vector<uint8_t> frames(n * frame_bytes);
  auto work = [&](size_t begin) {
    for (size_t i = begin; i < n; i += 2) {
      uint8_t* f = frames.data() + i * frame_bytes;
      f[0] = 'P';
      uint8_t* payload = f + kIndexOffset;
      const size_t len = frame_bytes - kIndexOffset;
      randombytes_buf(payload, len);
      const uint64_t index = first + i;
      std::memcpy(payload, &index, sizeof index);
      crypto_sign_detached(f + 1, nullptr, payload, len, keys.sign_sk);
    }
  };
  std::thread t1(work, 0), t2(work, 1);
  t1.join();
  t2.join();
  return frames;
}

// Waits up to `ms` for the fd to be readable.
bool wait_readable(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, ms) == 1;
}

}  // namespace

int run_minimal(const MinimalOptions& o) {
  if (sodium_init() < 0) return 1;
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(o.port);
  const size_t frame_bytes = kIndexOffset + std::max<size_t>(o.body_bytes + kEnvelopeOverhead, 8);
  Keys keys;

  std::string tmpl = (o.dir.empty() ? std::string("/tmp") : o.dir) + "/relais-minimal.XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    std::cerr << "bench: minimal: cannot create a folder under " << (o.dir.empty() ? "/tmp" : o.dir) << "\n";
    return 1;
  }
  const std::string tmp_dir = tmpl;
  const std::string log_path = tmp_dir + "/log";
  void* shm = mmap(nullptr, sizeof(SharedStats), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shm == MAP_FAILED) return 1;
  auto* stats = new (shm) SharedStats();

  int fds[2];
  if (pipe(fds) != 0) return 1;
  // Fork before any thread or big buffer exists in this process, so that the
  // child's VmHWM is its own.
  const pid_t child = fork();
  if (child < 0) return 1;
  if (child == 0) {
    close(fds[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    broker_child(endpoint, keys, log_path, stats, fds[1]);
  }
  close(fds[1]);
  uint64_t log_bytes = 0;
  auto cleanup = [&] {
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    std::error_code ec;
    log_bytes = std::filesystem::exists(log_path, ec) ? std::filesystem::file_size(log_path, ec) : 0;
    std::filesystem::remove_all(tmp_dir, ec);
    munmap(shm, sizeof(SharedStats));
  };
  char c = 0;
  if (!wait_readable(fds[0], 10000) || read(fds[0], &c, 1) != 1) {
    std::cerr << "bench: minimal: the broker did not start\n";
    close(fds[0]);
    cleanup();
    return 1;
  }
  close(fds[0]);

  // Signed in advance: the figure measures the broker, not the signer.
  std::vector<uint8_t> frames1 = sign_frames(keys, 0, o.count, frame_bytes);
  const size_t total_cap = o.count + o.latency_count;

  zmq::context_t ctx(1);
  auto make_dealer = [&](const CurveKeypair& k) { return curve_dealer(ctx, endpoint, keys.server, k); };
  auto wait_for = [](auto pred, int ms) {
    const int64_t end = mono_ns() + int64_t{ms} * 1000000;
    while (!pred() && mono_ns() < end) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return pred();
  };

  // The allowlist refuses a key it does not know.
  {
    zmq::socket_t s = make_dealer(keys.stranger);
    s.send(zmq::str_buffer("S"), zmq::send_flags::none);
    wait_for([&] { return stats->zap_refused.load() > 0; }, 3000);
  }

  std::vector<std::vector<int64_t>> recv_ns(3, std::vector<int64_t>(total_cap, 0));
  std::atomic<size_t> got_phase1[3] = {0, 0, 0};
  std::atomic<size_t> got_all[3] = {0, 0, 0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> subs;
  for (int k = 0; k < 3; ++k)
    subs.emplace_back([&, k] {
      zmq::socket_t s = make_dealer(keys.clients[k + 1]);
      s.send(zmq::str_buffer("S"), zmq::send_flags::none);
      uint64_t pending = 0;
      auto flush = [&] {
        char a[9] = {'A'};
        std::memcpy(a + 1, &pending, 8);
        s.send(zmq::buffer(a, sizeof a), zmq::send_flags::none);
        pending = 0;
      };
      while (!stop.load(std::memory_order_relaxed)) {
        zmq::message_t m;
        if (!s.recv(m, zmq::recv_flags::dontwait)) {
          if (pending > 0) { flush(); continue; }
          zmq::pollitem_t it{s.handle(), 0, ZMQ_POLLIN, 0};
          zmq::poll(&it, 1, std::chrono::milliseconds(100));
          continue;
        }
        const int64_t now = mono_ns();
        if (m.size() < kIndexOffset + 8 || *static_cast<const char*>(m.data()) != 'P') continue;
        const uint64_t idx = read_u64(static_cast<const char*>(m.data()) + kIndexOffset);
        if (++pending >= 256) flush();
        if (idx >= total_cap || recv_ns[k][idx] != 0) continue;
        recv_ns[k][idx] = now;
        if (idx < o.count) got_phase1[k].fetch_add(1, std::memory_order_relaxed);
        got_all[k].fetch_add(1, std::memory_order_relaxed);
      }
    });
  auto finish = [&](int rc) {
    stop = true;
    for (auto& t : subs) t.join();
    cleanup();
    return rc;
  };
  if (!wait_for([&] { return stats->subscribers.load() == 3; }, 10000)) {
    std::cerr << "bench: minimal: the subscribers did not register\n";
    return finish(1);
  }

  zmq::socket_t pub = make_dealer(keys.clients[0]);
  zmq::pollitem_t pub_item{pub.handle(), 0, ZMQ_POLLIN, 0};
  pub.send(zmq::str_buffer("H"), zmq::send_flags::none);
  if (zmq::poll(&pub_item, 1, std::chrono::milliseconds(10000)) != 1) {
    std::cerr << "bench: minimal: the publisher got no answer\n";
    return finish(1);
  }
  {
    zmq::message_t pong;
    (void)pub.recv(pong);
  }

  std::vector<int64_t> send_ns(total_cap, 0);
  size_t acked = 0, errors = 0, in_flight = 0;
  auto drain_acks = [&](int timeout_ms) {
    if (zmq::poll(&pub_item, 1, std::chrono::milliseconds(timeout_ms)) != 1) return;
    zmq::message_t m;
    while (pub.recv(m, zmq::recv_flags::dontwait)) {
      if (m.size() != 9) continue;
      const char kind = *static_cast<const char*>(m.data());
      if (kind == 'K') ++acked;
      else if (kind == 'E') ++errors;
      else continue;
      --in_flight;
    }
  };
  auto send_one = [&](const std::vector<uint8_t>& frames, size_t slot, size_t index) {
    send_ns[index] = mono_ns();
    pub.send(zmq::buffer(frames.data() + slot * frame_bytes, frame_bytes), zmq::send_flags::none);
    ++in_flight;
  };
  auto all_received = [&](std::atomic<size_t>* counters, size_t want) {
    for (int k = 0; k < 3; ++k)
      if (counters[k].load() < want) return false;
    return true;
  };

  // Phase 1: throughput with a window of messages in flight.
  const auto cpu0 = process_cpu_seconds(child);
  const uint64_t syncs0 = stats->syncs.load();
  const int64_t t_start = mono_ns();
  const int64_t deadline = t_start + int64_t{o.timeout_s} * 1000000000;
  size_t next = 0;
  while ((next < o.count || !all_received(got_phase1, o.count - errors)) && mono_ns() < deadline) {
    while (next < o.count && in_flight < o.window) { send_one(frames1, next, next); ++next; }
    drain_acks(next < o.count ? 1 : 5);
  }
  const auto cpu1 = process_cpu_seconds(child);
  const uint64_t syncs1 = stats->syncs.load();
  int64_t t_last = 0;
  size_t delivered = 0;
  for (int k = 0; k < 3; ++k)
    for (size_t i = 0; i < o.count; ++i)
      if (recv_ns[k][i] != 0) { t_last = std::max(t_last, recv_ns[k][i]); ++delivered; }
  const double secs = static_cast<double>(std::max(t_last, t_start + 1) - t_start) / 1e9;
  const double rate = static_cast<double>(delivered) / 3.0 / secs;
  frames1 = {};
  emit("min.count", std::to_string(o.count));
  emit("min.window", std::to_string(o.window));
  emit("min.payload_bytes", std::to_string(frame_bytes - kIndexOffset));
  emit("min.acked", std::to_string(acked));
  emit("min.errors", std::to_string(errors));
  emit("min.complete", delivered == 3 * o.count && errors == 0 ? "yes" : "no");
  emit("min.seconds", secs, 3);
  emit("min.msgs_per_s", rate, 0);
  if (cpu0 && cpu1 && delivered > 0)
    emit("min.broker_cpu_us_per_msg", (*cpu1 - *cpu0) * 1e6 / static_cast<double>(o.count), 1);
  emit("min.phase1_syncs", std::to_string(syncs1 - syncs0));

  // Phase 2: paced at half the measured rate.
  if (o.latency_count > 0 && rate > 0) {
    const double paced = rate / 2.0;
    const size_t n = std::min<size_t>(o.latency_count, static_cast<size_t>(paced * o.latency_seconds) + 1);
    const std::vector<uint8_t> frames2 = sign_frames(keys, o.count, n, frame_bytes);
    const size_t errors_before = errors;
    run_paced(
        n, paced, [&] { return in_flight < o.window; }, [&](size_t i) { send_one(frames2, i, o.count + i); },
        [&] { drain_acks(0); }, [&] { return all_received(got_all, o.count + n - errors); });
    size_t missing = 0;
    LatencyRecorder lat = deliver_latencies(recv_ns, send_ns, o.count, n, &missing);
    emit("min.latency_rate", paced, 0);
    emit("min.latency_msgs", std::to_string(n));
    emit("min.latency_missing", std::to_string(missing));
    emit("min.latency_errors", std::to_string(errors - errors_before));
    emit("min.p50_ms", lat.percentile_ms(50), 3);
    emit("min.p99_ms", lat.percentile_ms(99), 3);
    emit("min.p999_ms", lat.percentile_ms(99.9), 3);
  }
  drain_acks(50);
  if (auto hwm = process_status_kib(child, "VmHWM")) emit("min.broker_vmhwm_kib", std::to_string(*hwm));
  emit("min.syncs", std::to_string(stats->syncs.load()));
  emit("min.verified", std::to_string(stats->verified.load()));
  emit("min.bad_signatures", std::to_string(stats->bad_signatures.load()));
  emit("min.write_errors", std::to_string(stats->write_errors.load()));
  emit("min.sub_acks", std::to_string(stats->sub_acks.load()));
  emit("min.zap_allowed", std::to_string(stats->zap_allowed.load()));
  emit("min.zap_refused", std::to_string(stats->zap_refused.load()));
  const int rc = finish(0);
  emit("min.log_bytes", std::to_string(log_bytes));
  return rc;
}

}  // namespace relais::bench
