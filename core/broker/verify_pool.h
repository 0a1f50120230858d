// VerifyPool: Ed25519 envelope-signature checks on worker threads, so the
// broker's main thread is not bound by the cost of each verify, the costliest check (docs/performance.md).
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

#include "broker/ports.h"
#include "crypto/envelope.h"
#include "crypto/keys.h"
#include "util/bytes.h"

namespace relais {

class VerifyPool final : public SignatureVerifier {
 public:
  // core and ct must stay valid until the job's Result has been drained.
  using Job = VerifyJob;
  using Result = VerifyResult;

  explicit VerifyPool(unsigned threads);
  ~VerifyPool();
  VerifyPool(const VerifyPool&) = delete;
  VerifyPool& operator=(const VerifyPool&) = delete;

  void submit(const Job& job) override;
  // Finishes every submitted job and joins the workers; later submits run inline.
  void stop() override;
  // An eventfd that is readable while results wait.
  int fd() const { return event_fd_; }
  void drain(std::vector<Result>* out) override;
  // The check itself (hashes, then Ed25519), for callers that verify inline.
  static Result check(const Job& job);

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
