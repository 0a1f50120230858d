// Offline verification of a broker's data folder (docs/design.md §The log and
// audit, docs/audit.md).
//
// verify_log() reads DATA/*.log and DATA/checkpoints strictly (never writes,
// never truncates: it works on a read-only copy with no broker running) and
// checks, in one pass:
//   - framing, CRC32C, payload shape and sequence continuity (LogReader);
//   - for each message: the envelope decodes, the record's core/ct hashes are
//     those of the envelope's bytes, the sender is in the bundle its envelope
//     names, the sender's Ed25519 signature is valid, and the key was not
//     revoked or retired by a bundle loaded before it (audit/bundle_history.h;
//     checked on a small thread pool);
//   - for each event: the body is a bounded msgpack map with an "event" name;
//     each bundle_loaded event's bundle verifies against the pinned authority;
//   - for each erased message (docs/log-format.md §Erasure): its core decodes
//     and hashes to the record's core_hash, the sender's signature over
//     H(core) ‖ ct_hash is valid (as for a message), and the erasure event
//     it names comes after it, lists its seq, names the bundle in force and
//     states a ground that holds under that bundle's policy
//     (policy/erasure_ground.h): "unexplained erasure" when no event covers
//     it, "unfounded erasure" when the ground does not hold. An erasure
//     event listing records still whole is no fault (the erasure had not
//     happened yet);
//   - for each checkpoint record and each entry of DATA/checkpoints: the
//     broker's signature (the broker card of a bundle known) and the Merkle root
//     recomputed from the leaves; a signed size above the log's leaf count is
//     a log cut back below a signed checkpoint; checkpoints grow in size and
//     time, and one size never has two roots. Recomputing every root from the
//     same leaves is the consistency check between consecutive checkpoints
//     (it is stronger than checking RFC 6962 consistency proofs);
//   - checkpoint coverage: each broker_start records checkpoint_every and
//     checkpoint_interval_ms, and the broker's writer signs a checkpoint in
//     the batch that reaches either bound. At every commit marker the
//     records since the last checkpoint must stay below both bounds (the
//     marker's time against the last checkpoint's), and a broker_stop must be
//     followed by a checkpoint before any other record or the end of the log
//     (a clean stop signs one): "uncovered records" otherwise. A log whose
//     checkpoints were stripped after a deletion fails here;
//   - epochs (docs/log-format.md §Epochs): every checkpoint is of the epoch
//     the log is in at its size; the log starts in epoch 0 and moves to the
//     next one only at a `restored` event, which must be the record right
//     after the last checkpoint of the previous epoch and name it (its size
//     and root) and both epochs: "unexplained epoch" / "bad restore"
//     otherwise. Each restore is listed in summary.restores; the report says
//     RESTORED (records after the backup's last seq are lost) until the
//     auditor accepts it (options.accepted_restores);
//   - with options.strict, no record after the last signed checkpoint;
//   - options.trusted_heads (see TrustedHead).
// The first fault (lowest seq, else earliest position) is reported with its
// seq, segment, offset and kind. Leaves after the last signed checkpoint are
// counted in summary.unsigned_tail (a running broker has not signed them yet).
//
// How (speed): the calling thread only frames records (CRC, sequence, leaf
// hash) and hands chunks of them to `threads` workers, which decode envelopes
// and events, compare hashes and check sender signatures; the calling thread
// merges finished chunks in log order (counts, Merkle frontier, checkpoint
// records). The report is the one a sequential scan gives, whatever the
// thread count and chunk size.
//
// From a witnessed head (options.start, `--from-witness STATE`): the
// auditor verified the log up to a head it holds (the last line of a
// relais-witness/1 state) and checks only what came after it. The sealed
// segments that end at or before the head's size are taken from their
// summaries (audit/verify_start.h): their messages are not read; their event
// records are read (CRC-checked) to learn the bundles loaded and the last
// broker_start. The next segment is read record by record up to the head:
// framing, CRC, sequence and leaf hash only (no decoding, no signatures).
// The Merkle root of the first `size` leaves, from the summary's frontier
// and those leaves, must be the head's root ("witnessed root mismatch"), and
// a log with fewer leaves is "log cut back below the witnessed head". Every
// record after the head gets the full checks above. Not re-checked before
// the head: messages in the summarised segments (a changed record whose
// segment keeps its size and summary goes unseen; a changed summary fails the
// root check), signatures and envelopes of every record before it, restores
// and coverage before it, and the roots of DATA/checkpoints entries and
// trusted heads below the first leaf read (their signatures and order are
// still checked). The head's broker signature (and the witness's
// countersignature) must verify under a bundle known, else Status::Config.
// Counts in the summary (records, messages, events, ...) are of the records
// read in full; leaves is still the log's last seq.
//
// Thread-safety: verify_log may be called from any thread; it starts and
// joins its own worker threads. Progress callbacks run on the calling thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/bundle_history.h"
#include "log/merkle.h"
#include "policy/bundle.h"
#include "receipt/witness_head.h"
#include "util/status.h"

namespace relais {

struct VerifyFault {
  uint64_t seq = 0;         // 0 when the fault is not tied to a leaf (e.g. the checkpoints file)
  std::string segment;      // segment file name, or "checkpoints"
  uint64_t offset = 0;      // byte offset of the record header in that file
  std::string kind;         // short fault kind, e.g. "bad crc", "bad signature", "root mismatch"
  std::string detail;       // one sentence for a person

