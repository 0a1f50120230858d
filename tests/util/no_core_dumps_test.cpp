// disable_core_dumps (util/no_core_dumps.h), run in a child process so that
// the test program itself keeps its settings.
#include <catch2/catch.hpp>

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/no_core_dumps.h"

using namespace relais;

TEST_CASE("after disable_core_dumps the core limit is 0 for good and the process is not dumpable", "[util][core]") {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Start from a process that could dump core, as a shell with ulimit -c unlimited makes.
    rlimit some{};
    ::getrlimit(RLIMIT_CORE, &some);
    some.rlim_cur = some.rlim_max;
    ::setrlimit(RLIMIT_CORE, &some);
    if (some.rlim_cur == 0 || core_dumps_disabled()) ::_exit(3);
    if (!disable_core_dumps().ok()) ::_exit(4);
    rlimit after{};
    ::getrlimit(RLIMIT_CORE, &after);
    if (after.rlim_cur != 0 || after.rlim_max != 0) ::_exit(5);
    if (::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) ::_exit(6);
    const rlimit again{1 << 20, 1 << 20};
    if (::setrlimit(RLIMIT_CORE, &again) == 0 && ::geteuid() != 0) ::_exit(7);  // the hard limit holds
    if (!disable_core_dumps().ok() || !core_dumps_disabled()) ::_exit(8);        // idempotent
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
