// Keeping secrets out of core files: disable_core_dumps() sets the core
// file size limit to 0 (RLIMIT_CORE, soft and hard, so the process cannot
// raise it again) and marks the process not dumpable (PR_SET_DUMPABLE 0: no
// core file whatever the limit or core_pattern, and no ptrace attach or
// /proc/PID/mem read by other processes of the same user). The broker holds
// its keys; relais-agent holds its keys and decrypted documents. Both call it
// first thing in main. Status::IOError naming the call that failed (the
// programs go on and say so: an unprivileged process can always lower its
// own limits, so a failure means something unusual). Thread-safe; idempotent.
#pragma once

#include "util/status.h"

namespace relais {

Status disable_core_dumps();

// True when the process may not dump core: RLIMIT_CORE is 0 and it is not
// dumpable (what disable_core_dumps() sets).
bool core_dumps_disabled();

}  // namespace relais
