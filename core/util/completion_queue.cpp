// The eventfd behind CompletionQueue (see completion_queue.h).
#include "util/completion_queue.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cassert>
#include <cstdint>
#include <cstdlib>

namespace relais {

EventFd::EventFd() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (fd_ < 0) std::abort();  // out of file descriptors at start: nothing sensible to do
}

EventFd::~EventFd() { close(fd_); }

void EventFd::signal() {
  const uint64_t one = 1;
  (void)!write(fd_, &one, sizeof one);  // only fails when the counter is saturated: still readable
}

void EventFd::reset() {
  uint64_t n = 0;
  (void)!read(fd_, &n, sizeof n);  // EAGAIN when already reset
}

}  // namespace relais
