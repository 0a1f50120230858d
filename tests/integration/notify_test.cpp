// relais-broker tells the service manager what it does (broker/notify.h):
// the test plays systemd's part with a unix datagram socket of its own,
// passed as NOTIFY_SOCKET, and reads READY=1, RELOADING=1 then READY=1
// around `relais-broker --reload`, and STOPPING=1 on SIGTERM, in order.
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "deployment.h"

using namespace relais::test;

namespace {

// A bound AF_UNIX datagram socket, as systemd's notification socket.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(path.size() < sizeof addr.sun_path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~NotifySocket() { ::close(fd_); }

  // The next datagram, or "" after timeout_ms without one.
  std::string next(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return "";
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }
  // Reads datagrams until one contains `state` (as a whole line); returns
  // that datagram, or "" when none came within timeout_ms each.
  std::string wait_for(const std::string& state, int timeout_ms = 15000) {
    while (true) {
      std::string m = next(timeout_ms);
      if (m.empty()) return "";
      for (const auto& line : lines_of(m))
        if (line == state) return m;
      seen_ += m + "\n---\n";
    }
  }
  const std::string& skipped() const { return seen_; }

 private:
  std::string path_;
  std::string seen_;
  int fd_ = -1;
};

bool has_line(const std::string& msg, const std::string& prefix) {
  for (const auto& line : lines_of(msg))
    if (line.rfind(prefix, 0) == 0) return true;
  return false;
}

}  // namespace

TEST_CASE("the broker notifies READY, RELOADING then READY, and STOPPING", "[integration][notify]") {
  Deployment d;
  TempDir sock_dir;
  NotifySocket sock(sock_dir.path() + "/notify");
  d.start_broker({{"NOTIFY_SOCKET", sock_dir.path() + "/notify"}});

  std::string ready = sock.wait_for("READY=1");
  INFO(sock.skipped());
  REQUIRE(!ready.empty());
  CHECK(has_line(ready, "STATUS=serving on tcp://127.0.0.1:"));
  // Nothing else was said before READY=1.
  CHECK(sock.skipped().empty());

  // A newer bundle, put in place as one rename, then --reload.
  ProcResult b = d.admin({"bundle", "--authority", d.dir() + "/keys/authority.key", "--cards", d.dir() + "/keys",
                          "--policy", d.dir() + "/policy.toml", "--serial", "2", "--out",
                          d.dir() + "/trust.bundle.tmp"});
  INFO(b.err);
  REQUIRE(b.exit_code == 0);
  REQUIRE(std::rename((d.dir() + "/trust.bundle.tmp").c_str(), (d.dir() + "/trust.bundle").c_str()) == 0);
  ProcResult r = run_process({bin("relais-broker"), "--config", d.dir() + "/broker.toml", "--reload"}, 60000);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);

  std::string reloading = sock.next(15000);
  CHECK(has_line(reloading, "RELOADING=1"));
  CHECK(has_line(reloading, "MONOTONIC_USEC="));
  std::string reloaded = sock.next(15000);
  CHECK(has_line(reloaded, "READY=1"));
  CHECK(has_line(reloaded, "STATUS=reloaded: bundle serial 2"));

  // A refused reload (the same serial again) still ends with READY=1.
  ProcResult again = run_process({bin("relais-broker"), "--config", d.dir() + "/broker.toml", "--reload"}, 60000);
  CHECK(again.exit_code == 1);
  CHECK(has_line(sock.next(15000), "RELOADING=1"));
  std::string refused = sock.next(15000);
  CHECK(has_line(refused, "READY=1"));
  CHECK(has_line(refused, "STATUS=reload refused, still under bundle serial 2"));

  CHECK(d.stop_broker() == 0);
  std::string stopping = sock.next(15000);
  CHECK(has_line(stopping, "STOPPING=1"));
}
