#include "log/log_writer.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log/coding.h"
#include "log/crc32c.h"
#include "log/recovery.h"
#include "log/segment_summary.h"
#include "util/clock.h"
#include "util/files.h"

namespace relais {
namespace {

// How long events alone wait for a message to share its sync (run()). Long
// enough that at ordinary loads (a message every 1-10 ms) events never sync
// alone: an event sync in progress delays the next message by a whole sync
// (docs/performance.md, "Ordinary loads"). Nobody waits on most events; the
// few that are awaited (a bundle's mailboxes, the shredder's steps) wait at
// most this long more.
constexpr auto kEventLinger = std::chrono::milliseconds(50);
constexpr size_t kSeqOffset = kRecordHeaderSize + 1;  // seq field inside a framed leaf record

std::string checkpoints_path(const std::string& dir) { return dir + "/checkpoints"; }

Status write_error(const std::string& path, int err) {
  if (err == ENOSPC || err == EFBIG || err == EDQUOT)
    return Status::IOError("log: disk full: cannot write " + path + " (" + std::strerror(err) +
                           "); the record was not logged. Free space on the data folder's disk; the broker "
                           "keeps working once space returns");
  return Status::IOError("log: cannot write " + path + ": " + std::strerror(err));
}

}  // namespace

Log::Log(const LogOptions& options, const SecretBytes& sign_sk)
    : opt_(options), fs_(file_system_or_default(options.fs)), sk_(sign_sk) {}

std::string Log::seg_path(uint64_t number) const { return opt_.dir + "/" + segment_file_name(number); }

Result<std::unique_ptr<Log>> Log::open(const LogOptions& options, const SecretBytes& sign_sk) {
  if (sodium_init() < 0) return Status::IOError("log: libsodium failed to initialise");
  if (sign_sk.size() != crypto_sign_SECRETKEYBYTES)
    return Status::Invalid("log: the checkpoint signing key must be a 64-byte Ed25519 secret key");
  if (options.dir.empty()) return Status::Config("log: no data folder given");
  FileSystem* const fs = file_system_or_default(options.fs);
  RELAIS_RETURN_IF_ERROR(fs->make_dirs(options.dir, 0700).with_prefix("file"));
  std::unique_ptr<Log> log(new Log(options, sign_sk));
  auto lock = DirLock::acquire(options.dir);
  if (!lock.ok()) return lock.status();
  log->lock_ = std::move(*lock);

  const int64_t t0 = monotonic_ms();
  // A copy left by an erasure that a crash interrupted (never a segment; it
  // may hold ciphertexts of records that are not erased).
  {
    std::vector<std::string> names;
    if (fs->list_dir(options.dir, &names).ok())
      for (const std::string& n : names)
        if (n.size() > 8 && n.compare(n.size() - 8, 8, ".erasing") == 0) {
          spdlog::warn("log: removing {} left by an interrupted erasure", n);
          RELAIS_RETURN_IF_ERROR(fs->remove_file(options.dir + "/" + n).with_prefix("log"));
        }
  }
  auto rec = recover_log(options.dir, true, options.message_key, true, fs, options.erased_key);
  if (!rec.ok()) return rec.status();
  auto cps = recover_checkpoint_file(checkpoints_path(options.dir), fs);
  if (!cps.ok()) return cps.status();
  RecoveredLog& r = *rec;
  if (!cps->empty()) {
    const Checkpoint& last = cps->back();
    if (last.size > r.last_seq)
      return Status::Corruption("log: the log ends at seq " + std::to_string(r.last_seq) +
                                " but DATA/checkpoints holds a checkpoint signed at size " + std::to_string(last.size) +
                                ": the log was cut back; keep a copy, run relais-audit verify, restore from a backup");
    if (last.size == r.last_seq && !equal_ct(last.root, r.frontier.root()))
      return Status::Corruption("log: the Merkle root of the log differs from the latest checkpoint in "
                                "DATA/checkpoints: records were altered; run relais-audit verify");
    log->latest_cp_ = last;
  }
  log->checkpoints_ = std::move(*cps);
  if (r.last_checkpoint_record && (!log->latest_cp_ || log->latest_cp_->size < r.last_checkpoint_record->size)) {
    // The crash came between the log's sync and the checkpoints file's append: complete it.
    RELAIS_RETURN_IF_ERROR(append_checkpoint_file(checkpoints_path(options.dir), *r.last_checkpoint_record,
                                                  options.sync != SyncPolicy::kNone, fs));
    log->latest_cp_ = r.last_checkpoint_record;
    log->checkpoints_.push_back(*r.last_checkpoint_record);
  }
  if (log->latest_cp_) {
    log->last_cp_size_ = log->latest_cp_->size;
    log->last_cp_time_ms_ = log->latest_cp_->ts_ms;
  } else {
    log->last_cp_time_ms_ = now_ms();
  }
  // The epoch (docs/log-format.md §Epochs): that of the latest checkpoint, or a new one.
  log->epoch_ = log->latest_cp_ ? log->latest_cp_->epoch : 0;
  if (options.start_epoch != 0 && options.start_epoch < log->epoch_)
    return Status::Invalid("log: cannot open " + options.dir + " in epoch " + std::to_string(options.start_epoch) +
                           ": its checkpoints are already of epoch " + std::to_string(log->epoch_));
  if (options.start_epoch > log->epoch_) {
    if (!log->latest_cp_ || log->latest_cp_->size != r.last_seq)
      return Status::Invalid("log: a new epoch starts only where the log ends at a signed checkpoint, and " +
                             options.dir + " holds records after its last one (or none)");
    log->epoch_ = options.start_epoch;
    log->epoch_began_after_ = log->latest_cp_->size;
  } else {
    for (auto it = log->checkpoints_.rbegin(); it != log->checkpoints_.rend(); ++it)
      if (it->epoch < log->epoch_) {
        log->epoch_began_after_ = it->size;
        break;
      }
  }

  if (r.segments.empty()) {
    SegmentFile f;
    f.number = 1;
    f.name = segment_file_name(1);
    f.path = log->seg_path(1);
    r.segments.push_back(f);
  }
  for (size_t i = 0; i < r.segments.size(); ++i) {
    const std::string& path = r.segments[i].path;
    if (i + 1 == r.segments.size()) {  // the last segment is written (and created for a new log)
      IoStatus s = fs->open_file(path, OpenOptions{}, &log->tail_);
      if (!s.ok()) return s.with_prefix("log");
    }
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::IOError("log: cannot open " + path + ": " + std::strerror(errno));
    log->segments_.push_back({r.segments[i].number, fd});
  }
  RELAIS_RETURN_IF_ERROR(fs->sync_dir(options.dir).with_prefix("file"));
  log->seg_size_ = r.tail_size;
  log->seg_first_seq_ = r.tail_first_seq;
  log->seg_records_ = r.tail_records;
  log->seg_last_cp_ = r.tail_last_checkpoint;
  log->frontier_ = r.frontier;
  log->index_ = std::move(r.index);
  log->durable_seq_.store(r.last_seq);
  RELAIS_RETURN_IF_ERROR(log->load_subtrees(r.frontier.root()));

  log->event_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (log->event_fd_ < 0) return Status::IOError(std::string("log: cannot create an eventfd: ") + std::strerror(errno));
  spdlog::info("log: opened {} at seq {} ({} records, {} segments: {} from summaries, {} scanned) in {} ms",
               options.dir, r.last_seq, r.records, log->segments_.size(), r.summarised_segments, r.scanned_segments,
               monotonic_ms() - t0);
  Log* self = log.get();
  log->thread_ = std::thread([self] { self->run(); });
  return log;
}

Log::~Log() {
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> g(q_mu_);
      stop_ = true;
    }
    q_cv_.notify_one();
    seal_cv_.notify_all();
    thread_.join();
    // A clean close: the next start takes the last segment's keys from this
    // summary (it still scans the segment itself).
    if (seg_size_ > 0) write_summary_of_current_segment();
    if (subtree_file_ && opt_.sync != SyncPolicy::kNone) {
      IoStatus ss = subtree_file_->sync();
      if (!ss.ok()) spdlog::warn("log: {} (DATA/subtrees is rebuilt at the next start)", ss.message());
    }
    subtree_file_.reset();
    if (opt_.sync != SyncPolicy::kNone && latest_cp_) {
      Status cs = fs_->sync_file(checkpoints_path(opt_.dir)).with_prefix("file");
      if (!cs.ok()) spdlog::warn("{} (the checkpoints are in the log; the next start re-adds any missing)", cs.message());
    }
  }
  tail_.reset();
  for (const Segment& s : segments_) ::close(s.fd);
  if (event_fd_ >= 0) ::close(event_fd_);
}

