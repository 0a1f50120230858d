// The signed-file trailer of trust bundles, every version (docs/formats.md):
// a text body followed by exactly
//     [signature]
//     ed25519 = "<base64 of 64 bytes>"
// as the file's last bytes. The Ed25519 signature covers a version's context
// string (NUL included, e.g. "relais/bundle/v2\0") followed by every byte of
// the body. The base64 must be canonical, so any changed byte is refused.
// Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "crypto/keys.h"
#include "crypto/secret.h"
#include "util/status.h"

namespace relais {

// A file split into its body and its signature's base64 (views into the file).
struct SignedParts {
  std::string_view body;
  std::string_view sig_b64;
};

// Status::Invalid naming origin when the file is over max_bytes, truncated,
// or does not end with the trailer.
Result<SignedParts> split_signed_file(std::string_view file, size_t max_bytes, const std::string& origin);

// Status::Invalid naming origin when the signature is not canonical base64 of
// 64 bytes, or does not verify under context and signer; `if_wrong` ends the
// message of a signature that does not verify (what it means for the reader).
Status verify_signed_parts(const SignedParts& parts, std::string_view context, const PublicKey& signer,
                           const std::string& origin, std::string_view if_wrong);

// body (ending with '\n') followed by its trailer, signed under context.
std::string sign_file(std::string_view body, std::string_view context, const SecretBytes& sign_sk);

}  // namespace relais
