// Trust bundle writing, signature check and parsing (see bundle.h).
#include "policy/bundle.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <utility>
#include <sstream>

#include "crypto/card.h"
#include "crypto/hashing.h"
#include "policy/signed_file.h"
#include "util/clock.h"
#include "util/files.h"
#include "util/toml_reader.h"

namespace relais {
namespace {

constexpr std::string_view kBundleFormat = "relais-bundle/2";
constexpr std::string_view kBundleFormatV1 = "relais-bundle/1";
// The signature context, including its terminating NUL.
constexpr std::string_view kContext{"relais/bundle/v2\0", 17};


// TOML multi-line basic string holding exactly `text`.
std::string toml_multiline(std::string_view text) {
  std::string out = "\"\"\"\n";
  for (unsigned char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n' || c == '\t' || c >= 0x20) out += static_cast<char>(c);
    else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04X", c);
      out += buf;
    }
  }
  return out + "\"\"\"";
}

// True if the body declares the version-1 format (checked before the
// signature, whose context differs, so that the message can name the fix).
bool declares_v1(std::string_view body) {
  const std::string needle = "\nformat = \"" + std::string(kBundleFormatV1) + "\"";
  return body.find(needle) != std::string_view::npos;
}

Status check_cards(const std::vector<PublicCard>& cards,
                   const std::map<std::string, CardHistory, std::less<>>& history, uint64_t serial,
                   const std::string& origin) {
  std::set<std::string> names;
  std::set<PublicKey> links, signs;
  int brokers = 0;
  for (const auto& c : cards) {
    if (c.role == Role::kAuthority)
      return Status::Invalid("bundle: " + origin + ": '" + c.name + "' has role authority and cannot be a participant");
    if (!is_valid_participant_name(c.name))
      return Status::Invalid("bundle: " + origin + ": invalid participant name '" + c.name + "'");
    if (!names.insert(c.name).second)
      return Status::Invalid("bundle: " + origin + ": participant name '" + c.name + "' appears twice");
    if (!links.insert(c.link_pk).second)
      return Status::Invalid("bundle: " + origin + ": '" + c.name + "' reuses another participant's link key");
    if (!signs.insert(c.sign_pk).second)
      return Status::Invalid("bundle: " + origin + ": '" + c.name + "' reuses another participant's signing key");
    if (c.role == Role::kBroker) ++brokers;
  }
  if (brokers != 1)
    return Status::Invalid("bundle: " + origin + ": expected exactly one broker card, found " + std::to_string(brokers));
  for (const auto& [name, h] : history) {
    if (!names.count(name))
      return Status::Invalid("bundle: " + origin + ": history for '" + name + "', who has no card");
    if (h.revoked_at_serial > serial)
      return Status::Invalid("bundle: " + origin + ": '" + name + "' is revoked at serial " +
                             std::to_string(h.revoked_at_serial) + ", after this bundle's serial " +
                             std::to_string(serial));
    for (const auto& r : h.retired) {
      if (r.retired_at_serial == 0 || r.retired_at_serial > serial)
        return Status::Invalid("bundle: " + origin + ": a retired key of '" + name + "' has retired_at_serial " +
                               std::to_string(r.retired_at_serial) + ", not from 1 to this bundle's serial " +
                               std::to_string(serial));
      if (!signs.insert(r.sign_pk).second)
        return Status::Invalid("bundle: " + origin + ": a retired signing key of '" + name +
                               "' is also another key in the bundle");
      if (!links.insert(r.link_pk).second)
        return Status::Invalid("bundle: " + origin + ": a retired link key of '" + name +
                               "' is also another key in the bundle");
    }
  }
  return Status::Ok();
}

const CardHistory kNoHistory{};

}  // namespace

const PublicCard* TrustBundle::find(std::string_view name) const {
  for (const auto& c : participants)
    if (c.name == name) return &c;
  return nullptr;
}

const PublicCard* TrustBundle::find_by_link_key(const PublicKey& link_pk) const {
  for (const auto& c : participants)
    if (c.link_pk == link_pk) return &c;
  return nullptr;
}

std::optional<KeyMatch> TrustBundle::find_by_sign_key(const PublicKey& sign_pk) const {
  for (const auto& c : participants) {
    if (c.sign_pk == sign_pk) {
      if (!c.revoked) return KeyMatch{&c, KeyMatch::State::kCurrent, 0};
      return KeyMatch{&c, KeyMatch::State::kRevoked, history_of(c.name).revoked_at_serial};
    }
  }
  for (const auto& [name, h] : history) {
    for (const auto& r : h.retired) {
      if (r.sign_pk != sign_pk) continue;
      const PublicCard* c = find(name);
      if (c != nullptr) return KeyMatch{c, KeyMatch::State::kRetired, r.retired_at_serial};
    }
  }
  return std::nullopt;
}