void Log::submit_message(uint64_t token, int64_t ts_ms, const std::array<uint8_t, 32>& core_hash,
                         const std::array<uint8_t, 32>& ct_hash, ByteView envelope) {
  const RecordKey key = opt_.message_key ? opt_.message_key(envelope) : RecordKey{};
  submit_message(token, ts_ms, core_hash, ct_hash, key, envelope);
}

void Log::submit_message(uint64_t token, int64_t ts_ms, const std::array<uint8_t, 32>& core_hash,
                         const std::array<uint8_t, 32>& ct_hash, const RecordKey& key, ByteView envelope) {
  std::lock_guard<std::mutex> g(q_mu_);
  const size_t off = q_arena_.size();
  q_arena_.resize(off + kRecordHeaderSize);
  encode_message_payload(&q_arena_, 0, ts_ms, core_hash, ct_hash, envelope);
  // Wake the writer for the first message of a batch, also when it is
  // lingering on events alone (see run()).
  const bool wake = !q_has_message_;
  q_has_message_ = true;
  q_meta_.push_back({token, RecordKind::kMessage, ts_ms, off, q_arena_.size() - off - kRecordHeaderSize, key});
  if (wake) q_cv_.notify_one();
}

void Log::submit_event(uint64_t token, int64_t ts_ms, ByteView event_body) {
  std::lock_guard<std::mutex> g(q_mu_);
  const size_t off = q_arena_.size();
  q_arena_.resize(off + kRecordHeaderSize);
  encode_event_payload(&q_arena_, 0, ts_ms, event_body);
  const bool was_empty = q_meta_.empty();
  q_meta_.push_back({token, RecordKind::kEvent, ts_ms, off, q_arena_.size() - off - kRecordHeaderSize, RecordKey{}});
  if (was_empty) q_cv_.notify_one();
}

