// CompletionQueue<T>: finished work handed back to the thread that owns it,
// the one completion path of ThreadPool users (util/thread_pool.h).
//
// Contract:
//   - push(v) may be called from any thread.
//   - drain(out) appends everything queued to *out, in push order, and never
//     blocks; wait_drain(out) blocks until at least one item is queued, then
//     drains.
//   - fd() is an eventfd that is readable while items wait, so an event loop
//     (the broker's zmq_poll) can wait on it beside its sockets; drain()
//     resets it. It is written only when the queue goes from empty to
//     non-empty, so a burst costs one write.
// drain, wait_drain and fd are for one consuming thread.
#pragma once

#include <condition_variable>
#include <mutex>
#include <utility>
#include <vector>

namespace relais {

// The eventfd behind CompletionQueue::fd() (util/completion_queue.cpp).
class EventFd {
 public:
  EventFd();   // non-blocking, close-on-exec; aborts if the kernel refuses one
  ~EventFd();
  EventFd(const EventFd&) = delete;
  EventFd& operator=(const EventFd&) = delete;
  void signal();  // makes fd() readable
  void reset();   // makes fd() unreadable again
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

template <class T>
class CompletionQueue {
 public:
  void push(T v) {
    bool wake = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      wake = items_.empty();
      items_.push_back(std::move(v));
    }
    if (wake) {
      event_.signal();
      cv_.notify_one();
    }
  }

  void drain(std::vector<T>* out) {
    event_.reset();
    std::lock_guard<std::mutex> lock(mu_);
    take(out);
  }

  void wait_drain(std::vector<T>* out) {
    event_.reset();
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !items_.empty(); });
    take(out);
  }

  int fd() const { return event_.fd(); }

 private:
  void take(std::vector<T>* out) {
    for (auto& v : items_) out->push_back(std::move(v));
    items_.clear();
  }

  EventFd event_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<T> items_;
};

}  // namespace relais
