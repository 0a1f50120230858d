// relais-bench sync: the disk's own fdatasync latency, measured in the same
// run as the broker, because Relais acks and delivers a message only once its
// group commit is synced: publish->deliver latency cannot beat this.
// Appends 1 KB + fdatasync, `count` times, in a temporary file under `dir`.
// Back to back by default; with a rate, paced like the fixed loads of
// relais-bench e2e (one sync per message at 100 msg/s), because a disk synced
// every 10 ms does not answer like one synced without pause (a virtual disk's
// idle periods, the host's own writeback): that is the figure to set beside
// the broker's latency at that load.
#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

#include "bench_util.h"
#include "commands.h"

namespace relais::bench {

int run_disk_sync(const DiskSyncOptions& o) {
  assert(o.count > 0);  // the command line refuses 0
  const std::string path = o.dir + "/relais-bench-sync.tmp";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::cerr << "relais-bench sync: cannot create " << path << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  std::vector<char> block(1024, 'r');
  std::vector<double> us;
  us.reserve(o.count);
  bool failed = false;
  const int64_t start = mono_ns();
  for (size_t i = 0; i < o.count && !failed; ++i) {
    if (o.rate > 0) sleep_until_ns(start + static_cast<int64_t>(static_cast<double>(i) * 1e9 / o.rate));
    if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size())) failed = true;
    const int64_t t0 = mono_ns();
    if (::fdatasync(fd) != 0) failed = true;
    us.push_back(static_cast<double>(mono_ns() - t0) / 1000.0);
  }
  ::close(fd);
  ::unlink(path.c_str());
  if (failed) {
    std::cerr << "relais-bench sync: write or fdatasync failed in " << o.dir << "\n";
    return 1;
  }
  std::sort(us.begin(), us.end());
  auto pct = [&](double p) { return us[std::min(us.size() - 1, static_cast<size_t>(p / 100.0 * us.size()))]; };
  const std::string& k = o.prefix;
  emit(k + ".count", std::to_string(us.size()));
  if (o.rate > 0) emit(k + ".rate", o.rate, 0);
  emit(k + ".p50_ms", pct(50) / 1000.0, 3);
  emit(k + ".p99_ms", pct(99) / 1000.0, 3);
  emit(k + ".p999_ms", pct(99.9) / 1000.0, 3);
  emit(k + ".max_ms", us.back() / 1000.0, 3);
  return 0;
}

}  // namespace relais::bench