void Log::drain_completions(std::vector<Completion>* out) {
  uint64_t v;
  ssize_t n = ::read(event_fd_, &v, sizeof v);
  (void)n;  // EAGAIN when nothing was signalled: fine
  std::lock_guard<std::mutex> g(c_mu_);
  if (out->empty()) {
    out->swap(done_);
  } else {
    out->insert(out->end(), std::make_move_iterator(done_.begin()), std::make_move_iterator(done_.end()));
    done_.clear();
  }
}

namespace {

// The leaf record at (segment number, offset) through fd, checked (CRC,
// payload, seq).
Result<LogRecord> read_located(int fd, uint64_t number, uint64_t offset, uint64_t seq) {
  const std::string where = "log: segment " + segment_file_name(number) + " offset " + std::to_string(offset);
  uint8_t h[kRecordHeaderSize];
  if (::pread(fd, h, sizeof h, static_cast<off_t>(offset)) != static_cast<ssize_t>(sizeof h))
    return Status::IOError(where + ": cannot read the record header");
  const uint32_t len = coding::get_u32(h);
  if (len == 0 || len > kMaxRecordPayload) return Status::Corruption(where + ": bad length");
  Bytes payload(len);
  if (::pread(fd, payload.data(), len, static_cast<off_t>(offset + kRecordHeaderSize)) != static_cast<ssize_t>(len))
    return Status::Corruption(where + ": truncated record");
  if (crc32c::value(payload) != coding::get_u32(h + 4)) return Status::Corruption(where + ": bad crc");
  auto rv = decode_payload(payload);
  if (!rv.ok()) return Status::Corruption(where + ": " + rv.status().message());
  if (!is_leaf_kind(rv->kind) || rv->seq != seq) return Status::Corruption(where + ": index points at the wrong record");
  LogRecord out;
  out.kind = rv->kind;
  out.seq = rv->seq;
  out.ts_ms = rv->ts_ms;
  out.core_hash = rv->core_hash;
  out.ct_hash = rv->ct_hash;
  out.erased_by = rv->erased_by;
  if (rv->kind == RecordKind::kErasedMessage) std::memcpy(out.sig.data(), rv->sig.data(), out.sig.size());
  const size_t fixed = rv->kind == RecordKind::kMessage         ? kMessageFixedSize
                       : rv->kind == RecordKind::kErasedMessage ? kErasedFixedSize
                                                                : kEventFixedSize;
  payload.erase(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(fixed));
  out.payload = std::move(payload);
  return out;
}

constexpr char kSubtreeMagic[] = "RLSUBT01";
constexpr size_t kSubtreeMagicSize = 8;

std::string subtrees_path(const std::string& dir) { return dir + "/subtrees"; }

}  // namespace

