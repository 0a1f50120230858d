#include "audit/work_pool.h"

#include <algorithm>

namespace relais {

WorkPool::WorkPool(int threads) {
  const int n = std::max(1, threads);
  threads_.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { run(); });
}

WorkPool::~WorkPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  work_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

uint64_t WorkPool::submit(std::function<void()> job) {
  uint64_t ticket = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ticket = next_ticket_++;
    queue_.emplace_back(ticket, std::move(job));
  }
  work_cv_.notify_one();
  return ticket;
}

void WorkPool::wait(uint64_t ticket) {
  std::unique_lock<std::mutex> lock(mu_);
  while (finished_.count(ticket) == 0) {
    if (queue_.empty()) {
      done_cv_.wait(lock);
      continue;
    }
    auto [t, job] = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    job();
    lock.lock();
    finished_.insert(t);
  }
  finished_.erase(ticket);
}

void WorkPool::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    auto [ticket, job] = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    job();
    lock.lock();
    finished_.insert(ticket);
    done_cv_.notify_all();
  }
}

}  // namespace relais
