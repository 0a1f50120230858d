// StopSignal: SIGTERM and SIGINT as something the service's loop waits on.
//
// install() blocks both signals in the calling thread and reads them from a
// signalfd; it must run before any other thread starts (ZeroMQ's, for one),
// which then inherit the blocked mask, so the signals are only ever read
// here. It also ignores SIGPIPE (a hook program that does not read its input
// must not end the service). wait(ms) returns true as soon as a stop signal
// is pending (or was seen), else after ms: the loop's idle wait. Child
// processes clear their signal mask themselves (service/hook_runner.h).
// One thread.
#pragma once

#include <cstdint>
#include <memory>

#include "util/status.h"

namespace relais {

class StopSignal {
 public:
  static Result<std::unique_ptr<StopSignal>> install();
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  bool wait(int64_t timeout_ms);
  bool requested() { return wait(0); }
  int signal_number() const { return signo_; }  // 0 until one came

 private:
  explicit StopSignal(int fd) : fd_(fd) {}
  int fd_ = -1;
  int signo_ = 0;
};

}  // namespace relais