Result<LogRecord> Log::read(uint64_t seq) const {
  if (seq == 0 || seq > last_durable_seq()) return Status::NotFound("log: no durable record with seq " + std::to_string(seq));
  // The lock is held while reading: an erasure replaces a segment's file
  // (and so its fd and the offsets) under the exclusive lock.
  std::shared_lock<std::shared_mutex> g(r_mu_);
  auto loc = index_.locate(seq);
  if (!loc) return Status::NotFound("log: no record with seq " + std::to_string(seq));
  const size_t i = static_cast<size_t>(loc->segment - segments_.front().number);
  if (i >= segments_.size()) return Status::NotFound("log: segment of seq " + std::to_string(seq) + " is gone");
  return read_located(segments_[i].fd, loc->segment, loc->offset, seq);
}

Result<Hash256> Log::leaf_hash_locked(uint64_t seq) const {
  auto loc = index_.locate(seq);
  if (!loc) return Status::NotFound("log: no record with seq " + std::to_string(seq));
  const size_t i = static_cast<size_t>(loc->segment - segments_.front().number);
  if (i >= segments_.size()) return Status::NotFound("log: segment of seq " + std::to_string(seq) + " is gone");
  auto rec = read_located(segments_[i].fd, loc->segment, loc->offset, seq);
  if (!rec.ok()) return rec.status();
  if (is_message_kind(rec->kind)) return message_leaf_hash(seq, rec->ts_ms, rec->core_hash, rec->ct_hash);
  return event_leaf_hash(seq, rec->ts_ms, rec->payload);
}

SubtreeStore::LeafSource Log::leaf_source() const {
  return [this](uint64_t index) { return leaf_hash_locked(index + 1); };
}

