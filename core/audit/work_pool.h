// WorkPool: the auditor's jobs, in submission order, on the shared thread
// pool (util/thread_pool.h), with finished tickets handed back through the
// shared CompletionQueue (util/completion_queue.h). The verifier hands it
// whole chunks of log records and waits for them in log order.
//
// Contract: submit() returns a ticket; wait(ticket) returns once that job has
// run and may be called at most once per ticket. Jobs start first in, first
// started; with several threads they may finish in any order. While it
// waits, the calling thread runs queued jobs itself (oldest first), so a
// waiting owner adds a thread of work instead of sleeping. Jobs must not
// throw. The destructor drops the jobs that have not started and waits for
// the running ones, so anything a job references must outlive the pool or be
// owned by the job. submit and wait are for one owning thread; jobs run on
// the pool's threads.
#pragma once

#include <cstdint>
#include <functional>
#include <unordered_set>
#include <utility>

#include "util/completion_queue.h"
#include "util/thread_pool.h"

namespace relais {

class WorkPool {
 public:
  explicit WorkPool(int threads);  // at least one thread is started
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  uint64_t submit(std::function<void()> job);
  void wait(uint64_t ticket);
  size_t threads() const { return pool_.threads(); }

 private:
  struct Job {
    uint64_t ticket = 0;
    std::function<void()> run;
  };

  CompletionQueue<uint64_t> done_;         // declared first: outlives the pool's workers
  std::unordered_set<uint64_t> finished_;  // done and not yet waited for
  uint64_t next_ticket_ = 0;
  ThreadPool<Job> pool_;
};

}  // namespace relais
