#include "audit/bundle_history.h"

#include <sodium.h>

#include <algorithm>

#include "util/bytes.h"

namespace relais {

namespace {

std::string since_text(const KeyStanding& k) {
  return k.since_serial != 0 ? " at serial " + std::to_string(k.since_serial) : std::string();
}

}  // namespace

KeyStanding sign_key_standing(const TrustBundle& bundle, const PublicKey& sign_pk) {
  KeyStanding k;
  auto m = bundle.find_by_sign_key(sign_pk);
  if (!m) return k;
  k.card = m->card;
  k.since_serial = m->since_serial;
  switch (m->state) {
    case KeyMatch::State::kCurrent: k.state = KeyState::kCurrent; break;
    case KeyMatch::State::kRetired: k.state = KeyState::kRetired; break;
    case KeyMatch::State::kRevoked: k.state = KeyState::kRevoked; break;
  }
  return k;
}

const TrustBundle* TrustView::for_message(uint64_t serial) const {
  if (auto it = by_serial.find(serial); it != by_serial.end()) return it->second.get();
  if (in_force) return in_force.get();
  return given.get();
}

SenderCheck check_sender(const TrustView& view, const Envelope& env) {
  return check_sender(view, env.header, env.core_hash, env.ct_hash, env.sig);
}

SenderCheck check_sender(const TrustView& view, const EnvelopeHeader& h, const Hash256& core_hash,
                         const Hash256& ct_hash, const std::array<uint8_t, 64>& sig) {
  return check_signed_by(look_up_sender(view, h), core_hash, ct_hash, sig);
}

SenderStanding look_up_sender(const TrustView& view, const EnvelopeHeader& h) {
  SenderStanding r;
  const TrustBundle* b = view.for_message(h.bundle_serial);
  if (b == nullptr) {
    r.fault_kind = "unknown bundle";
    r.detail = "the message names bundle serial " + std::to_string(h.bundle_serial) +
               ", and no bundle is known at this point of the log (its bundle_loaded events do not carry the "
               "bundles): pass the bundle with --bundle";
    return r;
  }
  const PublicCard* card = b->find(h.from);
  if (card == nullptr || card->role == Role::kBroker) {
    r.fault_kind = "unknown sender";
    r.detail = "sender \"" + h.from + "\" is not a participant of bundle serial " + std::to_string(b->serial) +
               " (message built with serial " + std::to_string(h.bundle_serial) + ")";
    if (b->serial != h.bundle_serial) r.detail += "; pass the bundle that lists it";
    return r;
  }
  r.card = card;
  // The key must still be current in the bundle in force when it was logged.
  if (!view.in_force) return r;
  const KeyStanding k = sign_key_standing(*view.in_force, card->sign_pk);
  if (k.state == KeyState::kCurrent && (k.card == nullptr || k.card->name == h.from)) return r;
  const std::string where = " (bundle serial " + std::to_string(view.in_force->serial) + ", loaded at seq " +
                            std::to_string(view.in_force_seq) + ")";
  r.fault_kind = "revoked key";
  switch (k.state) {
    case KeyState::kCurrent:
      r.detail = "signed with the key of " + k.card->name + " but sent as " + h.from + where;
      break;
    case KeyState::kRetired:
      r.detail = "signed by " + h.from + "'s key after the log shows it retired" + since_text(k) + where +
                 ": the broker must not have accepted it";
      break;
    case KeyState::kRevoked:
      r.detail = "signed by " + h.from + "'s key after the log shows it revoked" + since_text(k) + where +
                 ": the broker must not have accepted it";
      break;
    case KeyState::kAbsent:
      r.detail = "signed by " + h.from + "'s key after the log shows a bundle without it" + where +
                 ": the broker must not have accepted it";
      break;
  }
  return r;
}

SenderCheck check_signed_by(const SenderStanding& s, const Hash256& core_hash, const Hash256& ct_hash,
                            const std::array<uint8_t, 64>& sig) {
  SenderCheck r;
  r.card = s.card;
  if (s.card == nullptr) {
    r.fault_kind = s.fault_kind;
    r.detail = s.detail;
    return r;
  }
  const auto msg = envelope_signing_message(core_hash, ct_hash);
  if (crypto_sign_verify_detached(sig.data(), msg.data(), msg.size(), s.card->sign_pk.data()) != 0) {
    r.fault_kind = "bad signature";
    r.detail = "the sender's signature does not verify: the message was altered or forged";
    return r;
  }
  r.fault_kind = s.fault_kind;
  r.detail = s.detail;
  return r;
}

const SenderStanding& SenderMemo::look_up(const TrustView& view, const EnvelopeHeader& h) {
  if (!known_ || view_ != &view || serial_ != h.bundle_serial || from_ != h.from) {
    last_ = look_up_sender(view, h);
    view_ = &view;
    serial_ = h.bundle_serial;
    from_ = h.from;
    known_ = true;
  }
  return last_;
}

BundleHistory::BundleHistory(AuditTrust trust) : trust_(std::move(trust)) {
  auto v = std::make_shared<TrustView>();
  v->given = trust_.given;
  if (trust_.given) v->by_serial[trust_.given->serial] = trust_.given;
  view_ = std::move(v);
}

Status BundleHistory::add(uint64_t seq, int64_t ts_ms, const BundleLoadedFacts& ev) {
  if (!ev.has_serial) return Status::Invalid("a bundle_loaded event without a serial");
  LoadedBundle l;
  l.serial = ev.serial;
  l.seq = seq;
  l.ts_ms = ts_ms;
  l.hash_hex = ev.hash_hex;
  std::shared_ptr<const TrustBundle> bundle;
  if (!ev.bundle.empty()) {
    auto b = parse_bundle(ev.bundle, trust_.authority, "the bundle loaded at seq " + std::to_string(seq));
    if (!b.ok())
      return Status::Invalid(b.status().message() + " (is the pinned authority the one that signs this deployment's "
                                                     "bundles?)");
    if (b->serial != ev.serial)
      return Status::Invalid("the event says serial " + std::to_string(ev.serial) + " but carries the bundle of serial " +
                             std::to_string(b->serial));
    const std::string hex = to_hex(b->hash);
    if (!ev.hash_hex.empty() && ev.hash_hex != hex)
      return Status::Invalid("the event's hash is not the hash of the bundle it carries");
    l.hash_hex = hex;
    l.carried = true;
    bundle = std::make_shared<const TrustBundle>(std::move(*b));
  }
  auto it = loaded_.find(ev.serial);
  if (it != loaded_.end()) {
    if (!l.hash_hex.empty() && !it->second.hash_hex.empty() && l.hash_hex != it->second.hash_hex)
      return Status::Invalid("two different bundles were loaded under serial " + std::to_string(ev.serial) +
                             " (seq " + std::to_string(it->second.seq) + " and " + std::to_string(seq) + ")");
    if (!bundle) return Status::Ok();  // a restart reloading the same serial
    it->second.carried = true;
  } else {
    loaded_.emplace(ev.serial, l);
  }
  if (!bundle) return Status::Ok();
  auto v = std::make_shared<TrustView>(*view_);
  // A given bundle of the same serial must be the same file (check_given
  // says so); the carried one is what the broker used.
  v->by_serial[bundle->serial] = bundle;
  v->in_force = bundle;
  v->in_force_seq = seq;
  view_ = std::move(v);
  return Status::Ok();
}

const TrustBundle* BundleHistory::newest() const {
  const TrustBundle* best = trust_.given.get();
  for (const auto& [serial, b] : view_->by_serial)
    if (best == nullptr || serial > best->serial) best = b.get();
  return best;
}

Status BundleHistory::check_given() const {
  if (!trust_.given || loaded_.empty()) return Status::Ok();
  const TrustBundle& g = *trust_.given;
  const uint64_t newest_loaded = loaded_.rbegin()->first;
  if (auto it = loaded_.find(g.serial); it != loaded_.end()) {
    if (!it->second.hash_hex.empty() && it->second.hash_hex != to_hex(g.hash))
      return Status::Usage("--bundle (serial " + std::to_string(g.serial) +
                           ") is not the bundle the broker loaded under that serial (seq " +
                           std::to_string(it->second.seq) + "): the hashes differ. Pass the bundle the broker used, "
                           "or omit --bundle to use the bundles the log carries");
    return Status::Ok();
  }
  if (g.serial > newest_loaded) return Status::Ok();
  std::string serials;
  for (const auto& [s, l] : loaded_) serials += (serials.empty() ? "" : ", ") + std::to_string(s);
  return Status::Usage("--bundle has serial " + std::to_string(g.serial) +
                       ", which the broker never loaded and which is older than the bundles the log shows loaded (" +
                       serials + "): pass one of those or a newer bundle, or omit --bundle to use the bundles the log "
                       "carries");
}

}  // namespace relais
