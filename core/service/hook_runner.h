// HookRunner: runs the [service] on_message program once per stored message,
// without ever holding up the service's loop for long.
//
// submit() queues one run with the JSON it reads on its standard input
// (service/received_message.h hook_input: routing fields, the body only when
// configured). poll(), called from the loop, never blocks: it starts queued
// runs (at most kMaxRunning at once), feeds their standard input through a
// non-blocking pipe, reaps the finished ones and kills (SIGKILL, its whole
// process group) one running longer than timeout_ms. A run that fails (cannot
// start, exits non-zero, is killed) is logged with the message id and is not
// retried: the message is in the store either way. The program gets no
// arguments and the service's environment; its standard output and error go
// to the service's standard error (the journal); its signal mask is cleared
// and it leads its own process group. At most kMaxQueued runs wait; beyond, a run is dropped
// (logged). finish() at stop waits for the running ones until a deadline,
// then kills them; queued ones are dropped (logged).
// The service ignores SIGPIPE, so a program that does not read its input
// does not stop the service. One thread.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <sys/types.h>
#include <vector>

#include "service/service_log.h"

namespace relais {

class HookRunner {
 public:
  static constexpr size_t kMaxRunning = 4;
  static constexpr size_t kMaxQueued = 1000;
  static constexpr int64_t kDefaultTimeoutMs = 30000;

  HookRunner(std::string program, int64_t timeout_ms, ServiceLog log);
  ~HookRunner();
  HookRunner(const HookRunner&) = delete;
  HookRunner& operator=(const HookRunner&) = delete;

  void submit(std::string label, std::string input);
  void poll();
  void finish(int64_t deadline_mono_ms);
  size_t running() const { return running_.size(); }
  size_t queued() const { return queued_.size(); }

 private:
  struct Pending {
    std::string label;
    std::string input;
  };
  struct Running {
    pid_t pid = -1;
    int fd = -1;  // write end of its stdin; -1 once all is written
    std::string label;
    std::string input;
    size_t written = 0;
    int64_t started_ms = 0;
    bool killed = false;
  };
  bool start(Pending p);
  void feed(Running& r);

  std::string program_;
  int64_t timeout_ms_;
  ServiceLog log_;
  std::deque<Pending> queued_;
  std::vector<Running> running_;
};

}  // namespace relais
