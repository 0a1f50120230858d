// Shredder: the broker's background erasure (docs/data-protection.md), an
// engine part. Every shred_interval_ms (sooner while work remains) it plans
// what the bundle in force says may go (broker/erasure_planner.h: retention
// periods passed, erasure orders), logs one `erasure` event per batch on the
// engine's thread, and once each event is durable has the log erase those
// records (Log::erase_messages) on its own thread. Only then are the new
// cursors kept in DATA/shredder.state, so a crash, a reload or a failure in
// between plans the same records again (an erasure event whose records are
// still whole is no fault: relais-audit verify reads it as not yet done).
//
// The engine's thread does no I/O here: planning (log reads), erasing
// (segment rewrites) and saving the state run on the shredder's thread. One
// plan is in progress at a time. A batch planned under one bundle is dropped
// when another is in force before its event is logged, and a retention batch
// waits until the wall clock reaches its due time (a clock that stepped back
// never puts an early erasure on record).
//
// Pause: while DATA/shredding.paused exists (shredding_paused), nothing new
// is planned and logged erasures wait; a backup creates it first.
//
// Thread-safety: tick, on_event_logged, stop from the engine's thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "broker/erasure_planner.h"
#include "broker/event_recorder.h"
#include "broker/message_cache.h"
#include "broker/ports.h"
#include "log/log_writer.h"
#include "policy/bundle.h"

namespace relais {

class Shredder {
 public:
  // Log tokens of erasure events carry this bit (never one of the ingest
  // pipeline's tokens, nor a bundle_loaded one).
  static constexpr uint64_t kToken = uint64_t{1} << 62;
  static bool owns(uint64_t token) { return (token & kToken) != 0 && (token >> 63) == 0; }

  struct Options {
    std::string data_dir;
    int64_t interval_ms = 60000;
    uint64_t records_per_plan = 20000;  // log records read per plan at most
  };

  Shredder(Options options, Log& log, const Clock& clock, EventRecorder& events, MessageCache& cache);
  ~Shredder();
  Shredder(const Shredder&) = delete;
  Shredder& operator=(const Shredder&) = delete;

  // Loads DATA/shredder.state (a bad one is logged and started over) and starts the thread.
  void start();
  // Collects finished work, logs erasure events, starts the next plan when due.
  void tick(const std::shared_ptr<const TrustBundle>& bundle, uint64_t horizon);
  // The completion of an erasure event (a token for which owns() is true).
  void on_event_logged(const Completion& c);
  // Waits for the erasure in progress and ends the thread.
  void stop();

  uint64_t erased_total() const { return erased_total_; }

 private:
  struct Job {
    enum class Kind { kPlan, kErase, kSave } kind = Kind::kPlan;
    std::shared_ptr<const TrustBundle> bundle;  // plan
    int64_t now_ms = 0;
    uint64_t horizon = 0;
    ShredCursors cursors;                       // plan: from; save: to keep
    std::vector<uint64_t> seqs;                 // erase
    uint64_t by = 0;                            // erase: the event's seq
  };
  struct Done {
    Job::Kind kind = Job::Kind::kPlan;
    ErasurePlan plan;
    std::vector<uint64_t> seqs;
    Status status;
    uint64_t erased = 0;
  };
  void run();
  void post(Job job);
  void finish_generation(bool ok);

  Options opt_;
  Log& log_;
  const Clock& clock_;
  EventRecorder& events_;
  MessageCache& cache_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  std::vector<Done> done_;
  bool stop_ = false;
  std::thread thread_;

  // Engine thread only.
  ShredCursors committed_;
  bool busy_ = false;              // a plan (and its erasures) is in progress
  bool failed_ = false;            // something of this plan failed: its cursors are not kept
  ShredCursors pending_cursors_;
  uint64_t plan_serial_ = 0;
  size_t outstanding_ = 0;         // events not yet logged + erasures not yet done
  std::map<uint64_t, std::vector<uint64_t>> on_way_;  // token -> seqs
  std::vector<ErasureBatch> waiting_;                 // planned, not yet logged (due later)
  uint64_t next_token_ = 1;
  int64_t next_plan_ms_ = 0;       // monotonic
  uint64_t erased_total_ = 0;
  std::vector<Done> drained_;
};

}  // namespace relais