Status Log::load_subtrees(const Hash256& root) {
  const int64_t t0 = monotonic_ms();
  const std::string path = subtrees_path(opt_.dir);
  const uint64_t leaves = durable_seq_.load();
  std::vector<Hash256> blocks;
  uint64_t in_file = 0;
  bool file_ok = false;
  if (auto bytes = read_file(path, uint64_t{1} << 36); bytes.ok()) {
    if (bytes->size() >= kSubtreeMagicSize && std::memcmp(bytes->data(), kSubtreeMagic, kSubtreeMagicSize) == 0 &&
        (bytes->size() - kSubtreeMagicSize) % 32 == 0) {
      file_ok = true;
      in_file = (bytes->size() - kSubtreeMagicSize) / 32;
      const uint64_t usable = std::min(in_file, leaves / SubtreeStore::kBlockLeaves);
      blocks.resize(static_cast<size_t>(usable));
      for (uint64_t b = 0; b < usable; ++b)
        std::memcpy(blocks[b].data(), bytes->data() + kSubtreeMagicSize + 32 * b, 32);
    }
  }
  auto complete = [&]() -> Status {
    for (uint64_t seq = subtrees_.size() + 1; seq <= leaves; ++seq) {
      auto leaf = leaf_hash_locked(seq);
      if (!leaf.ok()) return leaf.status();
      subtrees_.append(*leaf);
    }
    return Status::Ok();
  };
  subtrees_.restore(blocks);
  RELAIS_RETURN_IF_ERROR(complete());
  const uint64_t read_back = leaves - blocks.size() * SubtreeStore::kBlockLeaves;
  auto got = subtrees_.root_at(leaves, leaf_source());
  if (!got.ok()) return got.status();
  if (!equal_ct(*got, root)) {
    spdlog::warn("log: DATA/subtrees does not match the log's Merkle root; rebuilding it from the records");
    file_ok = false;
    subtrees_.restore({});
    RELAIS_RETURN_IF_ERROR(complete());
    got = subtrees_.root_at(leaves, leaf_source());
    if (!got.ok()) return got.status();
    if (!equal_ct(*got, root))
      return Status::Corruption("log: the records read back do not give the log's Merkle root: run relais-audit verify");
  }
  if (!file_ok || in_file != subtrees_.blocks()) {
    Bytes out(kSubtreeMagic, kSubtreeMagic + kSubtreeMagicSize);
    out.reserve(kSubtreeMagicSize + 32 * subtrees_.blocks());
    for (uint64_t b = 0; b < subtrees_.blocks(); ++b)
      out.insert(out.end(), subtrees_.block(b).begin(), subtrees_.block(b).end());
    IoStatus w = fs_->write_file_atomic(path, out, 0600, opt_.sync != SyncPolicy::kNone);
    if (!w.ok()) spdlog::warn("log: cannot write DATA/subtrees ({}); proofs are served from memory", w.message());
  }
  OpenOptions o;
  o.create = false;
  if (IoStatus os = fs_->open_file(path, o, &subtree_file_); !os.ok()) subtree_file_.reset();
  subtree_blocks_saved_ = subtrees_.blocks();
  if (read_back > 1000)
    spdlog::info("log: subtree hashes for proofs rebuilt from {} records in {} ms", read_back, monotonic_ms() - t0);
  return Status::Ok();
}

void Log::save_subtrees() {
  if (!subtree_file_ || subtrees_.blocks() == subtree_blocks_saved_) return;
  staging_.clear();
  for (uint64_t b = subtree_blocks_saved_; b < subtrees_.blocks(); ++b)
    staging_.insert(staging_.end(), subtrees_.block(b).begin(), subtrees_.block(b).end());
  IoStatus s = subtree_file_->write_at(kSubtreeMagicSize + 32 * subtree_blocks_saved_, staging_);
  if (!s.ok()) {
    spdlog::warn("log: cannot write DATA/subtrees ({}); proofs are served from memory, the file is rebuilt at the "
                 "next start",
                 s.message());
    subtree_file_.reset();
    return;
  }
  subtree_blocks_saved_ = subtrees_.blocks();
}

std::optional<Checkpoint> Log::first_checkpoint_covering(uint64_t seq) const {
  std::shared_lock<std::shared_mutex> g(r_mu_);
  auto it = std::lower_bound(checkpoints_.begin(), checkpoints_.end(), seq,
                             [](const Checkpoint& c, uint64_t s) { return c.size < s; });
  if (it == checkpoints_.end()) return std::nullopt;
  return *it;
}

Result<std::vector<Hash256>> Log::inclusion_proof(uint64_t seq, uint64_t size) const {
  std::shared_lock<std::shared_mutex> g(r_mu_);
  if (seq == 0 || seq > size) return Status::Invalid("log: an inclusion proof needs 1 <= seq <= size");
  if (size > subtrees_.size())
    return Status::NotFound("log: the log holds " + std::to_string(subtrees_.size()) + " records, not " +
                            std::to_string(size));
  return subtrees_.inclusion_proof(seq - 1, size, leaf_source());
}

Result<std::vector<Hash256>> Log::consistency_proof(uint64_t old_size, uint64_t new_size) const {
  std::shared_lock<std::shared_mutex> g(r_mu_);
  if (old_size == 0 || old_size > new_size)
    return Status::Invalid("log: a consistency proof needs 1 <= old size <= new size");
  if (new_size > subtrees_.size())
    return Status::NotFound("log: the log holds " + std::to_string(subtrees_.size()) + " records, not " +
                            std::to_string(new_size));
  return subtrees_.consistency_proof(old_size, new_size, leaf_source());
}

