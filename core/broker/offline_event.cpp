#include "broker/offline_event.h"

#include <poll.h>
#include <vector>

namespace relais {

Result<uint64_t> log_event_durably(Log& log, uint64_t token, int64_t ts_ms, ByteView body) {
  log.submit_event(token, ts_ms, body);
  std::vector<Completion> got;
  while (got.empty()) {
    pollfd p{log.completion_fd(), POLLIN, 0};
    ::poll(&p, 1, 1000);
    log.drain_completions(&got);
  }
  if (!got[0].status.ok()) return got[0].status;
  return got[0].seq;
}

}  // namespace relais
