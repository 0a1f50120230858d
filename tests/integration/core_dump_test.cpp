// relais-agent holds keys and decrypted documents: like the broker, it
// disables its core dumps. Checked on the running programs through
// /proc/PID/limits, after the test raised the core limit they inherit.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <fstream>
#include <sstream>
#include <string>

#include "deployment.h"

using namespace relais::test;

namespace {

// The "Max core file size" line of /proc/PID/limits.
std::string core_limit_of(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/limits");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("Max core file size", 0) == 0) return line;
  return "";
}

// Raises this process's soft core limit (inherited by the children started
// while it lives) and puts it back on destruction.
struct CoreLimitRaised {
  rlimit saved{};
  CoreLimitRaised() {
    REQUIRE(::getrlimit(RLIMIT_CORE, &saved) == 0);
    rlimit raised = saved;
    raised.rlim_cur = saved.rlim_max == RLIM_INFINITY ? (64u << 20) : saved.rlim_max;
    REQUIRE(raised.rlim_cur > 0);  // a hard limit of 0 leaves nothing to show
    REQUIRE(::setrlimit(RLIMIT_CORE, &raised) == 0);
  }
  ~CoreLimitRaised() { ::setrlimit(RLIMIT_CORE, &saved); }
};

bool no_core(const std::string& line) {
  // "Max core file size        0                    0                    bytes"
  std::istringstream in(line.substr(std::string("Max core file size").size()));
  std::string soft, hard;
  in >> soft >> hard;
  return soft == "0" && hard == "0";
}

}  // namespace

TEST_CASE("relais-agent and relais-broker run with core dumps disabled", "[integration][core-dump]") {
  Deployment d;
  CoreLimitRaised raised;
  d.start_broker();
  ChildProcess sub;
  d.start_subscriber(sub, "commission", {"--topic", ">", "--timeout", "30"}, d.dir() + "/sub.log");
  const std::string agent = core_limit_of(sub.pid());
  const std::string broker = core_limit_of(d.broker().pid());
  INFO(agent << "\n" << broker);
  CHECK(no_core(agent));
  CHECK(no_core(broker));
  sub.stop();
}