Result<Hash256> Log::leaf_hash(uint64_t seq) const {
  std::shared_lock<std::shared_mutex> g(r_mu_);
  if (seq == 0 || seq > subtrees_.size()) return Status::NotFound("log: no durable record with seq " + std::to_string(seq));
  return leaf_hash_locked(seq);
}

Result<Hash256> Log::root_at(uint64_t size) const {
  std::shared_lock<std::shared_mutex> g(r_mu_);
  if (size > subtrees_.size())
    return Status::NotFound("log: the log holds " + std::to_string(subtrees_.size()) + " records, not " +
                            std::to_string(size));
  return subtrees_.root_at(size, leaf_source());
}

Result<uint64_t> Log::first_seq_at_or_after_time(int64_t ts_ms) const {
  const uint64_t limit = last_durable_seq();
  std::shared_lock<std::shared_mutex> g(r_mu_);
  auto s = index_.first_seq_at_or_after_time(ts_ms, limit);
  if (!s) return Status::NotFound("log: no record at or after " + format_rfc3339_ms(ts_ms));
  return *s;
}

void Log::for_each_message_key(uint64_t first_seq,
                               const std::function<void(uint64_t seq, int64_t ts_ms, const RecordKey& key)>& fn) const {
  const uint64_t limit = last_durable_seq();
  std::shared_lock<std::shared_mutex> g(r_mu_);
  index_.for_each_message_key(first_seq, limit, fn);
}

std::optional<Checkpoint> Log::latest_checkpoint() const {
  std::shared_lock<std::shared_mutex> g(r_mu_);
  return latest_cp_;
}

bool Log::checkpoint_due(uint64_t size, int64_t now) const {
  if (size <= last_cp_size_) return false;
  return size - last_cp_size_ >= opt_.checkpoint_every || now - last_cp_time_ms_ >= opt_.checkpoint_interval_ms;
}

void Log::run() {
  std::unique_lock<std::mutex> lk(q_mu_);
  for (;;) {
    if (q_meta_.empty() && !stop_) {
      if (frontier_.size() > last_cp_size_) {
        const auto wait = std::chrono::milliseconds(std::max<int64_t>(1, last_cp_time_ms_ + opt_.checkpoint_interval_ms - now_ms()));
        q_cv_.wait_for(lk, wait, [this] { return !q_meta_.empty() || stop_ || seal_request_ != 0; });
      } else {
        q_cv_.wait(lk, [this] { return !q_meta_.empty() || stop_ || seal_request_ != 0; });
      }
    }
    // Events alone need no sync of their own (nobody waits for them): under
    // kBatch they wait up to kEventLinger for a message to share its sync,
    // which halves the syncs under load, and at ordinary loads keeps a
    // message from arriving while an events-only sync is in progress.
    if (!stop_ && !q_has_message_ && !q_meta_.empty() && opt_.sync == SyncPolicy::kBatch)
      q_cv_.wait_for(lk, kEventLinger, [this] { return q_has_message_ || stop_ || seal_request_ != 0; });
    q_has_message_ = false;
    const bool stopping = stop_ && q_meta_.empty();
    const uint64_t seal = seal_request_;
    w_arena_.swap(q_arena_);
    w_meta_.swap(q_meta_);
    lk.unlock();
    const int64_t now = now_ms();
    if (!w_meta_.empty()) {
      if (opt_.sync == SyncPolicy::kAlways) {
        for (size_t i = 0; i < w_meta_.size(); ++i) write_batch(w_meta_, w_arena_, i, i + 1);
      } else {
        // Small records share a batch; a large message record (attachments
        // make envelopes of up to 17 MiB) is a batch of its own, so that the
        // records before it are not held behind its write and sync.
        size_t begin = 0;
        for (size_t i = 0; i < w_meta_.size(); ++i) {
          const Pending& p = w_meta_[i];
          if (opt_.large_record_bytes == 0 || p.kind != RecordKind::kMessage ||
              p.payload_len <= opt_.large_record_bytes)
            continue;
          if (begin < i) write_batch(w_meta_, w_arena_, begin, i);
          write_batch(w_meta_, w_arena_, i, i + 1);
          begin = i + 1;
        }
        if (begin < w_meta_.size()) write_batch(w_meta_, w_arena_, begin, w_meta_.size());
      }
    } else if (checkpoint_due(frontier_.size(), stopping ? now + opt_.checkpoint_interval_ms : now)) {
      write_batch(w_meta_, w_arena_, 0, 0);  // a checkpoint (and its commit marker) alone
    }
    w_arena_.clear();
    w_meta_.clear();
    if (seal != 0 && segments_.back().number == seal && seg_size_ > 0) {
      Status st = roll_over();
      if (!st.ok()) spdlog::error("log: cannot seal segment {} for an erasure: {}", segment_file_name(seal), st.message());
    }
    lk.lock();
    if (seal != 0) {
      seal_request_ = 0;
      seal_cv_.notify_all();
    }
    if (stopping) break;
  }
}