  std::string to_string() const;
};

// A `restored` event: the log was restored from a backup that ended at seq
// last_seq (its checkpoint root), and epoch `epoch` began at seq `seq`.
struct RestoreFact {
  uint64_t seq = 0;
  int64_t ts_ms = 0;
  uint64_t last_seq = 0;
  Hash256 root{};
  uint64_t epoch = 0;
  uint64_t previous_epoch = 0;
  std::optional<uint64_t> last_known_seq;  // the highest seq anyone may hold, when the restore knew it
  bool accepted = false;                   // listed in VerifyOptions::accepted_restores
};

// The fields of a `restored` event body (broker/restore.h); seq, ts_ms and
// accepted are left 0/false. Invalid "event: ..." naming what is wrong.
Result<RestoreFact> decode_restored_event(ByteView body);

struct VerifySummary {
  uint64_t records = 0;             // every record, of every kind
  uint64_t leaves = 0;              // message + event records (the last seq)
  uint64_t messages = 0;
  uint64_t events = 0;
  uint64_t commits = 0;
  uint64_t segments = 0;
  uint64_t bytes = 0;               // total segment bytes
  uint64_t checkpoint_records = 0;  // kind-4 records in the log
  uint64_t checkpoint_file = 0;     // entries of DATA/checkpoints
  uint64_t signed_size = 0;         // the largest verified checkpoint size
  uint64_t unsigned_tail = 0;       // leaves after the largest verified checkpoint
  uint64_t trusted_heads = 0;       // trusted heads checked (all held by the log when intact)
  uint64_t trusted_size = 0;        // the largest of their sizes
  std::map<std::string, uint64_t> messages_by_type;  // "alert/1" -> n
  std::map<std::string, uint64_t> events_by_kind;    // "delivery" -> n
  std::map<std::string, uint64_t> senders;           // "police.golfe" -> n
  std::map<std::string, uint64_t> revoked_senders;   // senders revoked in the newest bundle known
  int64_t first_ts_ms = 0;          // broker time of the first and last leaf
  int64_t last_ts_ms = 0;
  uint64_t bundle_serial = 0;       // the given bundle's serial, else the newest the log carries
  bool bundle_given = false;        // the auditor passed a bundle (--bundle)
  std::map<uint64_t, LoadedBundle> bundles_loaded;  // from the bundle_loaded events
  // Erased messages (counted in messages too): each one's erasure event and
  // ground checked. erased_records lists the first kMaxErasedListed as
  // (seq, "erased under retention" | "erased by order N").
  static constexpr size_t kMaxErasedListed = 1000;
  uint64_t erased = 0;
  uint64_t erased_under_retention = 0;
  std::map<uint64_t, uint64_t> erased_by_order;  // order number -> records
  std::vector<std::pair<uint64_t, std::string>> erased_records;
  uint64_t epoch = 0;                 // the log's epoch at its end
  std::vector<RestoreFact> restores;  // in log order
  // Verify from a witnessed head (VerifyOptions::start): where it began.
  struct Start {
    std::string origin;            // "FILE head N"
    uint64_t size = 0;             // the head's size, epoch and root
    uint64_t epoch = 0;
    Hash256 root{};
    uint64_t skipped_segments = 0; // segments taken from their summaries
    uint64_t skipped_records = 0;  // records in them (not read, apart from events)
    uint64_t rehashed_leaves = 0;  // leaves before the head framed and hashed to reach it
    std::string segment;           // where full checks began: the record after leaf `size`
    uint64_t offset = 0;
  };
  std::optional<Start> start;
  // Trusted heads of an earlier epoch beyond the restore that ended it:
  // "ORIGIN: records A..B it holds were lost in the restore to epoch E".
  std::vector<std::string> lost_heads;
};

struct VerifyReport {
  VerifySummary summary;
  std::optional<VerifyFault> fault;  // empty: the log is intact
  bool ok() const { return !fault.has_value(); }
  // No fault, and every restore accepted: the verdict is INTACT (exit 0).
  bool intact() const {
    if (fault) return false;
    for (const RestoreFact& r : summary.restores)
      if (!r.accepted) return false;
    return true;
  }
};

// A trusted head given to verify (--trusted-head FILE): a witness state line
// or a receipt anchor (receipt/witness_head.h), and where it came from.
struct TrustedHead {
  std::string origin;  // "FILE line N", for messages
  WitnessHead head;
};

struct VerifyOptions {
  int threads = 2;  // signature-checking threads (>= 1)
  // Records after the last signed checkpoint are a fault ("unsigned
  // records"), so that the verdict printed and the exit code always agree.
  bool strict = false;
  // Heads held outside the broker: the log must hold each one's root at its
  // size (and a receipt's leaf at its seq), else "trusted head mismatch" or
  // "log cut back below a trusted head". Each head's broker signature must
  // verify under a broker key of a bundle known (and a witness's
  // countersignature under that participant's key), else verify_log
  // returns Status::Config naming the head.
  std::vector<TrustedHead> trusted_heads;
  // Epochs whose restore the auditor accepts (--accept-restore E): the
  // verdict is then INTACT rather than RESTORED.
  std::vector<uint64_t> accepted_restores;
  // Verify only what follows this head (see "From a witnessed head" above).
  std::optional<TrustedHead> start;
  // Records per unit of work handed to a thread (>= 1); tests use tiny
  // values to put chunk boundaries everywhere.
  size_t chunk_records = 512;
  // Called now and then with (bytes scanned, total bytes); may be empty.
  std::function<void(uint64_t, uint64_t)> progress;
};

// Returns a report (intact or with the first fault). An unreadable data
// folder is Status::IOError; no bundle at all (none given, none carried) is
// Status::Config; a given bundle that is neither one the log shows loaded
// nor newer is Status::Usage (BundleHistory::check_given).
Result<VerifyReport> verify_log(const std::string& data_dir, const AuditTrust& trust,
                                const VerifyOptions& options = {});

// Human-readable and JSON forms of a report.
std::string format_summary(const VerifyReport& report);
nlohmann::json report_to_json(const VerifyReport& report);

}  // namespace relais
