#include <catch2/catch.hpp>

#include <poll.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "util/completion_queue.h"
#include "util/thread_pool.h"

using namespace relais;

namespace {

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 0) == 1;
}

}  // namespace

TEST_CASE("A thread pool runs every job once and hands each result back through the completion queue",
          "[thread_pool]") {
  CompletionQueue<int> done;
  ThreadPool<int> pool(2, [&done](int& v) { done.push(v * 10); });
  CHECK(pool.threads() == 2);
  for (int i = 1; i <= 500; ++i) pool.submit(i);
  std::vector<int> got;
  while (got.size() < 500) done.wait_drain(&got);
  std::sort(got.begin(), got.end());
  for (int i = 1; i <= 500; ++i) CHECK(got[static_cast<size_t>(i - 1)] == i * 10);
}

TEST_CASE("A thread pool with no workers runs each job inline, in submit", "[thread_pool]") {
  std::vector<std::thread::id> ran_on;
  ThreadPool<int> pool(0, [&ran_on](int&) { ran_on.push_back(std::this_thread::get_id()); });
  pool.submit(1);
  pool.submit(2);
  REQUIRE(ran_on.size() == 2);
  CHECK(ran_on[0] == std::this_thread::get_id());
}

TEST_CASE("Stopping with kFinish runs every queued job, and later submits run inline", "[thread_pool]") {
  std::atomic<int> ran{0};
  ThreadPool<int> pool(1, [&ran](int&) { ++ran; });
  for (int i = 0; i < 100; ++i) pool.submit(i);
  pool.stop(PendingJobs::kFinish);
  CHECK(ran == 100);
  CHECK(pool.threads() == 0);
  pool.submit(7);
  CHECK(ran == 101);
  pool.stop(PendingJobs::kFinish);  // idempotent
}

TEST_CASE("Stopping with kDrop destroys queued jobs without running them", "[thread_pool]") {
  std::atomic<bool> started{false}, release{false};
  std::atomic<int> ran{0};
  auto owned = std::make_shared<int>(1);
  std::weak_ptr<int> watch = owned;
  using Job = std::shared_ptr<int>;
  ThreadPool<Job> pool(1, [&](Job& j) {
    if (!j) {  // the blocker
      started = true;
      while (!release) std::this_thread::yield();
      return;
    }
    ++ran;
  });
  pool.submit(nullptr);
  for (int i = 0; i < 10; ++i) pool.submit(owned);
  owned.reset();
  while (!started) std::this_thread::yield();
  release = true;  // the blocker returns while (or before) stop drops the rest
  pool.stop(PendingJobs::kDrop);
  CHECK(ran <= 10);
  CHECK(watch.expired());  // dropped and finished jobs both released what they held
}

TEST_CASE("run_one lets the owner take the oldest queued job", "[thread_pool]") {
  std::atomic<bool> started{false}, release{false};
  std::vector<int> owner_ran;
  const auto owner = std::this_thread::get_id();
  ThreadPool<int> pool(1, [&](int& v) {
    if (v == 0) {
      started = true;
      while (!release) std::this_thread::yield();
      return;
    }
    if (std::this_thread::get_id() == owner) owner_ran.push_back(v);
  });
  pool.submit(0);
  while (!started) std::this_thread::yield();
  pool.submit(1);
  pool.submit(2);
  CHECK(pool.run_one());
  CHECK(pool.run_one());
  CHECK_FALSE(pool.run_one());
  CHECK(owner_ran == std::vector<int>{1, 2});
  release = true;
}

TEST_CASE("A completion queue's fd is readable exactly while items wait", "[completion_queue]") {
  CompletionQueue<int> q;
  CHECK_FALSE(readable(q.fd()));
  q.push(1);
  q.push(2);
  CHECK(readable(q.fd()));
  std::vector<int> out;
  q.drain(&out);
  CHECK(out == std::vector<int>{1, 2});
  CHECK_FALSE(readable(q.fd()));
  q.drain(&out);  // nothing waiting: returns at once
  CHECK(out.size() == 2);
  std::thread producer([&q] { q.push(3); });
  q.wait_drain(&out);
  producer.join();
  CHECK(out == std::vector<int>{1, 2, 3});
}
