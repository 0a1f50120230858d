#include "desk/password_strength.h"

#include "crypto/passphrase_strength.h"
#include "desk/password_hasher.h"

namespace relais::desk {

Status check_password_strength(std::string_view password, const std::string& user) {
  if (password.size() < PasswordHasher::kMinLength)
    return Status::Invalid("the password is too short: use at least " +
                           std::to_string(PasswordHasher::kMinLength) +
                           " characters, for example three or four unrelated words");
  if (password.size() > PasswordHasher::kMaxLength)
    return Status::Invalid("the password is too long: use at most " + std::to_string(PasswordHasher::kMaxLength) +
                           " characters");
  const double bits = guess_bits(password, {user, "relais", "cnltp", "togo"});
  if (bits < kMinBits)
    return Status::Invalid("the password is too easy to guess: use a longer one, for example three or four "
                           "unrelated words, and not the user's name");
  return Status::Ok();
}

}  // namespace relais::desk
