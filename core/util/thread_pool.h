// ThreadPool<Job>: the one pool of worker threads in Relais. The broker's
// signature checks (broker/verify_pool.h) and the auditor's chunked log scan
// (audit/work_pool.h) both run on it, each with its own Job type, and hand
// their results back through a CompletionQueue (util/completion_queue.h).
//
// Contract:
//   - submit(job) queues the job; a worker takes jobs oldest first and calls
//     handler(job) once per job. With no workers (threads == 0, or after
//     stop()), submit runs the handler inline on the calling thread, so
//     callers have one path either way.
//   - run_one() lets the owning thread help: it takes the oldest queued job
//     and runs it itself, returning false when nothing is queued.
//   - stop(kFinish) runs every queued job, then joins the workers;
//     stop(kDrop) destroys the jobs not yet started and joins once the
//     running ones return. The destructor stops with the mode given at
//     construction. stop() is idempotent.
//   - The handler must not throw. submit, run_one and stop are for one
//     owning thread; handlers run on the workers (and on the owner in
//     run_one and inline submits).
// One job is taken per lock round trip: a job worth a pool costs far more
// than a lock, and a worker taking a batch would leave the others idle while
// the batch's last job waits.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace relais {

enum class PendingJobs { kFinish, kDrop };

template <class Job>
class ThreadPool {
 public:
  using Handler = std::function<void(Job&)>;

  ThreadPool(unsigned threads, Handler handler, PendingJobs on_destroy = PendingJobs::kFinish)
      : handler_(std::move(handler)), on_destroy_(on_destroy) {
    workers_.reserve(threads);
    for (unsigned i = 0; i < threads; ++i) workers_.emplace_back([this] { run(); });
  }
  ~ThreadPool() { stop(on_destroy_); }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void submit(Job job) {
    if (workers_.empty()) {
      handler_(job);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(std::move(job));
    }
    cv_.notify_one();
  }

  bool run_one() {
    Job job;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (queue_.empty()) return false;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    handler_(job);
    return true;
  }

  void stop(PendingJobs pending) {
    std::deque<Job> dropped;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      if (pending == PendingJobs::kDrop) dropped.swap(queue_);
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    // Jobs queued after the workers left (none in kDrop) run here.
    while (run_one()) {
    }
  }

  size_t threads() const { return workers_.size(); }

 private:
  void run() {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and nothing left to finish
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      handler_(job);
    }
  }

  Handler handler_;
  const PendingJobs on_destroy_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace relais
