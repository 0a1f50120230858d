// Anti-downgrade memory for trust bundles (docs/design.md §The trust bundle):
// a small state file
// holding the newest bundle serial this program has accepted.
//
// State file format: the decimal serial followed by "\n", mode 0600.
// Safe to call from one process at a time per state file.
#pragma once

#include <cstdint>
#include <string>

#include "util/status.h"

namespace relais {

// Refuses (Status::Refused, naming the bundle, the state file and both
// serials) a serial older than the newest recorded in state_file; records a
// newer one durably (write_file_durable). A missing file means none seen; an
// unreadable or malformed one is Status::Config (fail closed).
Status check_and_record_serial(const std::string& state_file, uint64_t serial, const std::string& bundle_origin);

// The same check without recording anything (for --check-config).
Status check_serial(const std::string& state_file, uint64_t serial, const std::string& bundle_origin);

}  // namespace relais
