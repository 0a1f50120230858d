#include "crypto/secret.h"

#include <cstdlib>
#include <sodium.h>

namespace relais {

SecretBytes::SecretBytes(size_t size) : size_(size) {
  if (sodium_init() < 0) std::abort();
  data_ = static_cast<uint8_t*>(sodium_malloc(size == 0 ? 1 : size));
  if (data_ == nullptr) std::abort();  // out of secure memory: cannot continue safely
  sodium_memzero(data_, size == 0 ? 1 : size);
}

SecretBytes::~SecretBytes() {
  if (data_ != nullptr) sodium_free(data_);  // sodium_free wipes before freeing
}

SecretBytes& SecretBytes::operator=(SecretBytes&& o) noexcept {
  if (this != &o) {
    if (data_ != nullptr) sodium_free(data_);
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
  }
  return *this;
}

}  // namespace relais
