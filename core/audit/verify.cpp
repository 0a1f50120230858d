#include "audit/verify.h"

#include <algorithm>
#include <deque>
#include <filesystem>
#include <memory>
#include <sodium.h>
#include <sstream>
#include <vector>

#include "audit/bundle_history.h"
#include "audit/event_view.h"
#include "audit/verify_start.h"
#include "audit/work_pool.h"
#include "crypto/envelope.h"
#include "log/erased_message.h"
#include "log/log.h"
#include "util/clock.h"

namespace relais {

std::string VerifyFault::to_string() const {
  std::string s = kind;
  if (seq != 0) s += " at seq " + std::to_string(seq);
  s += " (" + segment + " offset " + std::to_string(offset) + ")";
  if (!detail.empty()) s += ": " + detail;
  return s;
}

namespace {

constexpr size_t kCheckpointFrameSize = kRecordHeaderSize + Checkpoint::kPayloadSize;

// One framed record as the scanning thread read it. body points into one of
// its chunk's mappings.
struct Item {
  RecordKind kind = RecordKind::kCommit;
  uint32_t seg = 0;        // index into the scan's segment names
  uint32_t length = 0;     // payload length
  uint64_t seq = 0;
  int64_t ts_ms = 0;
  uint64_t offset = 0;     // of the record header in its segment
  ByteView body;
  Hash256 core_hash{};      // message and erased message
  Hash256 ct_hash{};        // message and erased message
  Hash256 leaf{};           // leaves only
  uint32_t cp = 0;         // checkpoint only: index into Chunk::cps
  uint64_t erased_by = 0;  // erased message: its erasure event's seq
  ByteView sig;            // erased message: the sender's signature
};

// What a worker found for one message or event that passed its checks.
struct ItemCheck {
  const PublicCard* sender = nullptr;  // message
  std::string sig_fault;               // message: "bad signature" or "revoked key"; empty when good
  std::string sig_detail;
  std::string type;                    // message type
  std::optional<std::string> case_ref; // erased message: what its ground is checked against
  std::string id;                      // erased message: the message id (UUID text)
  EventFacts event;                    // event
  std::optional<ErasureFacts> erasure; // an erasure event
  std::optional<RestoreFact> restored; // a restored event
  // broker_start: its checkpoint settings (0 when it does not record them)
  uint64_t checkpoint_every = 0;
  uint64_t checkpoint_interval_ms = 0;
};

// broker_start's checkpoint_every and checkpoint_interval_ms, when recorded.
void read_checkpoint_settings(ByteView body, ItemCheck* k) {
  auto j = event_to_json(body);
  if (!j.ok()) return;
  auto get = [&](const char* key) -> uint64_t {
    return j->contains(key) && (*j)[key].is_number_unsigned() ? (*j)[key].get<uint64_t>() : 0;
  };
  k->checkpoint_every = get("checkpoint_every");
  k->checkpoint_interval_ms = get("checkpoint_interval_ms");
}

}  // namespace

Result<RestoreFact> decode_restored_event(ByteView body) {
  auto j = event_to_json(body);
  if (!j.ok()) return j.status();
  RestoreFact r;
  auto u64 = [&](const char* key, uint64_t* out) {
    if (!j->contains(key) || !(*j)[key].is_number_unsigned()) return false;
    *out = (*j)[key].get<uint64_t>();
    return true;
  };
  if (!u64("epoch", &r.epoch) || !u64("previous_epoch", &r.previous_epoch) || !u64("size", &r.last_seq))
    return Status::Invalid("event: a restored event needs unsigned epoch, previous_epoch and size");
  if (!j->contains("root") || !(*j)["root"].is_string())
    return Status::Invalid("event: a restored event needs the backup's root");
  auto root = from_base64((*j)["root"].get<std::string>());
  if (!root.ok() || root->size() != 32) return Status::Invalid("event: a restored event's root is not 32 bytes");
  std::copy(root->begin(), root->end(), r.root.begin());
  if (j->contains("last_known_seq") && (*j)["last_known_seq"].is_number_unsigned())
    r.last_known_seq = (*j)["last_known_seq"].get<uint64_t>();
  else if (!j->contains("last_known_seq") || (*j)["last_known_seq"] != "unknown")
    return Status::Invalid("event: a restored event's last_known_seq must be a seq or \"unknown\"");
  return r;
}

namespace {

// A run of consecutive records. The scanning thread fills items, cps and
// maps; one worker then fills checks, stop and fault (check_chunk); the
// scanning thread finally merges it, in log order, after WorkPool::wait.
struct Chunk {
  std::shared_ptr<const TrustView> trust;  // the bundles known where the chunk starts
  std::vector<Item> items;
  std::vector<Checkpoint> cps;
  std::vector<std::shared_ptr<const MappedSegment>> maps;  // keep the bodies mapped
  std::vector<ItemCheck> checks;       // checks[i] for items[i], i < stop
  size_t stop = 0;                     // first item that failed its checks (items.size(): none)
  std::optional<VerifyFault> fault;    // why items[stop] failed
};

// Worker side: decode and check every message and event of the chunk, up to
// its first failure, with the same checks and words as the sequential scan.
// Signatures are checked here too; a bad one does not stop the chunk (the
// merge reports the lowest-seq one unless an earlier fault stops the scan).
void check_chunk(Chunk& c, const std::vector<std::string>& seg_names) {
  // One decoder per worker thread: once warm, a message decodes without
  // allocating, and its core and ct are hashed where they lie.
  thread_local EnvelopeDecoder decoder;
  SenderMemo senders;  // within this chunk, whose view c.trust holds
  c.checks.resize(c.items.size());
  c.stop = c.items.size();
  for (size_t i = 0; i < c.items.size(); ++i) {
    const Item& it = c.items[i];
    ItemCheck& k = c.checks[i];
    auto fail = [&](const char* kind, const std::string& detail) {
      c.fault = VerifyFault{it.seq, seg_names[it.seg], it.offset, kind, detail};
      c.stop = i;
    };
    if (it.kind == RecordKind::kMessage) {
      if (Status st = decoder.decode(it.body); !st.ok()) return fail("bad envelope", st.message());
      const EnvelopeView& env = decoder.view();
      const Hash256 core_hash = blake2b_256(env.core);
      const Hash256 ct_hash = blake2b_256(env.ct);
      if (core_hash != it.core_hash)
        return fail("hash mismatch", "the record's core hash is not the hash of its envelope's core");
      if (ct_hash != it.ct_hash)
        return fail("hash mismatch", "the record's ciphertext hash is not the hash of its envelope's ciphertext");
      SenderCheck sc = check_signed_by(senders.look_up(*c.trust, env.header), core_hash, ct_hash, env.sig);
      if (sc.card == nullptr) return fail(sc.fault_kind.c_str(), sc.detail);
      k.sender = sc.card;
      k.sig_fault = std::move(sc.fault_kind);
      k.sig_detail = std::move(sc.detail);
      k.type = env.header.type;
    } else if (it.kind == RecordKind::kErasedMessage) {
      RecordView r;
      r.kind = it.kind;
      r.seq = it.seq;
      r.core_hash = it.core_hash;
      r.ct_hash = it.ct_hash;
      r.body = it.body;
      r.sig = it.sig;
      auto env = erased_envelope(r);
      if (!env.ok()) return fail("bad erased record", env.status().message());
      SenderCheck sc = check_sender(*c.trust, *env);
      if (sc.card == nullptr) return fail(sc.fault_kind.c_str(), sc.detail);
      k.sender = sc.card;
      k.sig_fault = std::move(sc.fault_kind);
      k.sig_detail = std::move(sc.detail);
      k.type = std::move(env->header.type);
      k.case_ref = std::move(env->header.case_ref);
      k.id = uuid_to_string(env->header.id);
    } else if (it.kind == RecordKind::kEvent) {
      auto ev = decode_event_facts(it.body);
      if (!ev.ok()) return fail("bad event", ev.status().message());
      k.event = std::move(*ev);
      if (k.event.name == "broker_start") read_checkpoint_settings(it.body, &k);
      if (k.event.name == "restored") {
        auto r = decode_restored_event(it.body);
        if (!r.ok()) return fail("bad event", r.status().message());
        r->seq = it.seq;
        r->ts_ms = it.ts_ms;
        k.restored = std::move(*r);
      }
      if (k.event.name == "erasure") {
        auto er = decode_erasure(it.body);
        if (!er.ok()) return fail("bad event", er.status().message());
        k.erasure = std::move(*er);
      }
    }
  }
}

// ++map[key], remembering the last key (runs of one type or sender are the
// common case, so most records cost one string compare).
class Counter {
 public:
  explicit Counter(std::map<std::string, uint64_t>* m) : m_(m) {}
  void bump(const std::string& key) {
    if (last_ == m_->end() || last_->first != key) last_ = m_->try_emplace(key).first;
    ++last_->second;
  }