const PublicCard* TrustBundle::broker() const {
  for (const auto& c : participants)
    if (c.role == Role::kBroker) return &c;
  return nullptr;
}

const CardHistory& TrustBundle::history_of(std::string_view name) const {
  auto it = history.find(name);
  return it == history.end() ? kNoHistory : it->second;
}

Result<Bytes> build_bundle(const Identity& authority, const BundleSpec& spec) {
  if (sodium_init() < 0) return Status::IOError("bundle: libsodium failed to initialise");
  if (authority.card.role != Role::kAuthority)
    return Status::Invalid("bundle: the signing key '" + authority.card.name + "' has role " +
                           std::string(role_name(authority.card.role)) + ", not authority");
  if (spec.serial == 0 || spec.serial > static_cast<uint64_t>(INT64_MAX))
    return Status::Invalid("bundle: serial must be from 1 to 2^63-1");
  auto policy = Policy::parse(spec.policy_text, "policy");
  if (!policy.ok()) return Status::Invalid("bundle: the policy is invalid:\n" + policy.status().message());
  const std::string_view locations_text =
      spec.locations_text.empty() ? Locations::builtin_csv() : std::string_view(spec.locations_text);
  auto locations = Locations::parse(locations_text, "locations");
  if (!locations.ok()) return Status::Invalid("bundle: the location table is invalid: " + locations.status().message());
  int64_t expires = spec.expires_at_ms;
  if (expires == 0) {
    if (spec.issued_at_ms > INT64_MAX - kDefaultBundleLifetimeMs)
      return Status::Invalid("bundle: issued_at_ms is too large");
    expires = spec.issued_at_ms + kDefaultBundleLifetimeMs;
  }
  if (expires <= spec.issued_at_ms) return Status::Invalid("bundle: the expiry must come after the issue time");

  std::vector<PublicCard> participants;
  for (const auto& c : spec.cards)
    if (c.role != Role::kAuthority) participants.push_back(c);
  std::sort(participants.begin(), participants.end(),
            [](const PublicCard& a, const PublicCard& b) { return a.name < b.name; });
  std::map<std::string, CardHistory, std::less<>> history = spec.history;
  for (const auto& c : participants) {
    auto it = history.find(c.name);
    if (c.revoked) {
      if (it == history.end()) it = history.emplace(c.name, CardHistory{}).first;
      if (it->second.revoked_at_serial == 0) it->second.revoked_at_serial = spec.serial;
    } else if (it != history.end() && it->second.revoked_at_serial != 0) {
      return Status::Invalid("bundle: '" + c.name + "' has a revocation serial but is not revoked");
    }
  }
  for (auto it = history.begin(); it != history.end();) {
    if (it->second.revoked_at_serial == 0 && it->second.retired.empty()) it = history.erase(it);
    else ++it;
  }
  RELAIS_RETURN_IF_ERROR(check_cards(participants, history, spec.serial, "new bundle"));

  std::ostringstream o;
  o << "# Relais trust bundle, signed by the authority. Any change to any byte of\n"
       "# this file invalidates it: issue a new bundle with relais-admin instead.\n";
  o << "format = \"" << kBundleFormat << "\"\n";
  o << "serial = " << spec.serial << "\n";
  o << "issued_at_ms = " << spec.issued_at_ms << "  # " << format_rfc3339_ms(spec.issued_at_ms) << "\n";
  o << "expires_at_ms = " << expires << "  # " << format_rfc3339_ms(expires) << "\n";
  o << "policy = " << toml_multiline(spec.policy_text) << "\n";
  o << "locations = " << toml_multiline(locations_text) << "\n";
  for (const auto& c : participants) {
    o << "\n[[participant]]\n";
    o << card_fields_toml(c, CardLayout::kBundle);
    if (auto it = history.find(c.name); it != history.end()) o << card_history_toml(it->second, "participant");
  }
  o << "\n";
  const std::string file = sign_file(o.str(), kContext, authority.sign_sk);
  // Self-check: what we write must parse back.
  auto back = parse_bundle(as_bytes(file), authority.card.sign_pk, "new bundle");
  if (!back.ok()) return back.status();
  return Bytes(file.begin(), file.end());
}

