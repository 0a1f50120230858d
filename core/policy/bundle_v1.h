// The reader of version-1 trust bundles ("relais-bundle/1"), kept only for
// `relais-admin upgrade-bundle`: every other reader refuses version 1
// (policy/bundle.h). The file is checked exactly as version 1 was: the fixed
// trailer, canonical base64, then the authority's Ed25519 signature over
// "relais/bundle/v1\0" || body, before anything is parsed.
//
// Pure functions, safe on any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/keys.h"
#include "util/bytes.h"
#include "util/status.h"

namespace relais {

// What a version-1 bundle held. The policy text is relais-policy/1 and is not
// parsed here (upgrade_policy_v1_text converts it).
struct BundleV1 {
  uint64_t serial = 0;
  int64_t issued_at_ms = 0;
  std::string policy_text;
  std::vector<PublicCard> participants;  // revoked ones marked revoked
};

// Status::Invalid naming origin on a bad signature or a malformed file, or
// when the file is not version 1.
Result<BundleV1> parse_bundle_v1(ByteView file_bytes, const PublicKey& authority_sign_pk, const std::string& origin);

// The same policy as relais-policy/2: version 2 only adds sections, so the
// text is kept byte for byte except its format line. Status::Invalid when the
// text has no `format = "relais-policy/1"` line.
Result<std::string> upgrade_policy_v1_text(const std::string& policy_v1_text);

}  // namespace relais
