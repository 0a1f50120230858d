// The auditor's jobs on the shared thread pool (see work_pool.h).
#include "audit/work_pool.h"

#include <algorithm>
#include <vector>

namespace relais {

WorkPool::WorkPool(int threads)
    : pool_(static_cast<unsigned>(std::max(1, threads)),
            [this](Job& job) {
              job.run();
              done_.push(job.ticket);
            },
            PendingJobs::kDrop) {}

uint64_t WorkPool::submit(std::function<void()> job) {
  const uint64_t ticket = next_ticket_++;
  pool_.submit(Job{ticket, std::move(job)});
  return ticket;
}

void WorkPool::wait(uint64_t ticket) {
  std::vector<uint64_t> got;
  for (;;) {
    if (finished_.erase(ticket) != 0) return;
    got.clear();
    done_.drain(&got);
    if (got.empty() && !pool_.run_one()) done_.wait_drain(&got);
    finished_.insert(got.begin(), got.end());
  }
}

}  // namespace relais
