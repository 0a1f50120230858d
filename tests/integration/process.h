// Test helpers that run the real Relais programs as child processes, on
// 127.0.0.1 only, with bounded waits, and clean up everything they start.
//
// run_process: runs argv to completion (killed after timeout_ms), capturing
// stdout and stderr. ChildProcess: a long-running program (the broker), with
// its stderr captured to a file; stop() sends SIGTERM and waits, the
// destructor kills whatever is left. TempDir: a mkdtemp folder removed on
// destruction. eventually(): a bounded wait on a condition. No shell is
// involved, so no argument is ever interpreted.
#pragma once

#include "eventually.h"

#include <functional>
#include <map>
#include <string>
#include <sys/types.h>
#include <vector>

namespace relais::test {

struct ProcResult {
  int exit_code = -1;  // -1 when killed by a signal (or timed out)
  std::string out;
  std::string err;
};

ProcResult run_process(const std::vector<std::string>& argv, int timeout_ms = 30000,
                       const std::string& stdin_data = "", const std::map<std::string, std::string>& env = {});

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts argv with stdout+stderr appended to log_path.
  bool start(const std::vector<std::string>& argv, const std::string& log_path,
             const std::map<std::string, std::string>& env = {});
  pid_t pid() const { return pid_; }
  bool running();
  // SIGTERM, then waits up to timeout_ms; returns the exit code (-1 on signal/timeout, then SIGKILL).
  int stop(int timeout_ms = 10000);
  void kill9();
  // Waits for the process to exit by itself; returns its exit code or -1 on timeout.
  int wait(int timeout_ms);
  // Waits until the log, as written since the last start(), contains `needle`.
  bool wait_for_log(const std::string& needle, int timeout_ms);
  // The log written since the last start() (a restart appends to the same file).
  std::string log() const;

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::string log_path_;
  size_t log_start_ = 0;
};

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
 private:
  std::string path_;
};

// Waits for a condition: calls fn() at once, then every poll_ms, until it
// returns true (then returns true) or timeout_ms have passed (then returns
// false, after one last call at the deadline). The way every test here waits:
// on something observable, never a fixed sleep.

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();
std::string bin(const std::string& program);  // RELAIS_BIN_DIR/program
std::string read_all(const std::string& path);
void write_all(const std::string& path, const std::string& data);

}  // namespace relais::test
