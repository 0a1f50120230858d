// Log: the broker's durable, tamper-evident message log (docs/design.md §The
// log and audit, docs/log-format.md). One writer thread owns the files; the broker's thread
// only queues records and collects completions.
//
// Thread-safety: submit_*, completion_fd, drain_completions must be called
// from one thread (the broker's main thread). read, first_seq_at_or_after_time,
// for_each_message_key, last_durable_seq and latest_checkpoint are safe from
// any thread and see only durable records. The sign key passed to open() must
// outlive the Log.
//
// Each message record carries a 16-byte opaque RecordKey (the broker's
// duplicate key), kept in memory and in segment summaries (never in the
// record bytes), so that the broker rebuilds its duplicate index at start
// without reading envelopes. Keys must be derived the same way across
// restarts: recovery recomputes them with message_key only for records that
// no summary covers.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "crypto/secret.h"
#include "log/checkpoint.h"
#include "log/dir_lock.h"
#include "log/latency_histogram.h"
#include "log/file_system.h"
#include "log/log_index.h"
#include "log/merkle.h"
#include "log/record.h"
#include "log/subtree_store.h"
#include "util/bytes.h"
#include "util/status.h"

namespace relais {

enum class SyncPolicy { kAlways, kBatch, kNone };

struct LogOptions {
  std::string dir;                          // the data folder (created 0700 if missing)
  SyncPolicy sync = SyncPolicy::kBatch;
  uint64_t segment_bytes = 64ull << 20;     // start a new segment once this size is reached
  uint64_t checkpoint_every = 1000;         // sign a checkpoint every N leaves ...
  int64_t checkpoint_interval_ms = 10000;   // ... or every T ms when leaves were added
  // A message record whose payload is larger than this is written and synced
  // in a group-commit batch of its own (sync = batch): the records queued
  // before it are acknowledged without waiting for its write, and those after
  // it share a later batch. 0 turns the split off.
  uint64_t large_record_bytes = 1ull << 20;
  // Derives the key of a message record from its envelope bytes, for records
  // recovery has to scan (not covered by a summary) and for the 5-argument
  // submit_message. May be empty: the keys of such records are then all-zero.
  // Called from the broker's thread (submit) and from Log::open; must not
  // throw and must be deterministic.
  std::function<RecordKey(ByteView envelope)> message_key;
  // The same key from an erased-message record's core (the envelope is gone),
  // for erased records recovery has to scan. May be empty (all-zero keys).
  std::function<RecordKey(ByteView core)> erased_key;
  // Where the log's writes go (segments, syncs, truncation, summaries, the
  // checkpoints file, recovery's repairs); see log/file_system.h. nullptr means
  // default_file_system(). Must outlive the Log. Tests inject faults here.
  FileSystem* fs = nullptr;
  // The log epoch to open in (docs/log-format.md §Epochs). 0 or the epoch of
  // the log's latest checkpoint: that epoch. Greater: a new epoch starts
  // (relais-admin restore), and every checkpoint from now on is signed in it;
  // the log must then end at its latest signed checkpoint.
  uint64_t start_epoch = 0;
};

struct Completion {
  uint64_t token = 0;
  uint64_t seq = 0;          // 0 when status is not ok
  std::array<uint8_t, 32> leaf_hash{};
  int64_t ts_ms = 0;
  Status status;             // IOError "log: disk full ..." etc.; then nothing was written
};

class Log {
 public:
  // Takes DATA/LOCK (Refused if another broker holds it), recovers (see
  // recovery.h: Corruption names segment and offset), checks the log against
  // DATA/checkpoints (Corruption if the log was cut below a signed size),
  // rebuilds the index and Merkle state and starts the writer thread.
  // sign_sk: the broker's Ed25519 secret key (64 bytes); must outlive the Log.
  static Result<std::unique_ptr<Log>> open(const LogOptions& options, const SecretBytes& sign_sk);
  // Drains and syncs everything submitted, writes a final checkpoint (if any
  // leaf was added since the last one) with its commit marker, releases the lock.
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  // Queue a record and return at once (no I/O here). Under kBatch an event
  // that finds no message queued waits up to 2 ms for one to share its sync
  // (nobody waits for events; messages are synced as soon as the writer is
  // free). The writer thread
  // assigns the seq and appends; a Completion follows once the record is
  // durable under the policy, or with a non-ok status if it was not written.
  void submit_message(uint64_t token, int64_t ts_ms, const std::array<uint8_t, 32>& core_hash,
                      const std::array<uint8_t, 32>& ct_hash, const RecordKey& key, ByteView envelope);
  // As above with key = options.message_key(envelope) (all-zero without one).
  void submit_message(uint64_t token, int64_t ts_ms, const std::array<uint8_t, 32>& core_hash,
                      const std::array<uint8_t, 32>& ct_hash, ByteView envelope);
  void submit_event(uint64_t token, int64_t ts_ms, ByteView event_body);