Result<Bytes> build_bundle(const Identity& authority, const std::vector<PublicCard>& cards,
                           std::string_view policy_text, uint64_t serial, int64_t issued_at_ms,
                           const std::vector<std::string>& revoked_names) {
  BundleSpec spec;
  spec.serial = serial;
  spec.issued_at_ms = issued_at_ms;
  spec.policy_text = std::string(policy_text);
  for (const auto& c : cards)
    if (c.role != Role::kAuthority) spec.cards.push_back(c);
  for (const auto& name : revoked_names) {
    auto it = std::find_if(spec.cards.begin(), spec.cards.end(), [&](const PublicCard& c) { return c.name == name; });
    if (it == spec.cards.end()) return Status::Invalid("bundle: cannot revoke '" + name + "': no such participant card");
    it->revoked = true;
  }
  return build_bundle(authority, spec);
}

Result<TrustBundle> parse_bundle(ByteView file, const PublicKey& authority_sign_pk, const std::string& origin) {
  if (sodium_init() < 0) return Status::IOError("bundle: libsodium failed to initialise");
  auto parts = split_signed_file(as_chars(file), kMaxBundleBytes, origin);
  if (!parts.ok()) return parts.status();
  const std::string_view body = parts->body;
  if (declares_v1(body))
    return Status::Invalid("bundle: " + origin +
                           " is a version-1 bundle; convert it with relais-admin upgrade-bundle (it checks the "
                           "signature and signs a version-2 bundle with the next serial)");
  RELAIS_RETURN_IF_ERROR(verify_signed_parts(*parts, kContext, authority_sign_pk, origin,
                                             "the signature does not verify with the pinned authority key; the file "
                                             "was altered or signed by another authority. Refusing it"));

  // Signed by the authority: now parse (still defensively), every problem at once.
  TomlReader reader(body, origin, "bundle");
  TomlTable root = reader.root();
  TrustBundle b;
  if (auto format = root.get_string("format", true); format && *format != kBundleFormat)
    root.error("format", "unsupported format '" + *format + "' (expected \"" + std::string(kBundleFormat) + "\")");
  if (auto serial = root.get_int("serial", true, 1, INT64_MAX)) b.serial = static_cast<uint64_t>(*serial);
  if (auto issued = root.get_int("issued_at_ms", true, INT64_MIN, INT64_MAX)) b.issued_at_ms = *issued;
  if (auto expires = root.get_int("expires_at_ms", true, INT64_MIN, INT64_MAX)) {
    b.expires_at_ms = *expires;
    if (b.expires_at_ms <= b.issued_at_ms) root.error("expires_at_ms", "expires_at_ms is not after issued_at_ms");
  }
  if (auto policy_text = root.get_string("policy", true)) b.policy_text = std::move(*policy_text);
  if (auto locations_text = root.get_string("locations", true)) b.locations_text = std::move(*locations_text);
  for (auto& t : root.get_tables("participant", false)) {
    auto c = read_card_fields(t, CardLayout::kBundle);
    if (c) {
      if (auto h = read_card_history(t, *c)) {
        if (h->revoked_at_serial != 0 || !h->retired.empty()) {
          if (!b.history.emplace(c->name, std::move(*h)).second)
            t.error("name", "participant name '" + c->name + "' appears twice");
        }
      }
      b.participants.push_back(std::move(*c));
    }
    t.reject_unknown();
  }
  root.reject_unknown();
  RELAIS_RETURN_IF_ERROR(reader.finish(Code::kInvalid));
  auto policy = Policy::parse(b.policy_text, origin + " (policy)");
  if (!policy.ok()) return Status::Invalid("bundle: invalid policy:\n" + policy.status().message());
  b.policy = std::move(*policy);
  auto locations = Locations::parse(b.locations_text, origin + " (locations)");
  if (!locations.ok()) return Status::Invalid("bundle: invalid location table: " + locations.status().message());
  b.locations = std::move(*locations);
  RELAIS_RETURN_IF_ERROR(check_cards(b.participants, b.history, b.serial, origin));
  b.file.assign(file.begin(), file.end());
  b.hash = blake2b_256(file);
  return b;
}

Result<TrustBundle> load_bundle(const std::string& path, const PublicKey& authority_sign_pk) {
  auto bytes = read_file(path, kMaxBundleBytes);
  if (!bytes.ok()) return Status::IOError("bundle: cannot read " + path + ": " + bytes.status().message());
  return parse_bundle(*bytes, authority_sign_pk, path);
}

BundleSpec spec_of(const TrustBundle& b) {
  BundleSpec spec;
  spec.serial = b.serial;
  spec.issued_at_ms = b.issued_at_ms;
  spec.expires_at_ms = b.expires_at_ms;
  spec.policy_text = b.policy_text;
  spec.locations_text = b.locations_text;
  spec.cards = b.participants;
  spec.history = b.history;
  return spec;
}

}  // namespace relais