 private:
  std::map<std::string, uint64_t>* m_;
  std::map<std::string, uint64_t>::iterator last_ = m_->end();
};

// "PREFIX: segment NAME offset N: FAULT" -> its parts (best effort).
void parse_located(const std::string& msg, const std::string& marker, std::string* name, uint64_t* offset,
                   std::string* what) {
  *what = msg;
  auto p = msg.find(marker);
  if (p == std::string::npos) return;
  p += marker.size();
  auto q = msg.find(" offset ", p);
  if (q == std::string::npos) return;
  *name = msg.substr(p, q - p);
  q += 8;
  auto c = msg.find(": ", q);
  if (c == std::string::npos) return;
  try {
    *offset = std::stoull(msg.substr(q, c - q));
  } catch (...) {
    return;
  }
  *what = msg.substr(c + 2);
}

// A short kind for a LogReader fault message.
std::string reader_fault_kind(const std::string& what) {
  for (const char* k : {"bad crc", "bad length", "truncated record header", "truncated record", "bad payload",
                        "sequence gap", "commit marker out of order", "checkpoint out of order"})
    if (what.rfind(k, 0) == 0) return k;
  if (what.find(" out of order") != std::string::npos) return "record out of order";
  return "damaged log";
}

// The scanning thread reads and frames records (LogReader: CRC, payload,
// sequence, leaf hash) into chunks for the WorkPool, then merges finished
// chunks in log order: counts, the Merkle frontier, checkpoint records and
// the first fault. The result is the one a sequential scan would give.
class Scan {
 public:
  Scan(const std::string& dir, const AuditTrust& trust, const VerifyOptions& o)
      : dir_(dir), history_(trust), opt_(o) {}

  Result<VerifyReport> run();

 private:
  void set_fault(VerifyFault f) {
    if (!fault_ || (f.seq != 0 && (fault_->seq == 0 || f.seq < fault_->seq))) fault_ = std::move(f);
  }
  bool scan_log();
  void merge(const Chunk& c);
  void count_message(const Item& it, const ItemCheck& k);
  void count_event(const ItemCheck& k);
  // Erasure: an erased record waits for the erasure event it names (a later
  // record); the event checks each one's ground under the bundle in force.
  void note_erased(const Item& it, const ItemCheck& k);
  void settle_erasures(const Item& it, const ItemCheck& k, const TrustView& trust);
  void check_no_open_erasures();
  void check_log_checkpoint(const Checkpoint& cp, const Item& it, const TrustView& trust);
  void on_restored(const Item& it, const RestoreFact& r);
  // The log's epoch at leaf count size (that of the last restore at or below it).
  uint64_t epoch_at(uint64_t size) const;
  void check_checkpoint_file();
  void on_bundle_loaded(const Item& it);
  // Checkpoint coverage (the writer's rule, log/log_writer.cpp checkpoint_due).
  void cover_leaf(const Item& it, const ItemCheck& k);
  void cover_checkpoint(const Checkpoint& cp);
  void cover_commit(const Item& it);
  Status check_heads_signed();
  Status check_head_signed(const TrustedHead& t) const;
  void check_trusted_heads();
  // From a witnessed head: the records before it (see verify.h).
  bool roots_known(uint64_t size) const { return size == 0 || size >= first_read_size_; }
  void learn_event(uint64_t seq, int64_t ts_ms, ByteView body, uint32_t seg, uint64_t offset);
  void pass_record(const LogEntry& e, uint32_t seg);
  void reach_head(uint32_t seg, uint64_t offset);