void Log::write_summary_of_current_segment() {
  SegmentSummary s;
  s.segment = segments_.back().number;
  s.size = seg_size_;
  s.first_seq = seg_first_seq_;
  s.records = seg_records_;
  s.frontier = frontier_;
  s.last_checkpoint = seg_last_cp_;
  // Only this thread adds to the index, so reading it here needs no lock.
  s.leaves.reserve(static_cast<size_t>(frontier_.size() + 1 - seg_first_seq_));
  for (uint64_t seq = seg_first_seq_; seq <= frontier_.size(); ++seq) s.leaves.push_back(index_.entry(seq));
  Status st = write_segment_summary(opt_.dir, s, opt_.sync != SyncPolicy::kNone, fs_);
  if (!st.ok())
    spdlog::warn("log: cannot write the summary of segment {} ({}); the next start scans the segment instead",
                 segment_file_name(s.segment), st.message());
}

Status Log::maybe_roll_over() {
  if (seg_size_ < opt_.segment_bytes) return Status::Ok();
  return roll_over();
}

Status Log::roll_over() {
  // Seal: the summary describes the segment as it now stays forever. A crash
  // before it is durable only costs a scan of the segment at the next start.
  write_summary_of_current_segment();
  const uint64_t number = segments_.back().number + 1;
  const std::string path = seg_path(number);
  std::unique_ptr<WritableFile> file;
  OpenOptions create;
  create.exclusive = true;
  IoStatus os = fs_->open_file(path, create, &file);
  if (!os.ok()) return write_error(path, os.error_number());
  Status s;
  if (opt_.sync != SyncPolicy::kNone) s = fs_->sync_dir(opt_.dir).with_prefix("file");
  int fd = -1;
  if (s.ok()) {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) s = Status::IOError("log: cannot open " + path + ": " + std::strerror(errno));
  }
  if (!s.ok()) {
    file.reset();
    (void)fs_->remove_file(path);
    return s;
  }
  tail_ = std::move(file);
  std::unique_lock<std::shared_mutex> g(r_mu_);
  segments_.push_back({number, fd});
  seg_size_ = 0;
  seg_first_seq_ = frontier_.size() + 1;
  seg_records_ = 0;
  seg_last_cp_.reset();
  return Status::Ok();
}

Status Log::append_to_segment(ByteView a, ByteView b) {
  WritableFile& f = *tail_;
  IoStatus s = f.write_at(seg_size_, a);
  if (s.ok()) s = f.write_at(seg_size_ + a.size(), b);
  // After a failed write, or a failed sync (the page cache cannot be trusted
  // then), drop the batch. If even that fails, recovery cuts the torn tail,
  // and the next batch is written over it at seg_size_.
  if (s.ok() && opt_.sync != SyncPolicy::kNone) {
    const auto t0 = std::chrono::steady_clock::now();
    s = f.sync();
    sync_latency_.observe(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count()));
  }
  if (!s.ok()) {
    (void)f.truncate(seg_size_);
    return write_error(f.path(), s.error_number());
  }
  return Status::Ok();
}

