// The signed-file trailer of trust bundles (see signed_file.h).
#include "policy/signed_file.h"

#include <sodium.h>

#include <array>
#include <cstring>

#include "util/bytes.h"

namespace relais {
namespace {

constexpr std::string_view kTrailerHead = "[signature]\ned25519 = \"";
constexpr std::string_view kTrailerTail = "\"\n";
constexpr size_t kSigB64 = 88;  // base64 of 64 bytes, with padding
constexpr size_t kTrailerSize = kTrailerHead.size() + kSigB64 + kTrailerTail.size();

Bytes signed_message(std::string_view context, std::string_view body) {
  // Sized once and filled with memcpy: GCC 12 warns falsely on vector::insert here.
  Bytes m(context.size() + body.size());
  std::memcpy(m.data(), context.data(), context.size());
  if (!body.empty()) std::memcpy(m.data() + context.size(), body.data(), body.size());
  return m;
}

}  // namespace

Result<SignedParts> split_signed_file(std::string_view text, size_t max_bytes, const std::string& origin) {
  if (text.size() > max_bytes) return Status::Invalid("bundle: " + origin + " is too large");
  if (text.size() < kTrailerSize + 1)
    return Status::Invalid("bundle: " + origin + " is truncated: no signature trailer");
  SignedParts p;
  p.body = text.substr(0, text.size() - kTrailerSize);
  const std::string_view trailer = text.substr(p.body.size());
  if (!trailer.starts_with(kTrailerHead) || !trailer.ends_with(kTrailerTail) || p.body.back() != '\n')
    return Status::Invalid("bundle: " + origin +
                           " does not end with its [signature] trailer: the file was altered or truncated");
  p.sig_b64 = trailer.substr(kTrailerHead.size(), kSigB64);
  return p;
}

Status verify_signed_parts(const SignedParts& parts, std::string_view context, const PublicKey& signer,
                           const std::string& origin, std::string_view if_wrong) {
  if (sodium_init() < 0) return Status::IOError("bundle: libsodium failed to initialise");
  auto sig = from_base64(parts.sig_b64);
  if (!sig.ok() || sig->size() != crypto_sign_BYTES || to_base64(*sig) != parts.sig_b64)
    return Status::Invalid("bundle: " + origin + ": the signature is not valid base64 of 64 bytes: the file was altered");
  const Bytes msg = signed_message(context, parts.body);
  if (crypto_sign_verify_detached(sig->data(), msg.data(), msg.size(), signer.data()) != 0)
    return Status::Invalid("bundle: " + origin + ": " + std::string(if_wrong));
  return Status::Ok();
}

std::string sign_file(std::string_view body, std::string_view context, const SecretBytes& sign_sk) {
  const Bytes msg = signed_message(context, body);
  std::array<uint8_t, crypto_sign_BYTES> sig{};
  crypto_sign_detached(sig.data(), nullptr, msg.data(), msg.size(), sign_sk.data());
  std::string file(body);
  file += kTrailerHead;
  file += to_base64(sig);
  file += kTrailerTail;
  return file;
}

}  // namespace relais
