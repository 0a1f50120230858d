#include "util/wipe.h"

#include <sodium.h>

namespace relais {

// resize() up to the capacity never reallocates, so the whole allocation is
// overwritten, including what a shorter earlier content left beyond size().
void wipe(std::string& s) {
  s.resize(s.capacity());
  if (!s.empty()) sodium_memzero(s.data(), s.size());
  s.clear();
}

void wipe(Bytes& b) {
  b.resize(b.capacity());
  if (!b.empty()) sodium_memzero(b.data(), b.size());
  b.clear();
}

}  // namespace relais