  // An eventfd that is readable while completions wait; poll it as a raw fd.
  int completion_fd() const { return event_fd_; }
  // Resets the eventfd and appends every waiting completion, in seq order, to *out.
  void drain_completions(std::vector<Completion>* out);

  uint64_t last_durable_seq() const { return durable_seq_.load(std::memory_order_acquire); }
  // How long each group-commit sync of a segment took (any thread may read).
  const LatencyHistogram& sync_latency() const { return sync_latency_; }
  // A durable message or event record. NotFound for an unknown seq;
  // Corruption if the stored record fails its CRC.
  Result<LogRecord> read(uint64_t seq) const;
  // The first durable seq whose broker ts >= ts_ms; NotFound if none yet.
  Result<uint64_t> first_seq_at_or_after_time(int64_t ts_ms) const;
  // Calls fn(seq, ts_ms, key) for every durable MESSAGE record with seq >=
  // first_seq, in seq order, from memory (no disk reads; cheap next to fn:
  // docs/performance.md). Holds a shared lock on the index meanwhile, so
  // fn must not call back into this Log; the writer waits for the index (not
  // for I/O) until it returns.
  void for_each_message_key(uint64_t first_seq,
                            const std::function<void(uint64_t seq, int64_t ts_ms, const RecordKey& key)>& fn) const;
  // The latest signed checkpoint (none for a log that never had a leaf).
  std::optional<Checkpoint> latest_checkpoint() const;
  // The log epoch its checkpoints are signed in: that of its latest
  // checkpoint (0 for a log never restored), or LogOptions::start_epoch.
  // Fixed once open; any thread.
  uint64_t epoch() const { return epoch_; }
  // The last seq of the previous epoch (the size of its last checkpoint: the
  // records a restore started from); 0 in epoch 0. Any thread.
  uint64_t epoch_began_after() const { return epoch_began_after_; }
  // The first signed checkpoint that covers seq (the smallest size >= seq);
  // none yet when the last checkpoint is older than seq.
  std::optional<Checkpoint> first_checkpoint_covering(uint64_t seq) const;

  // Proofs over the durable leaves, from the subtree hashes kept in memory
  // (log/subtree_store.h, saved in DATA/subtrees): O(log n) hashes and at
  // most two blocks of 16 leaves read back, never a rescan. Any thread.
  // Invalid for sizes out of order, NotFound beyond the durable leaves.
  // RFC 6962 PATH of leaf seq in the tree of the first `size` leaves.
  Result<std::vector<Hash256>> inclusion_proof(uint64_t seq, uint64_t size) const;
  // RFC 6962 PROOF that the tree of old_size leaves is a prefix of new_size's.
  Result<std::vector<Hash256>> consistency_proof(uint64_t old_size, uint64_t new_size) const;
  // Erasure (docs/log-format.md §Erasure). Turns each durable MESSAGE record
  // of `seqs` (ascending) into an erased-message record naming `by`, the
  // durable erasure event that grounds it (by > every seq): each segment
  // holding one is copied without the ciphertexts (segment_rewrite.h), the
  // copy synced, renamed over the segment and the folder synced; the index
  // follows the moved records and the segment's summary is rewritten. A
  // record in the segment being written first has that segment sealed (the
  // writer starts the next one). Events, records already erased and unknown
  // seqs are skipped. Leaf hashes do not change, so proofs, checkpoints and
  // DATA/subtrees stay valid. Returns how many records were erased.
  // Call from any thread but the writer's (it may wait for the writer to
  // seal); erasures run one at a time. Corruption when a segment fails its
  // checks while it is copied (that segment is left as it was); Refused
  // while the Log is closing.
  Result<uint64_t> erase_messages(const std::vector<uint64_t>& seqs, uint64_t by);

