#include "util/no_core_dumps.h"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace relais {

Status disable_core_dumps() {
  const struct rlimit none {0, 0};
  if (::setrlimit(RLIMIT_CORE, &none) != 0)
    return Status::IOError(std::string("cannot disable core dumps (setrlimit RLIMIT_CORE): ") + std::strerror(errno));
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
    return Status::IOError(std::string("cannot disable core dumps (prctl PR_SET_DUMPABLE): ") + std::strerror(errno));
  return Status::Ok();
}

bool core_dumps_disabled() {
  struct rlimit rl {};
  if (::getrlimit(RLIMIT_CORE, &rl) != 0) return false;
  return rl.rlim_cur == 0 && rl.rlim_max == 0 && ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0;
}

}  // namespace relais
