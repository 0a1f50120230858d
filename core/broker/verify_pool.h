// VerifyPool: Ed25519 envelope-signature checks on worker threads, so the
// broker's main thread is not bound by the ~38 µs each verify costs.
//
// The main thread submits (token, core and ct views, signature, sender key);
// workers hash core and ct (BLAKE2b-256), verify the signature over them and
// queue (token, ok, hashes); an eventfd becomes readable when
// results wait, and the main thread drains them and carries on with the
// ingest (append, ack). With threads == 0 the checks run inline in submit()
// and results are still delivered through drain(), so callers have one path.
// submit/drain/fd from one thread (the broker's); workers are internal.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "crypto/envelope.h"
#include "crypto/keys.h"
#include "util/bytes.h"

namespace relais {

class VerifyPool {
 public:
  // core and ct must stay valid until the job's Result has been drained.
  struct Job {
    uint64_t token = 0;
    ByteView core;
    ByteView ct;
    std::array<uint8_t, 64> sig{};
    PublicKey pk{};
  };
  struct Result {
    uint64_t token = 0;
    bool ok = false;
    Hash256 core_hash{};
    Hash256 ct_hash{};
  };

  explicit VerifyPool(unsigned threads);
  ~VerifyPool();
  VerifyPool(const VerifyPool&) = delete;
  VerifyPool& operator=(const VerifyPool&) = delete;

  void submit(const Job& job);
  // Finishes every submitted job and joins the workers; later submits run inline.
  void stop();
  int fd() const { return event_fd_; }
  void drain(std::vector<Result>* out);

 private:
  void run();
  void finish(const Result& r);

  int event_fd_ = -1;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  std::vector<Result> done_;
  bool stop_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace relais
