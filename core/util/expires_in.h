// `publish --expires-in DURATION`: an integer followed by m (minutes), h
// (hours) or d (days), such as 90m or 30d, at least one minute and at most
// 10 years. Returns milliseconds, or Status::Usage with an example. Pure
// function.
#pragma once

#include <cstdint>
#include <string_view>

#include "util/status.h"

namespace relais {

inline constexpr int64_t kDefaultExpiryMs = 30LL * 86400000;  // when neither the option nor the policy says

Result<int64_t> parse_expires_in(std::string_view text);

}  // namespace relais