  const std::string& dir_;
  BundleHistory history_;
  const VerifyOptions& opt_;
  VerifySummary s_;
  std::optional<VerifyFault> fault_;
  std::optional<VerifyFault> bad_sig_;  // the lowest-seq bad signature (or revoked key) merged so far
  // Log checkpoints no broker key known at their point verified; checked
  // again with every broker key once the whole log is read.
  std::vector<std::pair<Checkpoint, VerifyFault>> unsigned_cps_;
  std::vector<std::string> seg_names_;
  MerkleFrontier frontier_;
  std::vector<Checkpoint> file_cps_;
  std::map<uint64_t, Hash256> roots_;   // leaf count -> recomputed root, for the file's sizes
  std::map<uint64_t, Checkpoint> log_cps_;
  uint64_t last_ok_cp_size_ = 0;       // largest checkpoint size verified in the log so far
  uint64_t epoch_ = 0;                 // the epoch the log is in at the current record
  std::string last_segment_;
  uint64_t end_offset_ = 0;            // end of the last record of the last segment
  std::optional<Status> file_error_;
  // Coverage state: the settings of the last broker_start (0: not recorded),
  // the last checkpoint seen, whether the current batch holds one, and a
  // clean stop still waiting for its checkpoint.
  uint64_t cover_every_ = 0;
  uint64_t cover_interval_ms_ = 0;
  uint64_t cover_from_seq_ = 0;  // the broker_start that set them
  uint64_t cover_cp_size_ = 0;
  std::optional<int64_t> cover_cp_ts_;
  std::optional<int64_t> run_first_ts_;
  bool batch_has_cp_ = false;
  std::optional<VerifyFault> open_stop_;
  std::map<uint64_t, Hash256> head_leaves_;  // seq -> the log's leaf, for receipt heads
  // From a witnessed head: records up to leaf head_size_ are only framed and
  // hashed while before_head_; the frontier was taken from summaries up to
  // first_read_size_ leaves.
  bool before_head_ = false;
  uint64_t head_size_ = 0;
  uint64_t first_read_size_ = 0;
  uint64_t start_epoch_ = 0;  // the epoch at the first leaf checked in full
  struct ErasedRecord {
    uint64_t seq;
    uint32_t seg;
    uint64_t offset;
    int64_t ts_ms;
    std::string type;
    std::optional<std::string> case_ref;
    std::string id;
  };
  std::map<uint64_t, std::vector<ErasedRecord>> open_erasures_;  // erasure event seq -> records naming it
  Counter by_type_{&s_.messages_by_type};
  Counter senders_{&s_.senders};
  Counter events_{&s_.events_by_kind};
};

void Scan::count_message(const Item& it, const ItemCheck& k) {
  const std::string& from = k.sender->name;
  if (!k.sig_fault.empty() && !bad_sig_)
    bad_sig_ = VerifyFault{it.seq, seg_names_[it.seg], it.offset, k.sig_fault, k.sig_detail};
  ++s_.messages;
  by_type_.bump(k.type);
  senders_.bump(from);
}

void Scan::count_event(const ItemCheck& k) {
  ++s_.events;
  events_.bump(k.event.name);
}

void Scan::note_erased(const Item& it, const ItemCheck& k) {
  ++s_.erased;
  if (it.erased_by <= it.seq)
    return set_fault({it.seq, seg_names_[it.seg], it.offset, "unexplained erasure",
                      "the ciphertext of record " + std::to_string(it.seq) +
                          " was erased, but the erasure event it names (seq " + std::to_string(it.erased_by) +
                          ") does not come after it: no erasure event covers it"});
  open_erasures_[it.erased_by].push_back({it.seq, it.seg, it.offset, it.ts_ms, k.type, k.case_ref, k.id});
}

void Scan::settle_erasures(const Item& it, const ItemCheck& k, const TrustView& trust) {
  auto open = open_erasures_.find(it.seq);
  const bool is_erasure = it.kind == RecordKind::kEvent && k.erasure.has_value();
  const TrustBundle* in_force = trust.in_force ? trust.in_force.get() : trust.given.get();
  if (is_erasure && in_force != nullptr && k.erasure->serial != in_force->serial)
    return set_fault({it.seq, seg_names_[it.seg], it.offset, "unfounded erasure",
                      "the erasure event names bundle serial " + std::to_string(k.erasure->serial) + " but serial " +
                          std::to_string(in_force->serial) + " was in force when it was logged"});
  if (open == open_erasures_.end()) return;
  std::vector<ErasedRecord> records = std::move(open->second);
  open_erasures_.erase(open);
  for (const ErasedRecord& r : records) {
    const VerifyFault where{r.seq, seg_names_[r.seg], r.offset, "", ""};
    if (!is_erasure || !std::binary_search(k.erasure->seqs.begin(), k.erasure->seqs.end(), r.seq)) {
      VerifyFault f = where;
      f.kind = "unexplained erasure";
      f.detail = "the ciphertext of record " + std::to_string(r.seq) + " was erased, but record " +
                 std::to_string(it.seq) + (is_erasure ? " is an erasure event that does not list it"
                                                      : " that it names is not an erasure event") +
                 ": no erasure event covers it";
      return set_fault(f);
    }
    if (in_force == nullptr) {
      VerifyFault f = where;
      f.kind = "unfounded erasure";
      f.detail = "no bundle was in force when its erasure event (seq " + std::to_string(it.seq) + ") was logged";
      return set_fault(f);
    }
    const ErasureSubject subject{r.type, &r.case_ref, r.id, r.ts_ms};
    if (Status g = erasure_ground_holds(in_force->policy, k.erasure->ground, subject, it.ts_ms); !g.ok()) {
      VerifyFault f = where;
      f.kind = "unfounded erasure";
      f.detail = "record " + std::to_string(r.seq) + " was " + k.erasure->ground.describe() + " (event seq " +
                 std::to_string(it.seq) + ", bundle serial " + std::to_string(in_force->serial) +
                 "), but " + g.message();
      return set_fault(f);
    }
    if (k.erasure->ground.kind == ErasureGround::Kind::kRetention)
      ++s_.erased_under_retention;
    else
      ++s_.erased_by_order[k.erasure->ground.order];
    if (s_.erased_records.size() < VerifySummary::kMaxErasedListed)
      s_.erased_records.push_back({r.seq, k.erasure->ground.describe()});
  }
}

void Scan::check_no_open_erasures() {
  if (open_erasures_.empty()) return;
  const auto& [by, records] = *open_erasures_.begin();
  const ErasedRecord& r = records.front();
  set_fault({r.seq, seg_names_[r.seg], r.offset, "unexplained erasure",
             "the ciphertext of record " + std::to_string(r.seq) + " was erased, but the erasure event it names (seq " +
                 std::to_string(by) + ") is not in the log: no erasure event covers it"});
}

// True when a broker key of one of the view's bundles signed cp.
bool signed_by_broker(const Checkpoint& cp, const TrustView& trust) {
  for (const auto& [serial, b] : trust.by_serial)
    if (const PublicCard* broker = b->broker(); broker != nullptr && cp.verify(broker->sign_pk)) return true;
  return false;
}

void Scan::check_log_checkpoint(const Checkpoint& cp, const Item& it, const TrustView& trust) {
  ++s_.checkpoint_records;
  auto fail = [&](const char* kind, const std::string& detail) {
    set_fault({cp.size, seg_names_[it.seg], it.offset, kind, detail});
  };
  if (!signed_by_broker(cp, trust))
    unsigned_cps_.emplace_back(cp, VerifyFault{cp.size, seg_names_[it.seg], it.offset, "bad checkpoint signature",
                                               "the checkpoint of size " + std::to_string(cp.size) +
                                                   " is not signed by the broker key of any bundle"});
  // LogReader guarantees cp.size == the number of leaves read so far.
  if (cp.root != frontier_.root())
    return fail("root mismatch", "the signed root of size " + std::to_string(cp.size) +
                                     " does not match the leaves: a record in seq " +
                                     std::to_string(last_ok_cp_size_ + 1) + ".." + std::to_string(cp.size) +
                                     " was altered, inserted, removed or reordered");
  if (cp.epoch != epoch_)
    return fail("unexplained epoch",
                "the checkpoint of size " + std::to_string(cp.size) + " is signed in log epoch " +
                    std::to_string(cp.epoch) + " but the log is in epoch " + std::to_string(epoch_) +
                    " there: no restored record starts that epoch (a log restored without relais-admin restore, or "
                    "rewritten)");
  auto [pos, fresh] = log_cps_.emplace(cp.size, cp);
  if (!fresh && pos->second.root != cp.root)
    return fail("conflicting checkpoints", "two signed roots for size " + std::to_string(cp.size));
  last_ok_cp_size_ = cp.size;
}

void Scan::on_restored(const Item& it, const RestoreFact& r) {
  auto fail = [&](const std::string& detail) {
    set_fault({it.seq, seg_names_[it.seg], it.offset, "bad restore", detail});
  };
  const std::string what = "the restored record at seq " + std::to_string(it.seq);
  if (r.previous_epoch != epoch_ || r.epoch != epoch_ + 1)
    return fail(what + " starts epoch " + std::to_string(r.epoch) + " after epoch " + std::to_string(r.previous_epoch) +
                ", but the log is in epoch " + std::to_string(epoch_) + " there");
  auto cp = log_cps_.find(r.last_seq);
  if (it.seq != r.last_seq + 1 || last_ok_cp_size_ != r.last_seq || cp == log_cps_.end() ||
      !equal_ct(cp->second.root, r.root))
    return fail(what + " names a backup ending at the checkpoint of size " + std::to_string(r.last_seq) +
                ", but it does not come right after that checkpoint, with that root, in the log");
  epoch_ = r.epoch;
  RestoreFact f = r;
  f.accepted = std::find(opt_.accepted_restores.begin(), opt_.accepted_restores.end(), r.epoch) !=
               opt_.accepted_restores.end();
  s_.restores.push_back(f);
}

uint64_t Scan::epoch_at(uint64_t size) const {
  uint64_t e = start_epoch_;
  for (const RestoreFact& r : s_.restores)
    if (r.seq <= size) e = r.epoch;
  return e;
}

void Scan::cover_leaf(const Item& it, const ItemCheck& k) {
  if (open_stop_) {
    set_fault(*open_stop_);
    return;
  }
  if (it.kind != RecordKind::kEvent) return;
  if (k.event.name == "broker_start") {
    cover_every_ = k.checkpoint_every;
    cover_interval_ms_ = k.checkpoint_interval_ms;
    cover_from_seq_ = it.seq;
    run_first_ts_.reset();  // the next commit marker's time (the writer's clock, as checkpoints')
  } else if (k.event.name == "broker_stop") {
    open_stop_ = VerifyFault{it.seq, seg_names_[it.seg], it.offset, "uncovered records",
                             "the broker stopped cleanly at seq " + std::to_string(it.seq) +
                                 " but no signed checkpoint follows it (a clean stop always signs one): records " +
                                 std::to_string(cover_cp_size_ + 1) + ".." + std::to_string(it.seq) +
                                 " are not covered; checkpoints were removed"};
  }
}

void Scan::cover_checkpoint(const Checkpoint& cp) {
  cover_cp_size_ = cp.size;
  cover_cp_ts_ = cp.ts_ms;
  batch_has_cp_ = true;
  open_stop_.reset();
}

void Scan::cover_commit(const Item& it) {
  const bool had_cp = batch_has_cp_;
  batch_has_cp_ = false;
  // Before any checkpoint, the writer counts time from its start; the first
  // commit marker of the run comes no earlier.
  if (!run_first_ts_) run_first_ts_ = it.ts_ms;
  if (had_cp || it.seq <= cover_cp_size_ || cover_from_seq_ == 0) return;
  const uint64_t uncovered = it.seq - cover_cp_size_;
  const int64_t since = it.ts_ms - (cover_cp_ts_ ? *cover_cp_ts_ : *run_first_ts_);
  const std::string range = std::to_string(cover_cp_size_ + 1) + ".." + std::to_string(it.seq);
  const std::string settings = " (broker_start at seq " + std::to_string(cover_from_seq_) + ")";
  if (cover_every_ > 0 && uncovered >= cover_every_)
    return set_fault({cover_cp_size_ + 1, seg_names_[it.seg], it.offset, "uncovered records",
                      "records " + range + " are not covered by a signed checkpoint, but the broker signs one every " +
                          std::to_string(cover_every_) + " records" + settings + ": checkpoints were removed"});
  if (cover_interval_ms_ > 0 && since >= static_cast<int64_t>(cover_interval_ms_))
    return set_fault({cover_cp_size_ + 1, seg_names_[it.seg], it.offset, "uncovered records",
                      "records " + range + " are not covered by a signed checkpoint " + std::to_string(since / 1000) +
                          " s after the last one, but the broker signs one every " +
                          std::to_string(cover_interval_ms_ / 1000) + " s" + settings +
                          ": checkpoints were removed"});
}

void Scan::merge(const Chunk& c) {
  for (size_t i = 0; i < c.items.size(); ++i) {
    const Item& it = c.items[i];
    if (last_segment_.empty() || seg_names_[it.seg] != last_segment_) last_segment_ = seg_names_[it.seg];
    end_offset_ = it.offset + kRecordHeaderSize + it.length;
    ++s_.records;
    if (i == c.stop) {
      set_fault(*c.fault);
      return;
    }
    switch (it.kind) {
      case RecordKind::kMessage:
        count_message(it, c.checks[i]);
        break;
      case RecordKind::kErasedMessage:
        count_message(it, c.checks[i]);
        note_erased(it, c.checks[i]);
        break;
      case RecordKind::kEvent:
        count_event(c.checks[i]);
        if (c.checks[i].restored) on_restored(it, *c.checks[i].restored);
        break;
      case RecordKind::kCommit:
        ++s_.commits;
        cover_commit(it);
        break;
      case RecordKind::kCheckpoint:
        check_log_checkpoint(c.cps[it.cp], it, *c.trust);
        if (!fault_) cover_checkpoint(c.cps[it.cp]);
        break;
    }
    if (fault_) return;
    if (is_leaf_kind(it.kind)) {
      settle_erasures(it, c.checks[i], *c.trust);
      if (fault_) return;
      cover_leaf(it, c.checks[i]);
      if (auto h = head_leaves_.find(it.seq); h != head_leaves_.end()) h->second = it.leaf;
      frontier_.append(it.leaf);
      ++s_.leaves;
      if (s_.leaves == head_size_ + 1) s_.first_ts_ms = it.ts_ms;
      s_.last_ts_ms = it.ts_ms;
      if (auto r = roots_.find(frontier_.size()); r != roots_.end()) r->second = frontier_.root();
    }
  }
}

bool Scan::scan_log() {
  auto reader = LogReader::open(dir_);
  if (!reader.ok()) {
    if (reader.status().code() != Code::kCorruption) return false;
    std::string name, what;
    uint64_t off = 0;
    parse_located(reader.status().message(), "segment ", &name, &off, &what);
    set_fault({1, name.empty() ? "-" : name, 0, "missing segment", reader.status().message()});
    return true;
  }
  uint64_t total = 0;
  for (const auto& sf : (*reader)->segments()) {
    seg_names_.push_back(sf.name);
    std::error_code ec;
    total += std::filesystem::file_size(sf.path, ec);
  }
  s_.segments = seg_names_.size();
  s_.bytes = total;
  uint64_t done = 0, scanned = 0;
  if (opt_.start) {
    const WitnessHead& h = opt_.start->head;
    head_size_ = h.checkpoint.size;
    start_epoch_ = epoch_ = h.checkpoint.epoch;
    VerifyStart vs = locate_verify_start(dir_, (*reader)->segments(), head_size_);
    VerifySummary::Start st;
    st.origin = opt_.start->origin;
    st.size = head_size_;
    st.epoch = h.checkpoint.epoch;
    st.root = h.checkpoint.root;
    st.skipped_segments = vs.first_segment;
    st.skipped_records = vs.skipped_records;
    s_.start = std::move(st);
    for (const SkippedEvent& ev : vs.events) {
      learn_event(ev.seq, ev.ts_ms, ev.body, ev.segment, ev.offset);
      if (fault_) return true;
    }
    for (size_t i = 0; i < vs.first_segment; ++i) {
      std::error_code ec;
      done += std::filesystem::file_size((*reader)->segments()[i].path, ec);
    }
    frontier_ = vs.frontier;
    first_read_size_ = frontier_.size();
    if (auto r = roots_.find(first_read_size_); r != roots_.end()) r->second = frontier_.root();
    auto at = LogReader::open_at(dir_, vs.first_segment, first_read_size_);
    if (!at.ok()) return false;
    reader = std::move(at);
    before_head_ = true;
    if (frontier_.size() >= head_size_)
      reach_head(static_cast<uint32_t>(std::min(vs.first_segment, seg_names_.size() - 1)), 0);
    if (fault_) return true;
  }

  const size_t chunk_records = std::max<size_t>(1, opt_.chunk_records);
  WorkPool pool(opt_.threads);
  const size_t max_inflight = 2 * pool.threads() + 2;
  std::deque<std::pair<std::shared_ptr<Chunk>, uint64_t>> inflight;
  auto merge_oldest = [&] {
    auto [chunk, ticket] = std::move(inflight.front());
    inflight.pop_front();
    pool.wait(ticket);
    if (!fault_) merge(*chunk);
  };
  std::shared_ptr<Chunk> cur;
  auto submit = [&] {
    if (cur == nullptr) return;
    // The job shares the chunk, so a dropped or still running job never
    // outlives what it reads.
    const uint64_t t = pool.submit([c = cur, this] { check_chunk(*c, seg_names_); });
    inflight.emplace_back(std::move(cur), t);
    cur.reset();
    while (inflight.size() >= max_inflight && !fault_) merge_oldest();
  };

  std::optional<Status> read_error;
  LogEntry e;
  while (!fault_) {
    auto more = (*reader)->next(&e);
    if (!more.ok()) {
      read_error = more.status();
      break;
    }
    if (!*more) break;
    if (before_head_) {  // at or before the witnessed head: framed and hashed only
      pass_record(e, static_cast<uint32_t>((*reader)->segment_index()));
      done += kRecordHeaderSize + e.length;
      continue;
    }
    if (e.record.kind == RecordKind::kEvent && maybe_bundle_loaded(e.record.body)) {
      // Rare: every record before it is checked with the bundles known so
      // far, every record after it with this one too.
      submit();
      while (!inflight.empty() && !fault_) merge_oldest();
      if (fault_) break;
      Item probe;
      probe.seg = static_cast<uint32_t>((*reader)->segment_index());
      probe.seq = e.record.seq;
      probe.ts_ms = e.record.ts_ms;
      probe.offset = e.offset;
      probe.body = e.record.body;
      on_bundle_loaded(probe);
      if (fault_) break;
    }
    if (cur == nullptr) {
      cur = std::make_shared<Chunk>();
      cur->trust = history_.view();
      cur->items.reserve(std::min<size_t>(chunk_records, 4096));
    }
    const auto& map = (*reader)->mapping();
    if (cur->maps.empty() || cur->maps.back() != map) cur->maps.push_back(map);
    const RecordView& r = e.record;
    Item& it = cur->items.emplace_back();
    it.kind = r.kind;
    it.seg = static_cast<uint32_t>((*reader)->segment_index());
    it.length = e.length;
    it.seq = r.seq;
    it.ts_ms = r.ts_ms;
    it.offset = e.offset;
    it.body = r.body;
    if (is_message_kind(r.kind)) {
      it.core_hash = r.core_hash;
      it.ct_hash = r.ct_hash;
      it.erased_by = r.erased_by;
      it.sig = r.sig;
    }
    if (is_leaf_kind(r.kind)) it.leaf = e.leaf_hash;
    if (r.kind == RecordKind::kCheckpoint) {
      it.cp = static_cast<uint32_t>(cur->cps.size());
      cur->cps.push_back(*r.checkpoint);
    }
    done += kRecordHeaderSize + e.length;
    ++scanned;
    if (opt_.progress && (scanned & 4095) == 0) opt_.progress(done, total);
    if (cur->items.size() >= chunk_records) submit();
  }
  if (!fault_) submit();
  while (!inflight.empty() && !fault_) merge_oldest();
  // Chunks after a fault are dropped (or finish running) when the pool goes.
  if (read_error && !fault_) {
    std::string name = last_segment_, what;
    uint64_t off = end_offset_;
    parse_located(read_error->message(), "log: segment ", &name, &off, &what);
    set_fault({(*reader)->last_seq() + 1, name, off, reader_fault_kind(what),
               what + " (the first damaged record follows seq " + std::to_string((*reader)->last_seq()) + ")"});
  }
  if (before_head_) {
    s_.leaves = frontier_.size();
    if (!fault_)
      set_fault({frontier_.size() + 1, last_segment_.empty() ? opt_.start->origin : last_segment_, end_offset_,
                 "log cut back below the witnessed head",
                 "the witnessed head (" + opt_.start->origin + ") signs " + std::to_string(head_size_) +
                     " records, but the log ends after seq " + std::to_string(frontier_.size()) + ": records " +
                     std::to_string(frontier_.size() + 1) + ".." + std::to_string(head_size_) +
                     " were removed (or this is not the log the witness watched)"});
  }
  // The last segment's end: a cut log ends there.
  if (!seg_names_.empty() && last_segment_ != seg_names_.back()) {
    last_segment_ = seg_names_.back();
    end_offset_ = 0;
  }
  if (opt_.progress) opt_.progress(done, total);
  return true;
}

void Scan::check_checkpoint_file() {
  const std::string file = "checkpoints";
  if (file_error_) {
    std::string name, what;
    uint64_t off = 0;
    parse_located(file_error_->message(), "checkpoints: ", &name, &off, &what);
    set_fault({0, file, off, "damaged checkpoints file", what});
    return;
  }
  uint64_t prev_size = 0;
  int64_t prev_ts = 0;
  for (size_t i = 0; i < file_cps_.size(); ++i) {
    const Checkpoint& cp = file_cps_[i];
    const uint64_t off = i * kCheckpointFrameSize;
    auto fail = [&](uint64_t seq, const char* kind, const std::string& detail) {
      set_fault({seq, file, off, kind, detail});
    };
    if (!signed_by_broker(cp, *history_.view()))
      return fail(0, "bad checkpoint signature", "checkpoint #" + std::to_string(i + 1) + " (size " +
                                                     std::to_string(cp.size) +
                                                     ") is not signed by the broker key of any bundle");
    if (cp.size < prev_size || (cp.size == prev_size && i > 0 && cp.ts_ms < prev_ts))
      return fail(0, "checkpoints out of order", "checkpoint #" + std::to_string(i + 1) + " (size " +
                                                     std::to_string(cp.size) + ") follows a larger one");
    if (cp.size > s_.leaves)
      return fail(s_.leaves + 1, "log cut back",
                  "a signed checkpoint covers " + std::to_string(cp.size) + " records but the log ends after seq " +
                      std::to_string(s_.leaves) + " (" + last_segment_ + " offset " + std::to_string(end_offset_) +
                      "): records " + std::to_string(s_.leaves + 1) + ".." + std::to_string(cp.size) +
                      " were removed");
    Hash256 root = cp.size == 0 ? merkle::empty_root() : roots_.at(cp.size);
    if (roots_known(cp.size) && cp.root != root)
      return fail(cp.size, "root mismatch", "checkpoint #" + std::to_string(i + 1) + " signs a root of size " +
                                                std::to_string(cp.size) +
                                                " that the log's leaves do not produce: a record in seq 1.." +
                                                std::to_string(cp.size) + " was altered");
    if (auto it = log_cps_.find(cp.size); it != log_cps_.end() && it->second.root != cp.root)
      return fail(cp.size, "conflicting checkpoints", "two signed roots for size " + std::to_string(cp.size));
    if (cp.size >= head_size_ && cp.epoch != epoch_at(cp.size))
      return fail(cp.size, "unexplained epoch",
                  "checkpoint #" + std::to_string(i + 1) + " (size " + std::to_string(cp.size) +
                      ") is signed in log epoch " + std::to_string(cp.epoch) + " but the log is in epoch " +
                      std::to_string(epoch_at(cp.size)) + " at that size");
    prev_size = cp.size;
    prev_ts = cp.ts_ms;
    s_.signed_size = std::max(s_.signed_size, cp.size);
  }
}

// A head that is not this broker's, or whose countersignature or receipt
// path is wrong, is the auditor's input error (exit 2), not damage.
Status Scan::check_heads_signed() {
  if (opt_.start) RELAIS_RETURN_IF_ERROR(check_head_signed(*opt_.start));
  for (const TrustedHead& t : opt_.trusted_heads) RELAIS_RETURN_IF_ERROR(check_head_signed(t));
  return Status::Ok();
}

Status Scan::check_head_signed(const TrustedHead& t) const {
  const auto view = history_.view();
  if (!signed_by_broker(t.head.checkpoint, *view))
    return Status::Config(t.origin + ": its checkpoint is not signed by the broker key of any bundle this log "
                                     "carries: is it a head of this broker's log?");
  if (!t.head.witness.empty()) {
    bool good = false;
    for (const auto& [serial, b] : view->by_serial)
      if (const PublicCard* c = b->find(t.head.witness); c != nullptr && t.head.countersigned_by(c->sign_pk))
        good = true;
    if (!good)
      return Status::Config(t.origin + ": the countersignature is not " + t.head.witness +
                            "'s (no bundle this log carries has a key of " + t.head.witness + " that made it)");
  }
  if (t.head.receipt && !t.head.receipt_included())
    return Status::Config(t.origin + ": the receipt's inclusion path does not lead to the head's root");
  return Status::Ok();
}

void Scan::check_trusted_heads() {
  for (const TrustedHead& t : opt_.trusted_heads) {
    const WitnessHead& h = t.head;
    const uint64_t size = h.checkpoint.size;
    const std::string who = h.witness.empty() ? std::string() : ", witnessed by " + h.witness;
    auto fail = [&](uint64_t seq, const char* kind, const std::string& detail) {
      set_fault({seq, t.origin, 0, kind, detail});
    };
    ++s_.trusted_heads;
    s_.trusted_size = std::max(s_.trusted_size, size);
    // From a witnessed head: below it, only what was read can be compared.
    if (size < head_size_ && !roots_known(size)) continue;
    const uint64_t epoch = h.checkpoint.epoch;
    if (epoch > epoch_) {
      fail(size, "trusted head mismatch",
           "the head is of log epoch " + std::to_string(epoch) + " but this log ends in epoch " +
               std::to_string(epoch_) + ": it is not a head of this log");
      continue;
    }
    // A head of an earlier epoch: the restore that ended its epoch kept
    // records up to its backup's last seq; the head's records after it are lost.
    const RestoreFact* ended = nullptr;
    for (const RestoreFact& r : s_.restores)
      if (r.previous_epoch == epoch) ended = &r;
    if (ended != nullptr && size > ended->last_seq) {
      s_.lost_heads.push_back(t.origin + ": records " + std::to_string(ended->last_seq + 1) + ".." +
                              std::to_string(size) + " it holds" + who + " were lost in the restore to epoch " +
                              std::to_string(ended->epoch));
      continue;
    }
    if (ended == nullptr && size >= head_size_ && epoch != epoch_at(size)) {
      fail(size, "trusted head mismatch",
           "the head is of log epoch " + std::to_string(epoch) + " but the log is in epoch " +
               std::to_string(epoch_at(size)) + " at size " + std::to_string(size));
      continue;
    }
    if (size > s_.leaves) {
      fail(s_.leaves + 1, "log cut back below a trusted head",
           "the head signs " + std::to_string(size) + " records" + who + ", but the log ends after seq " +
               std::to_string(s_.leaves) + ": records " + std::to_string(s_.leaves + 1) + ".." +
               std::to_string(size) + " were removed");
      continue;
    }
    if (!equal_ct(roots_.at(size), h.checkpoint.root)) {
      fail(size, "trusted head mismatch",
           "the log's first " + std::to_string(size) + " records do not give the root the head holds" + who +
               ": a record in seq 1.." + std::to_string(size) +
               " was altered, removed, inserted or renumbered, and the log signed again");
      continue;
    }
    if (h.receipt && h.receipt->seq > first_read_size_ && !equal_ct(head_leaves_.at(h.receipt->seq), h.receipt->leaf))
      fail(h.receipt->seq, "trusted head mismatch",
           "record " + std::to_string(h.receipt->seq) + " is not the message of the receipt (id " +
               uuid_to_string(h.receipt->id) + ")");
  }
}

void Scan::learn_event(uint64_t seq, int64_t ts_ms, ByteView body, uint32_t seg, uint64_t offset) {
  if (maybe_bundle_loaded(body)) {
    Item probe;
    probe.seg = seg;
    probe.seq = seq;
    probe.ts_ms = ts_ms;
    probe.offset = offset;
    probe.body = body;
    on_bundle_loaded(probe);
    if (fault_) return;
  }
  auto ev = decode_event_facts(body);
  if (!ev.ok() || ev->name != "broker_start") return;
  ItemCheck k;
  read_checkpoint_settings(body, &k);
  cover_every_ = k.checkpoint_every;
  cover_interval_ms_ = k.checkpoint_interval_ms;
  cover_from_seq_ = seq;
  run_first_ts_.reset();
}

void Scan::pass_record(const LogEntry& e, uint32_t seg) {
  const RecordView& r = e.record;
  last_segment_ = seg_names_[seg];
  end_offset_ = e.offset + kRecordHeaderSize + e.length;
  if (!is_leaf_kind(r.kind)) return;
  if (r.kind == RecordKind::kEvent) {
    learn_event(r.seq, r.ts_ms, r.body, seg, e.offset);
    if (fault_) return;
  }
  if (auto h = head_leaves_.find(r.seq); h != head_leaves_.end()) h->second = e.leaf_hash;
  frontier_.append(e.leaf_hash);
  ++s_.start->rehashed_leaves;
  if (auto x = roots_.find(frontier_.size()); x != roots_.end()) x->second = frontier_.root();
  if (frontier_.size() == head_size_) reach_head(seg, end_offset_);
}

void Scan::reach_head(uint32_t seg, uint64_t offset) {
  before_head_ = false;
  s_.leaves = frontier_.size();
  s_.start->segment = seg_names_[seg];
  s_.start->offset = offset;
  const std::string n = std::to_string(head_size_);
  if (frontier_.size() != head_size_ || !equal_ct(frontier_.root(), opt_.start->head.checkpoint.root))
    return set_fault({head_size_, opt_.start->origin, 0, "witnessed root mismatch",
                      "the log's first " + n + " records do not give the root of the witnessed head: a record in "
                      "seq 1.." + n + " was altered, removed, inserted or renumbered, or a segment summary (.sum) "
                      "was changed; run a full verify (without --from-witness) to find it"});
  // The witnessed checkpoint stands for the log's checkpoint of that size,
  // which may lie in a segment not read (a restore right after it names it).
  log_cps_.emplace(head_size_, opt_.start->head.checkpoint);
  last_ok_cp_size_ = head_size_;
  cover_cp_size_ = head_size_;
  cover_cp_ts_ = opt_.start->head.checkpoint.ts_ms;
}

void Scan::on_bundle_loaded(const Item& it) {
  auto ev = decode_bundle_loaded(it.body);
  if (!ev.ok()) return;  // not one after all, or malformed: the worker names it
  Status s = history_.add(it.seq, it.ts_ms, *ev);
  if (!s.ok()) set_fault({it.seq, seg_names_[it.seg], it.offset, "bad bundle", s.message()});
}

Result<VerifyReport> Scan::run() {
  auto cps = read_checkpoint_file(dir_ + "/checkpoints");
  for (const TrustedHead& t : opt_.trusted_heads) {
    roots_[t.head.checkpoint.size] = Hash256{};
    if (t.head.receipt) head_leaves_[t.head.receipt->seq] = Hash256{};
  }
  if (cps.ok()) {
    file_cps_ = std::move(*cps);
    for (const auto& cp : file_cps_)
      if (cp.size > 0) roots_[cp.size] = Hash256{};
    s_.checkpoint_file = file_cps_.size();
  } else if (cps.status().code() == Code::kCorruption) {
    file_error_ = cps.status();
  } else {
    return cps.status();
  }
  if (!scan_log()) {
    auto r = LogReader::open(dir_);
    return r.status();
  }
  const TrustBundle* newest = history_.newest();
  if (newest == nullptr)
    return Status::Config("audit: no bundle to check the log against: its bundle_loaded events do not carry the "
                          "bundles (a broker older than this auditor wrote it); pass the bundle with --bundle");
  RELAIS_RETURN_IF_ERROR(history_.check_given());
  for (const auto& [cp, f] : unsigned_cps_)
    if (!signed_by_broker(cp, *history_.view())) set_fault(f);
  if (bad_sig_) set_fault(*bad_sig_);
  if (!fault_) check_no_open_erasures();
  if (!fault_) check_checkpoint_file();
  if (open_stop_) set_fault(*open_stop_);
  RELAIS_RETURN_IF_ERROR(check_heads_signed());
  check_trusted_heads();
  for (const auto& [name, n] : s_.senders)
    if (const PublicCard* c = newest->find(name); c != nullptr && c->revoked) s_.revoked_senders[name] = n;
  s_.bundle_serial = newest->serial;
  s_.bundle_given = history_.view()->given != nullptr;
  if (s_.bundle_given) s_.bundle_serial = history_.view()->given->serial;
  s_.bundles_loaded = history_.loaded();
  s_.signed_size = std::max(s_.signed_size, last_ok_cp_size_);
  s_.epoch = epoch_;
  s_.unsigned_tail = s_.leaves > s_.signed_size ? s_.leaves - s_.signed_size : 0;
  if (opt_.strict && s_.unsigned_tail > 0)
    set_fault({s_.signed_size + 1, last_segment_, end_offset_, "unsigned records",
               "records " + std::to_string(s_.signed_size + 1) + ".." + std::to_string(s_.leaves) +
                   " come after the last signed checkpoint: no broker signature covers them (--strict; a running "
                   "broker signs them within checkpoint_seconds, a stopped one before it stops)"});
  VerifyReport rep;
  rep.summary = std::move(s_);
  rep.fault = std::move(fault_);
  return rep;
}

}  // namespace

Result<VerifyReport> verify_log(const std::string& data_dir, const AuditTrust& trust, const VerifyOptions& options) {
  if (sodium_init() < 0) return Status::IOError("audit: libsodium failed to initialise");
  if (trust.given && trust.given->broker() == nullptr) return Status::Config("audit: the bundle has no broker card");
  if (!std::filesystem::is_directory(data_dir))
    return Status::IOError("audit: " + data_dir + " is not a folder: pass the broker's data folder (or a copy)");
  Scan scan(data_dir, trust, options);
  return scan.run();
}

std::string format_summary(const VerifyReport& rep) {
  const VerifySummary& s = rep.summary;
  std::ostringstream o;
  o << (!rep.ok() ? "DAMAGED" : rep.intact() ? "INTACT" : "RESTORED") << "\n";
  if (rep.fault) o << "first fault:  " << rep.fault->to_string() << "\n";
  for (const RestoreFact& r : s.restores) {
    o << "RESTORED at seq " << r.last_seq << " (epoch " << r.epoch << "): records after " << r.last_seq
      << " are lost";
    if (r.last_known_seq && *r.last_known_seq > r.last_seq)
      o << " (up to seq " << *r.last_known_seq << " at least)";
    o << (r.accepted ? "; accepted with --accept-restore " : "; once you know of this restore, accept it with "
                                                              "--accept-restore ")
      << r.epoch << "\n";
  }
  for (const std::string& l : s.lost_heads) o << "lost:         " << l << "\n";
  o << "records:      " << s.records << " (" << s.messages << " messages, " << s.events << " events, " << s.commits
    << " commit markers, " << s.checkpoint_records << " checkpoints) in " << s.segments << " segment"
    << (s.segments == 1 ? "" : "s") << ", " << s.bytes << " bytes\n";
  o << "checkpoints:  " << s.checkpoint_records << " in the log, " << s.checkpoint_file
    << " in DATA/checkpoints, signed up to seq " << s.signed_size;
  if (s.unsigned_tail > 0) o << " (" << s.unsigned_tail << " later records not yet signed)";
  o << "\n";
  if (s.start) {
    o << "from:         the witnessed head of size " << s.start->size << " (epoch " << s.start->epoch << ", "
      << s.start->origin << "): records after it checked in full (" << (s.leaves - std::min(s.leaves, s.start->size))
      << " leaves); before it, " << s.start->skipped_segments << " segment"
      << (s.start->skipped_segments == 1 ? "" : "s") << " taken from their summaries and " << s.start->rehashed_leaves
      << " leaves re-hashed to match its root\n";
  }
  if (s.trusted_heads > 0)
    o << "anchors:      " << s.trusted_heads << " trusted head" << (s.trusted_heads == 1 ? "" : "s")
      << " checked, up to seq " << s.trusted_size << "\n";
  if (s.leaves > 0)
    o << "time span:    " << format_rfc3339_ms(s.first_ts_ms) << " .. " << format_rfc3339_ms(s.last_ts_ms) << "\n";
  o << "bundle:       serial " << s.bundle_serial
    << (s.bundle_given ? " (given with --bundle)" : " (the newest the log carries)") << "\n";
  if (!s.bundles_loaded.empty()) {
    o << "loaded:       ";
    bool first = true;
    for (const auto& [serial, l] : s.bundles_loaded) {
      if (!first) o << "              ";
      first = false;
      o << "serial " << serial << " at " << format_rfc3339_ms(l.ts_ms) << " (seq " << l.seq << ")"
        << (l.carried ? "" : ", bundle not carried by the log") << "\n";
    }
  }
  if (s.erased > 0) {
    o << "erased:       " << s.erased << " record" << (s.erased == 1 ? "" : "s") << " (ciphertext erased: "
      << s.erased_under_retention << " under retention";
    for (const auto& [order, n] : s.erased_by_order) o << ", " << n << " by order " << order;
    o << ")\n";
    constexpr size_t kShown = 20;
    for (size_t i = 0; i < s.erased_records.size() && i < kShown; ++i)
      o << "  seq " << s.erased_records[i].first << ": " << s.erased_records[i].second << "\n";
    if (s.erased > kShown)
      o << "  ... and " << (s.erased - kShown) << " more (--json lists up to " << VerifySummary::kMaxErasedListed
        << ")\n";
  }
  o << "messages by type:\n";
  for (const auto& [k, n] : s.messages_by_type) o << "  " << k << ": " << n << "\n";
  o << "events by kind:\n";
  for (const auto& [k, n] : s.events_by_kind) o << "  " << k << ": " << n << "\n";
  o << "senders:\n";
  for (const auto& [k, n] : s.senders)
    o << "  " << k << ": " << n << (s.revoked_senders.count(k) ? " (revoked since)" : "") << "\n";
  return o.str();
}

nlohmann::json report_to_json(const VerifyReport& rep) {
  const VerifySummary& s = rep.summary;
  nlohmann::json j;
  j["verdict"] = !rep.ok() ? "damaged" : rep.intact() ? "intact" : "restored";
  if (rep.fault) {
    j["fault"] = {{"seq", rep.fault->seq},
                  {"segment", rep.fault->segment},
                  {"offset", rep.fault->offset},
                  {"kind", rep.fault->kind},
                  {"detail", rep.fault->detail}};
  } else {
    j["fault"] = nullptr;
  }
  j["records"] = s.records;
  j["leaves"] = s.leaves;
  j["messages"] = s.messages;
  j["events"] = s.events;
  j["commits"] = s.commits;
  j["segments"] = s.segments;
  j["bytes"] = s.bytes;
  j["checkpoints"] = {{"in_log", s.checkpoint_records},
                      {"in_file", s.checkpoint_file},
                      {"signed_size", s.signed_size},
                      {"unsigned_tail", s.unsigned_tail}};
  j["trusted_heads"] = {{"checked", s.trusted_heads}, {"largest_size", s.trusted_size}};
  if (s.start) {
    j["start"] = {{"from", s.start->origin},
                  {"size", s.start->size},
                  {"epoch", s.start->epoch},
                  {"root", to_hex(s.start->root)},
                  {"skipped_segments", s.start->skipped_segments},
                  {"skipped_records", s.start->skipped_records},
                  {"rehashed_leaves", s.start->rehashed_leaves},
                  {"segment", s.start->segment},
                  {"offset", s.start->offset},
                  {"checked_leaves", s.leaves - std::min(s.leaves, s.start->size)}};
  } else {
    j["start"] = nullptr;
  }
  j["messages_by_type"] = s.messages_by_type;
  j["events_by_kind"] = s.events_by_kind;
  j["senders"] = s.senders;
  j["revoked_senders"] = s.revoked_senders;
  if (s.leaves > 0) {
    j["first_ts"] = format_rfc3339_ms(s.first_ts_ms);
    j["last_ts"] = format_rfc3339_ms(s.last_ts_ms);
  } else {
    j["first_ts"] = nullptr;
    j["last_ts"] = nullptr;
  }
  nlohmann::json erased_list = nlohmann::json::array();
  for (const auto& [seq, ground] : s.erased_records) erased_list.push_back({{"seq", seq}, {"ground", ground}});
  nlohmann::json by_order = nlohmann::json::object();
  for (const auto& [order, n] : s.erased_by_order) by_order[std::to_string(order)] = n;
  j["erased"] = {{"records", s.erased},
                 {"under_retention", s.erased_under_retention},
                 {"by_order", by_order},
                 {"listed", erased_list}};
  j["bundle_serial"] = s.bundle_serial;
  j["bundle_given"] = s.bundle_given;
  nlohmann::json loaded = nlohmann::json::array();
  for (const auto& [serial, l] : s.bundles_loaded)
    loaded.push_back({{"serial", serial},
                      {"hash", l.hash_hex},
                      {"seq", l.seq},
                      {"loaded", format_rfc3339_ms(l.ts_ms)},
                      {"carried", l.carried}});
  j["bundles_loaded"] = loaded;
  j["epoch"] = s.epoch;
  nlohmann::json restores = nlohmann::json::array();
  for (const RestoreFact& r : s.restores) {
    nlohmann::json x = {{"seq", r.seq},           {"restored", format_rfc3339_ms(r.ts_ms)},
                        {"last_seq", r.last_seq}, {"root", to_hex(r.root)},
                        {"epoch", r.epoch},       {"previous_epoch", r.previous_epoch},
                        {"accepted", r.accepted}};
    x["last_known_seq"] = r.last_known_seq ? nlohmann::json(*r.last_known_seq) : nlohmann::json("unknown");
    restores.push_back(std::move(x));
  }
  j["restores"] = restores;
  j["lost_heads"] = s.lost_heads;
  return j;
}

}  // namespace relais
