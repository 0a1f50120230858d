#include "store/sealed_value.h"

#include <cassert>
#include <sodium.h>

namespace relais {
namespace {

constexpr std::string_view kDomain = "relais-store/v1";

Bytes aad_of(const SealedPlace& place) {
  Bytes aad;
  aad.reserve(kDomain.size() + place.table.size() + place.row_id.size() + place.column.size() + 4);
  auto put = [&aad](std::string_view s) { aad.insert(aad.end(), s.begin(), s.end()); };
  put(kDomain);
  aad.push_back(0);
  put(place.table);
  aad.push_back(0);
  put(place.row_id);
  aad.push_back(0);
  put(place.column);
  return aad;
}

}  // namespace

Bytes seal_value(const SecretBytes& key, const SealedPlace& place, ByteView plain) {
  assert(key.size() == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
  constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  const Bytes aad = aad_of(place);
  Bytes out(kNonce + plain.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  randombytes_buf(out.data(), kNonce);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + kNonce, &clen, plain.data(), plain.size(), aad.data(),
                                             aad.size(), nullptr, out.data(), key.data());
  out.resize(kNonce + static_cast<size_t>(clen));
  return out;
}

Result<std::string> open_value(const SecretBytes& key, const SealedPlace& place, ByteView sealed) {
  assert(key.size() == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
  constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
  const std::string where = "store: the sealed " + std::string(place.column) + " of " + std::string(place.table) +
                            " row " + std::string(place.row_id);
  if (sealed.size() < kNonce + kTag) return Status::Corruption(where + " is truncated; the store file is damaged");
  const Bytes aad = aad_of(place);
  std::string plain(sealed.size() - kNonce - kTag, '\0');
  unsigned long long plen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<uint8_t*>(plain.data()), &plen, nullptr,
                                                 sealed.data() + kNonce, sealed.size() - kNonce, aad.data(),
                                                 aad.size(), sealed.data(), key.data()) != 0)
    return Status::Corruption(where +
                              " does not open: the store file is damaged or the value was moved from another row");
  plain.resize(static_cast<size_t>(plen));
  return plain;
}

}  // namespace relais
