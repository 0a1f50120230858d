#include "desk/password_hasher.h"

#include <sodium.h>

namespace relais::desk {

class PasswordHasher::Slot {
 public:
  explicit Slot(PasswordHasher& h) : h_(h) { h_.acquire(); }
  ~Slot() { h_.release(); }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

 private:
  PasswordHasher& h_;
};

PasswordHasher::PasswordHasher(unsigned long long opslimit, size_t memlimit)
    : opslimit_(opslimit), memlimit_(memlimit) {}

void PasswordHasher::acquire() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return running_ < kMaxConcurrent; });
  ++running_;
}

void PasswordHasher::release() {
  {
    std::lock_guard lock(mu_);
    --running_;
  }
  cv_.notify_one();
}

Result<std::string> PasswordHasher::hash(std::string_view password) {
  if (password.size() < kMinLength)
    return Status::Invalid("the password is too short: use at least " + std::to_string(kMinLength) + " characters");
  if (password.size() > kMaxLength)
    return Status::Invalid("the password is too long: use at most " + std::to_string(kMaxLength) + " characters");
  char out[crypto_pwhash_STRBYTES];
  Slot slot(*this);
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), opslimit_, memlimit_,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    return Status::IOError("not enough memory to hash the password: try again when the machine is less busy");
  return std::string(out);
}

bool PasswordHasher::verify(const std::string& stored, std::string_view password) {
  if (stored.empty() || stored.size() >= crypto_pwhash_STRBYTES || password.size() > kMaxLength) return false;
  Slot slot(*this);
  return crypto_pwhash_str_verify(stored.c_str(), password.data(), password.size()) == 0;
}

bool PasswordHasher::needs_rehash(const std::string& stored) const {
  return crypto_pwhash_str_needs_rehash(stored.c_str(), opslimit_, memlimit_) != 0;
}

}  // namespace relais::desk
