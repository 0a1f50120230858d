// fail_with: how a relais-agent command reports a Status it cannot go on
// after: "<who>: <message>" on `err`, and the exit code the Status carries
// (1 refused or failed, 2 usage or configuration).
#pragma once

#include <iostream>
#include <string_view>

#include "util/status.h"

namespace relais {

inline int fail_with(const Status& s, std::ostream& err = std::cerr, std::string_view who = "relais-agent") {
  err << who << ": " << s.message() << "\n";
  return s.exit_code();
}

}  // namespace relais
