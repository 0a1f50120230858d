// WorkPool: a fixed set of worker threads that run submitted jobs in the
// order they were submitted (first in, first started; with several threads
// they may finish in any order). The verifier hands it whole chunks of log
// records and waits for them in log order.
//
// Contract: submit() returns a ticket; wait(ticket) returns once that job has
// run and may be called at most once per ticket. While it waits, the calling
// thread runs queued jobs itself (oldest first), so a waiting owner adds a
// thread of work instead of sleeping. Jobs must not throw. The
// destructor drops the jobs that have not started and waits for the running
// ones, so anything a job references must outlive the pool or be owned by
// the job. submit and wait are for one owning thread; jobs run on the
// pool's threads.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

namespace relais {

class WorkPool {
 public:
  explicit WorkPool(int threads);  // at least one thread is started
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  uint64_t submit(std::function<void()> job);
  void wait(uint64_t ticket);
  size_t threads() const { return threads_.size(); }

 private:
  void run();

  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<std::pair<uint64_t, std::function<void()>>> queue_;
  std::unordered_set<uint64_t> finished_;  // done and not yet waited for
  uint64_t next_ticket_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace relais