void Log::write_batch(std::vector<Pending>& meta, Bytes& arena, size_t begin, size_t end) {
  const int64_t now = now_ms();
  MerkleFrontier f = frontier_;
  w_done_.clear();
  const size_t start = begin < end ? meta[begin].frame_off : 0;
  const size_t stop = begin < end ? meta[end - 1].frame_off + kRecordHeaderSize + meta[end - 1].payload_len : 0;
  for (size_t i = begin; i < end; ++i) {
    const Pending& p = meta[i];
    uint8_t* frame = arena.data() + p.frame_off;
    const uint64_t seq = f.size() + 1;
    coding::put_u64(frame + kSeqOffset, seq);
    ByteView payload(frame + kRecordHeaderSize, p.payload_len);
    write_frame_header(frame, payload);
    Completion c;
    c.token = p.token;
    c.seq = seq;
    c.ts_ms = p.ts_ms;
    if (p.kind == RecordKind::kMessage) {
      Hash256 core, ct;
      std::memcpy(core.data(), payload.data() + 17, 32);
      std::memcpy(ct.data(), payload.data() + 49, 32);
      c.leaf_hash = message_leaf_hash(seq, p.ts_ms, core, ct);
    } else {
      c.leaf_hash = event_leaf_hash(seq, p.ts_ms, payload.subspan(kEventFixedSize));
    }
    f.append(c.leaf_hash);
    w_done_.push_back(std::move(c));
  }
  // Trailer: an optional checkpoint, then the commit marker.
  trailer_.clear();
  std::optional<Checkpoint> cp;
  if (checkpoint_due(f.size(), now) || (begin == end && f.size() > last_cp_size_)) {
    cp = Checkpoint::sign(f.size(), f.root(), now, sk_, epoch_);
    append_frame(&trailer_, cp->encode_payload());
  }
  if (begin == end && !cp) return;
  staging_.clear();
  encode_commit_payload(&staging_, f.size(), now);
  append_frame(&trailer_, staging_);

  Status s = maybe_roll_over();
  const uint64_t base = seg_size_;
  if (s.ok()) s = append_to_segment(ByteView(arena.data() + start, stop - start), trailer_);
  if (!s.ok()) {
    spdlog::error("{}", s.message());
    for (Completion& c : w_done_) {
      c.seq = 0;
      c.leaf_hash = {};
      c.status = s;
    }
    publish(&w_done_);
    return;
  }
  {
    std::unique_lock<std::shared_mutex> g(r_mu_);
    for (size_t i = begin; i < end; ++i) {
      index_.add(w_done_[i - begin].seq, segments_.back().number,
                 IndexEntry{base + (meta[i].frame_off - start), meta[i].ts_ms, meta[i].kind, meta[i].key});
      subtrees_.append(w_done_[i - begin].leaf_hash);
    }
    if (cp) {
      latest_cp_ = cp;
      checkpoints_.push_back(*cp);
    }
  }
  seg_size_ += (stop - start) + trailer_.size();
  seg_records_ += (end - begin) + (cp ? 2 : 1);
  if (cp) seg_last_cp_ = cp;
  frontier_ = std::move(f);
  durable_seq_.store(frontier_.size(), std::memory_order_release);
  publish(&w_done_);
  save_subtrees();
  if (cp) {
    last_cp_size_ = cp->size;
    last_cp_time_ms_ = cp->ts_ms;
    // Not synced here: the same checkpoint is in the log, synced with its
    // batch, and recovery appends any the file lacks. A sync would hold up the
    // next group commit. The file is synced at close.
    Status cs = append_checkpoint_file(checkpoints_path(opt_.dir), *cp, false);
    if (!cs.ok()) spdlog::error("{} (the checkpoint is in the log; it is re-added at the next start)", cs.message());
  }
}

void Log::publish(std::vector<Completion>* batch) {
  if (batch->empty()) return;
  {
    std::lock_guard<std::mutex> g(c_mu_);
    done_.insert(done_.end(), std::make_move_iterator(batch->begin()), std::make_move_iterator(batch->end()));
  }
  batch->clear();
  const uint64_t one = 1;
  ssize_t n = ::write(event_fd_, &one, sizeof one);
  (void)n;
}

}  // namespace relais
