// ProofServer: FETCH checkpoint, consistency and inclusion (docs/protocol.md
// §Fetching), answered off the broker's main thread.
//
// The main thread submits a request (who asked, req_id, kind, arg); a worker
// of a ThreadPool (util/thread_pool.h) reads the log's checkpoints and subtree
// hashes (Log::first_checkpoint_covering, inclusion_proof, consistency_proof:
// O(log n) hashes, never a rescan) and pushes the answer, a DATA payload or
// an error code and reason, to a CompletionQueue whose eventfd the broker
// polls; the main thread drains the answers and sends them. With threads == 0
// the work runs inline in submit() and answers still come through drain().
// At most kMaxQueued requests wait at once; beyond, submit() says false (the
// caller answers `limit`). submit/drain/fd/stop from one thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "log/log_writer.h"
#include "net/protocol.h"
#include "util/completion_queue.h"
#include "util/thread_pool.h"

namespace relais {

struct ProofRequest {
  std::string rid;
  uint64_t req_id = 0;
  std::string kind, arg;
};

struct ProofAnswer {
  std::string rid;
  uint64_t req_id = 0;
  std::string kind, arg;
  bool ok = false;
  Bytes payload;                          // when ok
  ErrorCode code = ErrorCode::kMalformed;  // when not
  std::string reason;
};

class ProofServer {
 public:
  static constexpr size_t kMaxQueued = 1024;

  // log must outlive the server.
  ProofServer(const Log& log, unsigned threads);
  ~ProofServer();
  ProofServer(const ProofServer&) = delete;
  ProofServer& operator=(const ProofServer&) = delete;

  bool submit(ProofRequest r);
  int fd() const { return done_.fd(); }
  void drain(std::vector<ProofAnswer>* out);
  // Finishes the queued requests and joins the workers.
  void stop() { pool_.stop(PendingJobs::kFinish); }

  // The answer itself (any thread).
  static ProofAnswer answer(const Log& log, const ProofRequest& r);

 private:
  const Log& log_;
  std::atomic<size_t> queued_{0};
  CompletionQueue<ProofAnswer> done_;  // declared before the pool: outlives its workers
  ThreadPool<ProofRequest> pool_;
};

}  // namespace relais
