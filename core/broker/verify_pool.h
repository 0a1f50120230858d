// VerifyPool: Ed25519 envelope-signature checks on worker threads, so the
// broker's main thread is not bound by the cost of each verify, the costliest
// check (docs/performance.md).
//
// The main thread submits (token, core and ct views, signature, sender key);
// a worker of the shared ThreadPool (util/thread_pool.h) hashes core and ct
// (BLAKE2b-256), verifies the signature over them and pushes (token, ok,
// hashes) to a CompletionQueue (util/completion_queue.h), whose eventfd the
// broker polls; the main thread drains the results and carries on with the
// ingest (append, ack). With threads == 0 the checks run inline in submit()
// and results are still delivered through drain(), so callers have one path.
// submit/drain/fd from one thread (the broker's); workers are internal.
#pragma once

#include <vector>

#include "broker/ports.h"
#include "util/completion_queue.h"
#include "util/thread_pool.h"

namespace relais {

class VerifyPool final : public SignatureVerifier {
 public:
  // core and ct must stay valid until the job's Result has been drained.
  using Job = VerifyJob;
  using Result = VerifyResult;

  explicit VerifyPool(unsigned threads);
  ~VerifyPool() override;
  VerifyPool(const VerifyPool&) = delete;
  VerifyPool& operator=(const VerifyPool&) = delete;

  void submit(const Job& job) override { pool_.submit(job); }
  // Finishes every submitted job and joins the workers; later submits run inline.
  void stop() override { pool_.stop(PendingJobs::kFinish); }
  // An eventfd that is readable while results wait.
  int fd() const { return done_.fd(); }
  void drain(std::vector<Result>* out) override { done_.drain(out); }
  // The check itself (hashes, then Ed25519), for callers that verify inline.
  static Result check(const Job& job);

 private:
  CompletionQueue<Result> done_;  // declared first: outlives the pool's workers
  ThreadPool<Job> pool_;
};

}  // namespace relais
