// The policy of the sample deployment written by `relais-admin init`
// (identical to config/policy.toml, which a test keeps in sync).
#pragma once

#include <string_view>

namespace relais {

// Returns relais-policy/2 TOML text; valid for Policy::parse.
std::string_view sample_policy_toml();

}  // namespace relais
