#include "service/hook_runner.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/clock.h"

namespace relais {

HookRunner::HookRunner(std::string program, int64_t timeout_ms, ServiceLog log)
    : program_(std::move(program)), timeout_ms_(timeout_ms), log_(std::move(log)) {}

HookRunner::~HookRunner() { finish(monotonic_ms()); }

void HookRunner::submit(std::string label, std::string input) {
  if (queued_.size() >= kMaxQueued) {
    log_("on_message: " + std::to_string(kMaxQueued) + " runs already wait; not run for message " + label);
    return;
  }
  queued_.push_back(Pending{std::move(label), std::move(input)});
  poll();
}

bool HookRunner::start(Pending p) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    log_("on_message: cannot make a pipe (" + std::string(std::strerror(errno)) + "); not run for message " + p.label);
    return false;
  }
  const char* argv[] = {program_.c_str(), nullptr};
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    log_("on_message: cannot start " + program_ + " (" + std::strerror(errno) + "); not run for message " + p.label);
    return false;
  }
  if (pid == 0) {  // the child: async-signal-safe calls only
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::setpgid(0, 0);
    ::dup2(fds[0], 0);
    ::dup2(2, 1);
    ::execv(argv[0], const_cast<char* const*>(argv));
    ::_exit(127);
  }
  ::close(fds[0]);
  ::fcntl(fds[1], F_SETFL, ::fcntl(fds[1], F_GETFL) | O_NONBLOCK);
  Running r;
  r.pid = pid;
  r.fd = fds[1];
  r.label = std::move(p.label);
  r.input = std::move(p.input);
  r.started_ms = monotonic_ms();
  running_.push_back(std::move(r));
  feed(running_.back());
  return true;
}

void HookRunner::feed(Running& r) {
  while (r.fd >= 0 && r.written < r.input.size()) {
    const ssize_t n = ::write(r.fd, r.input.data() + r.written, r.input.size() - r.written);
    if (n > 0) {
      r.written += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      return;  // the rest at the next poll
    } else {
      break;  // the program closed its input (EPIPE): it does not want the rest
    }
  }
  if (r.fd >= 0) {
    ::close(r.fd);
    r.fd = -1;
  }
}

void HookRunner::poll() {
  const int64_t now = monotonic_ms();
  for (auto it = running_.begin(); it != running_.end();) {
    Running& r = *it;
    feed(r);
    int status = 0;
    const pid_t done = ::waitpid(r.pid, &status, WNOHANG);
    if (done == r.pid || (done < 0 && errno == ECHILD)) {
      if (r.fd >= 0) ::close(r.fd);
      if (done == r.pid && WIFEXITED(status) && WEXITSTATUS(status) != 0)
        log_("on_message: " + program_ + " exited with code " + std::to_string(WEXITSTATUS(status)) +
             (WEXITSTATUS(status) == 127 ? " (could it be started? check the path and its mode)" : "") +
             " for message " + r.label);
      else if (done == r.pid && WIFSIGNALED(status) && !r.killed)
        log_("on_message: " + program_ + " was ended by signal " + std::to_string(WTERMSIG(status)) +
             " for message " + r.label);
      it = running_.erase(it);
      continue;
    }
    if (!r.killed && now - r.started_ms > timeout_ms_) {
      ::kill(-r.pid, SIGKILL);
      ::kill(r.pid, SIGKILL);
      r.killed = true;
      log_("on_message: " + program_ + " ran longer than " + std::to_string(timeout_ms_ / 1000) +
           " s for message " + r.label + ": killed");
    }
    ++it;
  }
  while (running_.size() < kMaxRunning && !queued_.empty()) {
    Pending p = std::move(queued_.front());
    queued_.pop_front();
    start(std::move(p));
  }
}

void HookRunner::finish(int64_t deadline_mono_ms) {
  if (!queued_.empty()) {
    log_("on_message: stopping; " + std::to_string(queued_.size()) + " runs not started");
    queued_.clear();
  }
  while (!running_.empty() && monotonic_ms() < deadline_mono_ms) {
    poll();
    if (!running_.empty()) ::usleep(20000);
  }
  for (Running& r : running_) {
    ::kill(-r.pid, SIGKILL);
    ::kill(r.pid, SIGKILL);
    if (r.fd >= 0) ::close(r.fd);
    int status = 0;
    ::waitpid(r.pid, &status, 0);
    log_("on_message: stopping; " + program_ + " killed for message " + r.label);
  }
  running_.clear();
}

}  // namespace relais
