// The desk's TLS certificate for an office network: a fresh ECDSA P-256 key
// (written 0600) and a self-signed X.509 certificate naming the desk's host
// names (subjectAltName: DNS names and IP addresses), valid `days` days,
// made with OpenSSL's libcrypto. The certificate's SHA-256 fingerprint
// ("AB:CD:...") is what each office PC checks once when the browser first
// warns about it (docs/desk.md). Neither file is overwritten (Status::Invalid
// naming it).
#pragma once

#include <string>
#include <vector>

#include "util/status.h"

namespace relais::desk {

struct DeskCertificate {
  std::string cert_path;
  std::string key_path;
  std::string sha256_fingerprint;
};

Result<DeskCertificate> make_desk_certificate(const std::string& cert_path, const std::string& key_path,
                                              const std::vector<std::string>& hostnames, int days);

// The SHA-256 fingerprint of a PEM certificate file.
Result<std::string> certificate_fingerprint(const std::string& cert_path);

}  // namespace relais::desk
