#include "broker/verify_pool.h"

#include "crypto/hashing.h"

#include <cstdlib>
#include <sodium.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace relais {

VerifyPool::VerifyPool(unsigned threads) {
  if (sodium_init() < 0) std::abort();
  event_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  for (unsigned i = 0; i < threads; ++i) workers_.emplace_back([this] { run(); });
}

VerifyPool::~VerifyPool() {
  stop();
  if (event_fd_ >= 0) close(event_fd_);
}

void VerifyPool::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

VerifyPool::Result VerifyPool::check(const Job& j) {
  VerifyPool::Result r;
  r.token = j.token;
  r.core_hash = blake2b_256(j.core);
  r.ct_hash = blake2b_256(j.ct);
  const auto message = envelope_signing_message(r.core_hash, r.ct_hash);
  r.ok = crypto_sign_verify_detached(j.sig.data(), message.data(), message.size(), j.pk.data()) == 0;
  return r;
}

void VerifyPool::finish(const Result& r) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    wake = done_.empty();
    done_.push_back(r);
  }
  if (wake) {
    uint64_t one = 1;
    (void)!write(event_fd_, &one, sizeof one);
  }
}

void VerifyPool::submit(const Job& job) {
  if (workers_.empty()) {
    finish(check(job));
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(job);
  }
  cv_.notify_one();
}

void VerifyPool::run() {
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
      if (stop_ && jobs_.empty()) return;
      // One job at a time: a verify costs tens of microseconds, a lock round
      // trip far less, and a worker that took a batch would leave the other
      // idle while the batch's last message waits (latency under bursts).
      job = jobs_.front();
      jobs_.pop_front();
    }
    finish(check(job));
  }
}

void VerifyPool::drain(std::vector<Result>* out) {
  uint64_t n = 0;
  (void)!read(event_fd_, &n, sizeof n);
  std::lock_guard<std::mutex> lock(mu_);
  out->insert(out->end(), done_.begin(), done_.end());
  done_.clear();
}

}  // namespace relais
