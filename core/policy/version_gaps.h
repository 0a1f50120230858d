// Versions of one document type that a policy treats differently without
// saying so: alert/1 and alert/2 both allowed, but a [retention] or [expiry]
// entry for only one of them. Periods name a version, so such a policy keeps
// the other version for longer (or for ever) than its author meant.
// relais-admin set-policy prints each gap as a warning (the policy is still
// signed: it may be what the commission wants).
// Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "policy/policy.h"

namespace relais {

// One sentence per gap, for people: which versions differ, how, and the fix.
std::vector<std::string> version_gaps(const Policy& policy);

}  // namespace relais
