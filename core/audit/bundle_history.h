// The trust bundles a log shows loaded, for checking every message against
// the bundle it was built with (docs/audit.md §2. Verify).
//
// The broker appends a bundle_loaded event {serial, hash, bundle} each time
// it puts a bundle in force; "bundle" is the exact signed file. The auditor
// pins only the authority's key: BundleHistory verifies each carried bundle
// against it, in log order, and hands out immutable TrustView snapshots of
// what is known at one point of the log, which worker threads may share.
//
// A message is checked (check_sender) against:
//   - the bundle its envelope names (header bundle_serial), when known: a
//     bundle the log carried, or the one the auditor gave (--bundle);
//   - else the bundle in force at that point (the latest bundle_loaded
//     before it), else the given one.
// Then its signing key is looked up in the bundle in force at that point:
// a key the log already shows revoked or retired (or gone) signed nothing
// the broker may accept, so such a message is a fault ("revoked key").
//
// Not thread-safe (one scanning thread calls add); TrustView is immutable
// and safe to share.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "audit/event_view.h"
#include "crypto/envelope.h"
#include "crypto/keys.h"
#include "policy/bundle.h"
#include "util/status.h"

namespace relais {

// What the auditor pins: the authority key, and optionally a bundle (already
// verified against it) given on the command line.
struct AuditTrust {
  PublicKey authority{};
  std::shared_ptr<const TrustBundle> given;  // may be null
};

// One serial the log shows loaded (the first bundle_loaded of that serial).
struct LoadedBundle {
  uint64_t serial = 0;
  uint64_t seq = 0;      // of the first bundle_loaded event for it
  int64_t ts_ms = 0;     // the broker's time of that event
  std::string hash_hex;  // as the event states it
  bool carried = false;  // the event carried the file (and it verified)
};

// How a signing key stands in one bundle.
enum class KeyState { kCurrent, kRetired, kRevoked, kAbsent };
struct KeyStanding {
  const PublicCard* card = nullptr;  // the participant the key belongs (or belonged) to
  KeyState state = KeyState::kAbsent;
  uint64_t since_serial = 0;         // retired/revoked at this serial (0: unknown)
};
KeyStanding sign_key_standing(const TrustBundle& bundle, const PublicKey& sign_pk);

struct TrustView {
  std::map<uint64_t, std::shared_ptr<const TrustBundle>> by_serial;  // verified, so far (and the given one)
  std::shared_ptr<const TrustBundle> in_force;  // the latest carried bundle_loaded so far (null: none yet)
  uint64_t in_force_seq = 0;                    // its event's seq
  std::shared_ptr<const TrustBundle> given;

  // The bundle to check a message naming `serial` against (nullptr: none known).
  const TrustBundle* for_message(uint64_t serial) const;
};

// A message's sender as check_sender found it. fault_kind is empty when the
// message is good; else "unknown sender", "unknown bundle", "bad signature"
// or "revoked key", with a sentence in detail.
struct SenderCheck {
  const PublicCard* card = nullptr;
  std::string fault_kind;
  std::string detail;
  bool ok() const { return fault_kind.empty(); }
};

// Checks the envelope's sender and signature against view (see above).
SenderCheck check_sender(const TrustView& view, const Envelope& env);
// The same from a decoded header, the hashes of its core and ct, and its
// signature (the verifier's allocation-free path over an EnvelopeView).
SenderCheck check_sender(const TrustView& view, const EnvelopeHeader& header, const Hash256& core_hash,
                         const Hash256& ct_hash, const std::array<uint8_t, 64>& sig);

// check_sender in two steps, for callers checking many messages. The first
// depends only on the view and the header's sender and bundle serial: the
// card (nullptr: fault_kind is "unknown bundle" or "unknown sender"), and,
// for a known card, the fault its key's standing in the bundle in force
// makes ("revoked key"; empty if current), which applies once the signature
// verifies. check_signed_by then checks the signature and gives what
// check_sender gives, faults in the same order.
struct SenderStanding {
  const PublicCard* card = nullptr;
  std::string fault_kind;
  std::string detail;
};
SenderStanding look_up_sender(const TrustView& view, const EnvelopeHeader& header);
SenderCheck check_signed_by(const SenderStanding& sender, const Hash256& core_hash, const Hash256& ct_hash,
                            const std::array<uint8_t, 64>& sig);

// SenderMemo: the last look_up_sender answer, asked again only when the
// view, the sender or the bundle serial changes (a log holds long runs of one
// sender's messages; a bundle of 1,000 participants made each lookup scan
// the cards). The memo compares the view by address: it must not outlive
// the views it was asked about (keep one per batch that holds its view).
// One thread.
class SenderMemo {
 public:
  const SenderStanding& look_up(const TrustView& view, const EnvelopeHeader& header);

 private:
  bool known_ = false;
  const TrustView* view_ = nullptr;
  uint64_t serial_ = 0;
  std::string from_;
  SenderStanding last_;
};

class BundleHistory {
 public:
  explicit BundleHistory(AuditTrust trust);

  // A bundle_loaded event at seq. Status::Invalid (a fault of the log: the
  // event is malformed, its bundle does not verify against the pinned
  // authority, its hash or serial do not match the file, or another file
  // was loaded under the same serial); the history is unchanged then.
  Status add(uint64_t seq, int64_t ts_ms, const BundleLoadedFacts& event);

  // What is known now (a new snapshot after each add).
  std::shared_ptr<const TrustView> view() const { return view_; }

  const std::map<uint64_t, LoadedBundle>& loaded() const { return loaded_; }

  // The newest bundle known (carried or given); nullptr when none.
  const TrustBundle* newest() const;

  // Status::Usage when the given bundle is neither one the log shows loaded
  // (same serial and hash) nor newer than all of them.
  Status check_given() const;

 private:
  AuditTrust trust_;
  std::shared_ptr<const TrustView> view_;
  std::map<uint64_t, LoadedBundle> loaded_;
};

}  // namespace relais
