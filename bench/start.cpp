// relais-bench start: exec relais-broker and time it until its "ready on"
// log line (restart-to-ready). With --keep the broker stays running, its pid
// is printed as "start.pid" and its stderr keeps flowing to a file next to
// the config; otherwise it is stopped with SIGTERM and waited for.
#include <cstring>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "commands.h"

namespace relais::bench {

int run_start(const StartOptions& o) {
  const std::string err_path = std::filesystem::path(o.config).parent_path().string() + "/broker.stderr";
  int fds[2];
  if (pipe(fds) != 0) return 1;
  const int64_t t0 = mono_ns();
  const pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    execl(o.broker.c_str(), o.broker.c_str(), "--config", o.config.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  std::string seen;
  bool ready = false;
  int out = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int64_t t_ready = 0;
  while (!ready) {
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, 60000) <= 0) break;
    char buf[4096];
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    if (out >= 0) (void)!write(out, buf, static_cast<size_t>(n));
    seen.append(buf, static_cast<size_t>(n));
    if (seen.find("ready on") != std::string::npos) {
      ready = true;
      t_ready = mono_ns();
    }
  }
  if (!ready) {
    std::cerr << "bench: the broker did not become ready:\n" << seen << "\n";
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    return 1;
  }
  emit("start.ready_ms", static_cast<double>(t_ready - t0) / 1e6, 1);
  // What the start had to rebuild: "duplicate index rebuilt with N messages".
  if (auto at = seen.find("rebuilt with "); at != std::string::npos) {
    const size_t from = at + std::strlen("rebuilt with ");
    emit("start.dedup_rebuilt", seen.substr(from, seen.find(' ', from) - from));
  }
  if (auto rss = process_status_kib(pid, "VmRSS")) emit("start.rss_kib", std::to_string(*rss));
  if (o.keep) {
    // Keep copying the broker's stderr from a detached child so its pipe never fills.
    if (fork() == 0) {
      char buf[4096];
      ssize_t n;
      while ((n = read(fds[0], buf, sizeof buf)) > 0)
        if (out >= 0) (void)!write(out, buf, static_cast<size_t>(n));
      _exit(0);
    }
    emit("start.pid", std::to_string(pid));
    return 0;
  }
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  return 0;
}

}  // namespace relais::bench
