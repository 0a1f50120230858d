#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "audit/work_pool.h"
#include "eventually.h"

using namespace relais;

TEST_CASE("A work pool runs every job and each wait returns once its job is done", "[work_pool]") {
  WorkPool pool(3);
  CHECK(pool.threads() == 3);
  std::vector<int> out(200, 0);
  std::vector<uint64_t> tickets;
  for (int i = 0; i < 200; ++i) tickets.push_back(pool.submit([&out, i] { out[static_cast<size_t>(i)] = i + 1; }));
  for (size_t i = 0; i < tickets.size(); ++i) {
    pool.wait(tickets[i]);
    CHECK(out[i] == static_cast<int>(i) + 1);
  }
}

TEST_CASE("A one-thread work pool starts jobs in the order they were submitted", "[work_pool]") {
  WorkPool pool(1);
  std::mutex mu;
  std::vector<int> order;
  uint64_t last = 0;
  for (int i = 0; i < 50; ++i)
    last = pool.submit([&mu, &order, i] {
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(i);
    });
  // Watched from outside: a waiting owner would run jobs too, on a second thread.
  REQUIRE(relais::test::eventually(10000, 1, [&] {
    std::lock_guard<std::mutex> lock(mu);
    return order.size() == 50;
  }));
  for (int i = 0; i < 50; ++i) CHECK(order[static_cast<size_t>(i)] == i);
  pool.wait(last);
}

TEST_CASE("A work pool asked for no threads still runs jobs on one", "[work_pool]") {
  WorkPool pool(0);
  CHECK(pool.threads() == 1);
  bool ran = false;
  pool.wait(pool.submit([&ran] { ran = true; }));
  CHECK(ran);
}

TEST_CASE("Destroying a work pool drops queued jobs and waits for the running one", "[work_pool]") {
  std::atomic<bool> started{false}, release{false}, finished{false};
  std::atomic<int> later{0};
  auto owned = std::make_shared<int>(7);
  std::weak_ptr<int> watch = owned;
  {
    WorkPool pool(1);
    pool.submit([&] {
      started = true;
      while (!release) std::this_thread::yield();
      finished = true;
    });
    for (int i = 0; i < 10; ++i) pool.submit([&later, o = owned] { later += *o; });
    owned.reset();
    while (!started) std::this_thread::yield();
    std::thread releaser([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      release = true;
    });
    releaser.detach();
  }
  CHECK(finished);
  CHECK(later == 0);
  CHECK(watch.expired());  // the dropped jobs released what they owned
}

TEST_CASE("Waiting on a work pool runs queued jobs on the waiting thread", "[work_pool]") {
  WorkPool pool(1);
  std::atomic<bool> started{false}, release{false};
  const uint64_t blocker = pool.submit([&] {
    started = true;
    while (!release) std::this_thread::yield();
  });
  while (!started) std::this_thread::yield();
  std::thread::id ran_on;
  const uint64_t t = pool.submit([&ran_on] { ran_on = std::this_thread::get_id(); });
  pool.wait(t);  // the only worker is blocked: the waiter runs the job
  CHECK(ran_on == std::this_thread::get_id());
  release = true;
  pool.wait(blocker);
}
