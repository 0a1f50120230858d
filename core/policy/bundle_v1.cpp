// Version-1 trust bundle reading, for relais-admin upgrade-bundle (see bundle_v1.h).
#include "policy/bundle_v1.h"

#include <sodium.h>

#include "crypto/card.h"
#include "policy/signed_file.h"
#include "util/toml_reader.h"

namespace relais {
namespace {

constexpr std::string_view kFormatV1 = "relais-bundle/1";
constexpr std::string_view kContextV1{"relais/bundle/v1\0", 17};
constexpr size_t kMaxBytes = 16u << 20;

}  // namespace

Result<BundleV1> parse_bundle_v1(ByteView file, const PublicKey& authority_sign_pk, const std::string& origin) {
  if (sodium_init() < 0) return Status::IOError("bundle: libsodium failed to initialise");
  auto parts = split_signed_file(as_chars(file), kMaxBytes, origin);
  if (!parts.ok()) return parts.status();
  const std::string_view body = parts->body;
  RELAIS_RETURN_IF_ERROR(verify_signed_parts(*parts, kContextV1, authority_sign_pk, origin,
                                             "the signature does not verify with the authority key (as a version-1 "
                                             "bundle); the file was altered, signed by another authority, or is not "
                                             "version 1"));

  TomlReader reader(body, origin, "bundle");
  TomlTable root = reader.root();
  BundleV1 b;
  if (auto format = root.get_string("format", true); format && *format != kFormatV1)
    root.error("format", "format '" + *format + "' is not \"" + std::string(kFormatV1) + "\"");
  if (auto serial = root.get_int("serial", true, 1, INT64_MAX)) b.serial = static_cast<uint64_t>(*serial);
  if (auto issued = root.get_int("issued_at_ms", true, INT64_MIN, INT64_MAX)) b.issued_at_ms = *issued;
  if (auto policy_text = root.get_string("policy", true)) b.policy_text = std::move(*policy_text);
  for (auto& t : root.get_tables("participant", false)) {
    if (auto c = read_card_fields(t, CardLayout::kBundle)) b.participants.push_back(std::move(*c));
    t.reject_unknown();
  }
  root.reject_unknown();
  RELAIS_RETURN_IF_ERROR(reader.finish(Code::kInvalid));
  return b;
}

Result<std::string> upgrade_policy_v1_text(const std::string& text) {
  constexpr std::string_view kOld = "format = \"relais-policy/1\"";
  constexpr std::string_view kNew = "format = \"relais-policy/2\"";
  size_t at = 0;
  while ((at = text.find(kOld, at)) != std::string::npos) {
    const bool line_start = at == 0 || text[at - 1] == '\n';
    if (line_start) {
      std::string out = text;
      out.replace(at, kOld.size(), kNew);
      return out;
    }
    at += kOld.size();
  }
  return Status::Invalid("policy: no line format = \"relais-policy/1\" to convert; is it a version-1 policy?");
}

}  // namespace relais
