#include <iostream>

#include "commands.h"
#include "crypto/keys.h"
#include "util/bytes.h"

namespace relais::audit {

int report(const Status& s) {
  std::cerr << "relais-audit: " << s.message() << "\n";
  return s.exit_code();
}

Result<PublicKey> pinned_authority(const Global& g) {
  if (g.authority_pub.empty() == g.authority_key.empty())
    return Status::Usage(
        "pin the authority's key that signs the bundles: pass exactly one of --authority-pub AUTH.pub or "
        "--authority-key BASE64 (obtained from the commission out of band, never from the broker)");
  PublicKey pk{};
  if (!g.authority_pub.empty()) {
    auto card = load_card(g.authority_pub);
    if (!card.ok()) return Status::Config(card.status().message());
    if (card->role != Role::kAuthority)
      return Status::Config(g.authority_pub + " is not an authority card (role " + std::string(role_name(card->role)) +
                            ")");
    return card->sign_pk;
  }
  auto raw = from_base64(g.authority_key);
  if (!raw.ok() || raw->size() != pk.size())
    return Status::Usage("--authority-key must be the base64 of the authority's 32-byte Ed25519 public key");
  std::copy(raw->begin(), raw->end(), pk.begin());
  return pk;
}

namespace {

Result<TrustBundle> load_given_bundle(const Global& g, const PublicKey& pk) {
  auto b = load_bundle(g.bundle, pk);
  if (!b.ok()) {
    if (b.status().code() == Code::kIOError) return Status::Config(b.status().message());
    return Status::Invalid(b.status().message() + " (is it the bundle signed by the pinned authority?)");
  }
  return b;
}

}  // namespace

Result<TrustBundle> load_pinned_bundle(const Global& g) {
  if (g.bundle.empty()) return Status::Usage("pass the trust bundle with --bundle FILE");
  auto pk = pinned_authority(g);
  if (!pk.ok()) return pk.status();
  return load_given_bundle(g, *pk);
}

Result<AuditTrust> load_trust(const Global& g) {
  auto pk = pinned_authority(g);
  if (!pk.ok()) return pk.status();
  AuditTrust t;
  t.authority = *pk;
  if (!g.bundle.empty()) {
    auto b = load_given_bundle(g, *pk);
    if (!b.ok()) return b.status();
    t.given = std::make_shared<const TrustBundle>(std::move(*b));
  }
  return t;
}

Status require_data(const Global& g, const char* command) {
  if (g.data.empty()) return Status::Usage(std::string(command) + ": pass the broker's data folder (or a copy) with --data DIR");
  return Status::Ok();
}

}  // namespace relais::audit