  // The leaf hash of a durable record, and the root of the first `size` leaves.
  Result<Hash256> leaf_hash(uint64_t seq) const;
  Result<Hash256> root_at(uint64_t size) const;

 private:
  struct Pending {
    uint64_t token;
    RecordKind kind;
    int64_t ts_ms;
    size_t frame_off;  // offset of the 8-byte header in the arena
    size_t payload_len;
    RecordKey key;     // all-zero for events
  };
  struct Segment {
    uint64_t number;
    int fd;  // read-only (Log::read); writes go through tail_
  };

  explicit Log(const LogOptions& options, const SecretBytes& sign_sk);
  void run();
  void write_batch(std::vector<Pending>& meta, Bytes& arena, size_t begin, size_t end);
  bool checkpoint_due(uint64_t size, int64_t now) const;
  Status append_to_segment(ByteView a, ByteView b);
  Status maybe_roll_over();
  void publish(std::vector<Completion>* batch);
  void write_summary_of_current_segment();
  // Writer thread: seals the segment being written now and starts the next.
  Status roll_over();
  // erase_messages, for one sealed segment.
  Status erase_in_segment(uint64_t number, const std::vector<uint64_t>& seqs, uint64_t by, uint64_t* erased);
  std::string seg_path(uint64_t number) const;
  // The leaf hash of seq, read back from its segment (caller holds r_mu_).
  Result<Hash256> leaf_hash_locked(uint64_t seq) const;
  SubtreeStore::LeafSource leaf_source() const;
  // Log::open: the subtree hashes from DATA/subtrees, checked against the
  // recovered root and completed (or rebuilt) from the records.
  Status load_subtrees(const Hash256& root);
  // Writer thread: appends the blocks not yet in DATA/subtrees.
  void save_subtrees();

  LogOptions opt_;
  FileSystem* fs_;  // opt_.fs or default_file_system()
  const SecretBytes& sk_;
  uint64_t epoch_ = 0;              // set by open, then fixed
  uint64_t epoch_began_after_ = 0;  // set by open, then fixed
  std::unique_ptr<DirLock> lock_;
  int event_fd_ = -1;

  // Submission queue (broker thread -> writer thread).
  std::mutex q_mu_;
  std::condition_variable q_cv_;
  Bytes q_arena_;
  std::vector<Pending> q_meta_;
  bool stop_ = false;
  bool q_has_message_ = false;  // a message record waits in the queue
  // erase_messages asks the writer to seal segment seal_request_ (0: none);
  // the writer clears it and notifies seal_cv_ once done.
  uint64_t seal_request_ = 0;
  std::condition_variable seal_cv_;
  std::mutex erase_mu_;  // one erasure at a time

  // Writer-thread state.
  std::unique_ptr<WritableFile> tail_;  // the last segment, opened through fs_ for writing
  Bytes w_arena_, trailer_, staging_;
  std::vector<Pending> w_meta_;
  std::vector<Completion> w_done_;
  MerkleFrontier frontier_;
  uint64_t seg_size_ = 0;
  uint64_t seg_first_seq_ = 1;   // seq of the current segment's first leaf (or the next one)
  uint64_t seg_records_ = 0;     // records of every kind in the current segment
  std::optional<Checkpoint> seg_last_cp_;  // last checkpoint record in the current segment
  std::unique_ptr<WritableFile> subtree_file_;  // DATA/subtrees; null after a failed write
  uint64_t subtree_blocks_saved_ = 0;
  uint64_t last_cp_size_ = 0;
  int64_t last_cp_time_ms_ = 0;
  std::thread thread_;

  // Shared with readers.
  mutable std::shared_mutex r_mu_;
  std::vector<Segment> segments_;  // all open segments, ascending; the last is written
  LogIndex index_;
  std::optional<Checkpoint> latest_cp_;
  std::vector<Checkpoint> checkpoints_;  // every signed checkpoint, by size
  SubtreeStore subtrees_;
  std::atomic<uint64_t> durable_seq_{0};
  LatencyHistogram sync_latency_;

  // Completions (writer thread -> broker thread).
  std::mutex c_mu_;
  std::vector<Completion> done_;
};

}  // namespace relais
