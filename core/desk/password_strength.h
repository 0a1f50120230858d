// Password strength for desk accounts: zxcvbn's estimate (through
// crypto/passphrase_strength.h, the one zxcvbn wrapper) of how many guesses a
// password takes, with the account name and
// "relais" as words an attacker would try first. check_password_strength
// returns Status::Invalid in plain words for a password shorter than
// PasswordHasher::kMinLength or estimated below kMinBits, and never quotes
// the password. Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace relais::desk {

inline constexpr double kMinBits = 40.0;

Status check_password_strength(std::string_view password, const std::string& user);

}  // namespace relais::desk
