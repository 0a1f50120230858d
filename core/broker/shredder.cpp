#include "broker/shredder.h"

#include <chrono>
#include <spdlog/spdlog.h>

namespace relais {

Shredder::Shredder(Options options, Log& log, const Clock& clock, EventRecorder& events, MessageCache& cache)
    : opt_(std::move(options)), log_(log), clock_(clock), events_(events), cache_(cache) {}

Shredder::~Shredder() { stop(); }

void Shredder::start() {
  if (thread_.joinable()) return;
  auto state = load_shred_state(opt_.data_dir);
  if (state.ok()) {
    committed_ = std::move(*state);
  } else {
    spdlog::warn("{} (starting over: the log is read again for what may be erased)", state.status().message());
  }
  next_plan_ms_ = clock_.monotonic_ms();
  thread_ = std::thread([this] { run(); });
}

void Shredder::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> g(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Shredder::post(Job job) {
  {
    std::lock_guard<std::mutex> g(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_all();
}

void Shredder::finish_generation(bool ok) {
  busy_ = false;
  if (ok && !(pending_cursors_ == committed_)) {
    committed_ = pending_cursors_;
    Job save;
    save.kind = Job::Kind::kSave;
    save.cursors = committed_;
    post(std::move(save));
  }
  if (!ok) next_plan_ms_ = clock_.monotonic_ms() + opt_.interval_ms;
}

void Shredder::tick(const std::shared_ptr<const TrustBundle>& bundle, uint64_t horizon) {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> g(mu_);
    if (!done_.empty()) drained_.swap(done_);
  }
  const int64_t mono = clock_.monotonic_ms();
  for (Done& d : drained_) {
    switch (d.kind) {
      case Job::Kind::kPlan:
        pending_cursors_ = std::move(d.plan.next);
        waiting_ = std::move(d.plan.batches);
        outstanding_ = waiting_.size();
        next_plan_ms_ = mono + (d.plan.more ? 0 : opt_.interval_ms);
        if (outstanding_ == 0) finish_generation(true);
        break;
      case Job::Kind::kErase:
        cache_.end_erasure(d.seqs);
        if (!d.status.ok()) {
          failed_ = true;
          spdlog::error("shredder: an erasure on record was not done: {} (it is planned again)", d.status.message());
        }
        erased_total_ += d.erased;
        if (--outstanding_ == 0) finish_generation(!failed_);
        break;
      case Job::Kind::kSave:
        if (!d.status.ok())
          spdlog::warn("shredder: cannot save {}: {} (the next start reads the log again for what may be erased)",
                       shred_state_path(opt_.data_dir), d.status.message());
        break;
    }
  }
  drained_.clear();

  if (!waiting_.empty()) {
    if (bundle->serial != plan_serial_) {
      // Planned under another bundle: its events would name the wrong one.
      outstanding_ -= waiting_.size();
      waiting_.clear();
      failed_ = true;
      next_plan_ms_ = mono;
      if (outstanding_ == 0) {
        finish_generation(false);
        next_plan_ms_ = mono;  // plan again at once, under the bundle now in force
      }
    } else {
      const int64_t now = clock_.now_ms();
      for (auto it = waiting_.begin(); it != waiting_.end();) {
        if (it->due_ms > now) {
          ++it;
          continue;
        }
        const uint64_t token = kToken | next_token_++;
        pack_erasure_event(events_.begin("erasure", erasure_event_fields(*it)), *it, bundle->serial);
        events_.commit(token);
        on_way_.emplace(token, std::move(it->seqs));
        it = waiting_.erase(it);
      }
    }
  }

  if (!busy_ && mono >= next_plan_ms_ && !shredding_paused(opt_.data_dir)) {
    busy_ = true;
    failed_ = false;
    plan_serial_ = bundle->serial;
    Job plan;
    plan.kind = Job::Kind::kPlan;
    plan.bundle = bundle;
    plan.now_ms = clock_.now_ms();
    plan.horizon = horizon;
    plan.cursors = committed_;
    post(std::move(plan));
  }
}

void Shredder::on_event_logged(const Completion& c) {
  auto it = on_way_.find(c.token);
  if (it == on_way_.end()) return;
  std::vector<uint64_t> seqs = std::move(it->second);
  on_way_.erase(it);
  if (!c.status.ok()) {
    spdlog::error("shredder: an erasure event could not be written: {} (the erasure is planned again)",
                  c.status.message());
    failed_ = true;
    if (--outstanding_ == 0) finish_generation(false);
    return;
  }
  cache_.begin_erasure(seqs);
  Job erase;
  erase.kind = Job::Kind::kErase;
  erase.seqs = std::move(seqs);
  erase.by = c.seq;
  post(std::move(erase));
}

void Shredder::run() {
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    cv_.wait(lk, [this] { return stop_ || !jobs_.empty(); });
    if (stop_) return;
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lk.unlock();
    Done d;
    d.kind = job.kind;
    switch (job.kind) {
      case Job::Kind::kPlan:
        d.plan = plan_erasures(log_, job.bundle->policy, job.cursors, job.now_ms, job.horizon, opt_.records_per_plan);
        break;
      case Job::Kind::kErase: {
        // A backup in progress: the erasure is on record and waits.
        bool stopped = false;
        while (shredding_paused(opt_.data_dir)) {
          lk.lock();
          stopped = cv_.wait_for(lk, std::chrono::seconds(1), [this] { return stop_; });
          lk.unlock();
          if (stopped) return;
        }
        auto n = log_.erase_messages(job.seqs, job.by);
        d.seqs = std::move(job.seqs);
        if (n.ok()) {
          d.erased = *n;
          if (*n > 0) spdlog::info("shredder: {} records erased on the grounds of record {}", *n, job.by);
        } else {
          d.status = n.status();
        }
        break;
      }
      case Job::Kind::kSave:
        d.status = save_shred_state(opt_.data_dir, job.cursors);
        break;
    }
    lk.lock();
    done_.push_back(std::move(d));
  }
}

}  // namespace relais
