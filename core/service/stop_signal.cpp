#include "service/stop_signal.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace relais {

Result<std::unique_ptr<StopSignal>> StopSignal::install() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (::pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0)
    return Status::IOError("service: cannot block SIGTERM and SIGINT");
  const int fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) return Status::IOError(std::string("service: cannot read signals (signalfd: ") + std::strerror(errno) + ")");
  ::signal(SIGPIPE, SIG_IGN);
  return std::unique_ptr<StopSignal>(new StopSignal(fd));
}

StopSignal::~StopSignal() {
  if (fd_ >= 0) ::close(fd_);
}

bool StopSignal::wait(int64_t timeout_ms) {
  if (signo_ != 0) return true;
  pollfd p{fd_, POLLIN, 0};
  const int rc = ::poll(&p, 1, static_cast<int>(timeout_ms < 0 ? 0 : timeout_ms));
  if (rc <= 0) return false;
  signalfd_siginfo info{};
  if (::read(fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) signo_ = static_cast<int>(info.ssi_signo);
  return signo_ != 0;
}

}  // namespace relais
