#include "audit/verify.h"

#include <algorithm>
#include <deque>
#include <filesystem>
#include <future>
#include <sodium.h>
#include <sstream>
#include <vector>

#include "audit/event_view.h"
#include "crypto/envelope.h"
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

constexpr size_t kSigBatch = 2048;
constexpr size_t kCheckpointFrameSize = kRecordHeaderSize + Checkpoint::kPayloadSize;

// One sender signature to check, with where its record is.
struct SigJob {
  uint64_t seq;
  uint32_t segment;  // index into the scan's segment names
  uint64_t offset;
  PublicKey pk;
  std::array<uint8_t, 83> msg;
  std::array<uint8_t, 64> sig;
};

// Returns the failing job with the lowest seq, if any.
std::optional<SigJob> check_batch(std::vector<SigJob> batch) {
  for (const auto& j : batch)
    if (crypto_sign_verify_detached(j.sig.data(), j.msg.data(), j.msg.size(), j.pk.data()) != 0) return j;
  return std::nullopt;
}

// Checks signatures in batches on up to `threads` worker threads while the
// caller keeps scanning.
class SigPool {
 public:
  explicit SigPool(int threads) : threads_(static_cast<size_t>(std::max(1, threads))) {}
  ~SigPool() { (void)finish(); }

  void add(const SigJob& j) {
    cur_.push_back(j);
    if (cur_.size() >= kSigBatch) flush();
  }
  // Waits for everything; the failing job with the lowest seq.
  std::optional<SigJob> finish() {
    flush();
    while (!inflight_.empty()) collect_oldest();
    return worst_;
  }

 private:
  void flush() {
    if (cur_.empty()) return;
    inflight_.push_back(std::async(std::launch::async, check_batch, std::move(cur_)));
    cur_ = {};
    cur_.reserve(kSigBatch);
    while (inflight_.size() > threads_) collect_oldest();
  }
  void collect_oldest() {
    auto r = inflight_.front().get();
    inflight_.pop_front();
    if (r && (!worst_ || r->seq < worst_->seq)) worst_ = r;
  }

  size_t threads_;
  std::vector<SigJob> cur_;
  std::deque<std::future<std::optional<SigJob>>> inflight_;
  std::optional<SigJob> worst_;
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

class Scan {
 public:
  Scan(const std::string& dir, const TrustBundle& bundle, const PublicCard& broker, const VerifyOptions& o)
      : dir_(dir), bundle_(bundle), broker_(broker), opt_(o), pool_(o.threads) {}

  Result<VerifyReport> run();

 private:
  void set_fault(VerifyFault f) {
    if (!fault_ || (f.seq != 0 && (fault_->seq == 0 || f.seq < fault_->seq))) fault_ = std::move(f);
  }
  bool scan_log();
  void check_message(const LogEntry& e, uint32_t seg_index);
  void check_event(const LogEntry& e);
  void check_log_checkpoint(const LogEntry& e);
  void check_checkpoint_file();

  const std::string& dir_;
  const TrustBundle& bundle_;
  const PublicCard& broker_;
  const VerifyOptions& opt_;
  SigPool pool_;
  VerifySummary s_;
  std::optional<VerifyFault> fault_;
  std::vector<std::string> seg_names_;
  MerkleFrontier frontier_;
  std::vector<Checkpoint> file_cps_;
  std::map<uint64_t, Hash32> roots_;   // leaf count -> recomputed root, for the file's sizes
  std::map<uint64_t, Checkpoint> log_cps_;
  uint64_t last_ok_cp_size_ = 0;       // largest checkpoint size verified in the log so far
  std::string last_segment_;
  uint64_t end_offset_ = 0;            // end of the last record of the last segment
  std::optional<Status> file_error_;
};

void Scan::check_message(const LogEntry& e, uint32_t seg_index) {
  const RecordView& r = e.record;
  auto fail = [&](const char* kind, const std::string& detail) {
    set_fault({r.seq, e.segment, e.offset, kind, detail});
  };
  auto env = decode_envelope(r.body);
  if (!env.ok()) return fail("bad envelope", env.status().message());
  if (env->core_hash != r.core_hash)
    return fail("hash mismatch", "the record's core hash is not the hash of its envelope's core");
  if (env->ct_hash != r.ct_hash)
    return fail("hash mismatch", "the record's ciphertext hash is not the hash of its envelope's ciphertext");
  const EnvelopeHeader& h = env->header;
  const PublicCard* sender = bundle_.find(h.from);
  if (sender == nullptr || sender->role == Role::kBroker)
    return fail("unknown sender", "sender \"" + h.from + "\" is not a participant of bundle serial " +
                                      std::to_string(bundle_.serial) + " (message built with serial " +
                                      std::to_string(h.bundle_serial) + "); pass the bundle that lists it");
  if (sender->revoked) ++s_.revoked_senders[h.from];
  SigJob j;
  j.seq = r.seq;
  j.segment = seg_index;
  j.offset = e.offset;
  j.pk = sender->sign_pk;
  j.msg = envelope_signing_message(env->core_hash, env->ct_hash);
  j.sig = env->sig;
  pool_.add(j);
  ++s_.messages;
  ++s_.messages_by_type[h.type];
  ++s_.senders[h.from];
}

void Scan::check_event(const LogEntry& e) {
  auto j = event_to_json(e.record.body);
  if (!j.ok()) {
    set_fault({e.record.seq, e.segment, e.offset, "bad event", j.status().message()});
    return;
  }
  const std::string kind = (*j)["event"].get<std::string>();
  ++s_.events;
  ++s_.events_by_kind[kind];
  if (kind == "bundle_loaded" && j->contains("serial") && (*j)["serial"].is_number_unsigned()) {
    std::string h;
    if (j->contains("hash") && (*j)["hash"].is_string()) {
      auto raw = from_base64((*j)["hash"].get<std::string>());
      if (raw.ok()) h = to_hex(*raw);
    }
    s_.bundles_loaded[(*j)["serial"].get<uint64_t>()] = h;
  }
}

void Scan::check_log_checkpoint(const LogEntry& e) {
  const Checkpoint& cp = *e.record.checkpoint;
  ++s_.checkpoint_records;
  auto fail = [&](const char* kind, const std::string& detail) {
    set_fault({cp.size, e.segment, e.offset, kind, detail});
  };
  if (!cp.verify(broker_.sign_pk))
    return fail("bad checkpoint signature", "the checkpoint of size " + std::to_string(cp.size) +
                                                " is not signed by the bundle's broker key");
  // LogReader guarantees cp.size == the number of leaves read so far.
  if (cp.root != frontier_.root())
    return fail("root mismatch", "the signed root of size " + std::to_string(cp.size) +
                                     " does not match the leaves: a record in seq " +
                                     std::to_string(last_ok_cp_size_ + 1) + ".." + std::to_string(cp.size) +
                                     " was altered, inserted, removed or reordered");
  auto [it, fresh] = log_cps_.emplace(cp.size, cp);
  if (!fresh && it->second.root != cp.root)
    return fail("conflicting checkpoints", "two signed roots for size " + std::to_string(cp.size));
  last_ok_cp_size_ = cp.size;
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
  uint64_t done = 0;
  LogEntry e;
  uint32_t seg_index = 0;
  for (;;) {
    auto more = (*reader)->next(&e);
    if (!more.ok()) {
      std::string name = last_segment_, what;
      uint64_t off = end_offset_;
      parse_located(more.status().message(), "log: segment ", &name, &off, &what);
      set_fault({(*reader)->last_seq() + 1, name, off, reader_fault_kind(what),
                 what + " (the first damaged record follows seq " + std::to_string((*reader)->last_seq()) + ")"});
      break;
    }
    if (!*more) break;
    if (e.segment != last_segment_) {
      while (seg_index < seg_names_.size() && seg_names_[seg_index] != e.segment) ++seg_index;
      last_segment_ = e.segment;
    }
    end_offset_ = e.offset + kRecordHeaderSize + e.length;
    done += kRecordHeaderSize + e.length;
    ++s_.records;
    if (opt_.progress && (s_.records & 4095) == 0) opt_.progress(done, total);
    const RecordView& r = e.record;
    switch (r.kind) {
      case RecordKind::kMessage:
        check_message(e, seg_index);
        break;
      case RecordKind::kEvent:
        check_event(e);
        break;
      case RecordKind::kCommit:
        ++s_.commits;
        break;
      case RecordKind::kCheckpoint:
        check_log_checkpoint(e);
        break;
    }
    if (fault_) break;
    if (is_leaf_kind(r.kind)) {
      frontier_.append(e.leaf_hash);
      ++s_.leaves;
      if (s_.leaves == 1) s_.first_ts_ms = r.ts_ms;
      s_.last_ts_ms = r.ts_ms;
      if (auto it = roots_.find(frontier_.size()); it != roots_.end()) it->second = frontier_.root();
    }
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
    if (!cp.verify(broker_.sign_pk))
      return fail(0, "bad checkpoint signature", "checkpoint #" + std::to_string(i + 1) + " (size " +
                                                     std::to_string(cp.size) +
                                                     ") is not signed by the bundle's broker key");
    if (cp.size < prev_size || (cp.size == prev_size && i > 0 && cp.ts_ms < prev_ts))
      return fail(0, "checkpoints out of order", "checkpoint #" + std::to_string(i + 1) + " (size " +
                                                     std::to_string(cp.size) + ") follows a larger one");
    if (cp.size > s_.leaves)
      return fail(s_.leaves + 1, "log cut back",
                  "a signed checkpoint covers " + std::to_string(cp.size) + " records but the log ends after seq " +
                      std::to_string(s_.leaves) + " (" + last_segment_ + " offset " + std::to_string(end_offset_) +
                      "): records " + std::to_string(s_.leaves + 1) + ".." + std::to_string(cp.size) +
                      " were removed");
    Hash32 root = cp.size == 0 ? merkle::empty_root() : roots_.at(cp.size);
    if (cp.root != root)
      return fail(cp.size, "root mismatch", "checkpoint #" + std::to_string(i + 1) + " signs a root of size " +
                                                std::to_string(cp.size) +
                                                " that the log's leaves do not produce: a record in seq 1.." +
                                                std::to_string(cp.size) + " was altered");
    if (auto it = log_cps_.find(cp.size); it != log_cps_.end() && it->second.root != cp.root)
      return fail(cp.size, "conflicting checkpoints", "two signed roots for size " + std::to_string(cp.size));
    prev_size = cp.size;
    prev_ts = cp.ts_ms;
    s_.signed_size = std::max(s_.signed_size, cp.size);
  }
}

Result<VerifyReport> Scan::run() {
  s_.bundle_serial = bundle_.serial;
  auto cps = read_checkpoint_file(dir_ + "/checkpoints");
  if (cps.ok()) {
    file_cps_ = std::move(*cps);
    for (const auto& cp : file_cps_)
      if (cp.size > 0) roots_[cp.size] = Hash32{};
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
  if (auto bad = pool_.finish()) {
    set_fault({bad->seq, seg_names_.at(bad->segment), bad->offset, "bad signature",
               "the sender's signature does not verify: the message was altered or forged"});
  }
  if (!fault_) check_checkpoint_file();
  s_.signed_size = std::max(s_.signed_size, last_ok_cp_size_);
  s_.unsigned_tail = s_.leaves > s_.signed_size ? s_.leaves - s_.signed_size : 0;
  VerifyReport rep;
  rep.summary = std::move(s_);
  rep.fault = std::move(fault_);
  return rep;
}

}  // namespace

Result<VerifyReport> verify_log(const std::string& data_dir, const TrustBundle& bundle, const VerifyOptions& options) {
  if (sodium_init() < 0) return Status::IOError("audit: libsodium failed to initialise");
  const PublicCard* broker = bundle.broker();
  if (broker == nullptr) return Status::Config("audit: the bundle has no broker card");
  if (!std::filesystem::is_directory(data_dir))
    return Status::IOError("audit: " + data_dir + " is not a folder: pass the broker's data folder (or a copy)");
  Scan scan(data_dir, bundle, *broker, options);
  return scan.run();
}

std::string format_summary(const VerifyReport& rep) {
  const VerifySummary& s = rep.summary;
  std::ostringstream o;
  o << (rep.ok() ? "INTACT" : "DAMAGED") << "\n";
  if (rep.fault) o << "first fault:  " << rep.fault->to_string() << "\n";
  o << "records:      " << s.records << " (" << s.messages << " messages, " << s.events << " events, " << s.commits
    << " commit markers, " << s.checkpoint_records << " checkpoints) in " << s.segments << " segment"
    << (s.segments == 1 ? "" : "s") << ", " << s.bytes << " bytes\n";
  o << "checkpoints:  " << s.checkpoint_records << " in the log, " << s.checkpoint_file
    << " in DATA/checkpoints, signed up to seq " << s.signed_size;
  if (s.unsigned_tail > 0) o << " (" << s.unsigned_tail << " later records not yet signed)";
  o << "\n";
  if (s.leaves > 0)
    o << "time span:    " << format_rfc3339_ms(s.first_ts_ms) << " .. " << format_rfc3339_ms(s.last_ts_ms) << "\n";
  o << "bundle:       serial " << s.bundle_serial << " (pinned by you)";
  if (!s.bundles_loaded.empty()) {
    o << "; the broker loaded serial";
    for (const auto& [serial, h] : s.bundles_loaded) o << " " << serial;
  }
  o << "\n";
  o << "messages by type:\n";
  for (const auto& [k, n] : s.messages_by_type) o << "  " << k << ": " << n << "\n";
  o << "events by kind:\n";
  for (const auto& [k, n] : s.events_by_kind) o << "  " << k << ": " << n << "\n";
  o << "senders:\n";
  for (const auto& [k, n] : s.senders)
    o << "  " << k << ": " << n << (s.revoked_senders.count(k) ? " (revoked in this bundle)" : "") << "\n";
  return o.str();
}

nlohmann::json report_to_json(const VerifyReport& rep) {
  const VerifySummary& s = rep.summary;
  nlohmann::json j;
  j["verdict"] = rep.ok() ? "intact" : "damaged";
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
  j["bundle_serial"] = s.bundle_serial;
  nlohmann::json loaded = nlohmann::json::array();
  for (const auto& [serial, h] : s.bundles_loaded) loaded.push_back({{"serial", serial}, {"hash", h}});
  j["bundles_loaded"] = loaded;
  return j;
}

}  // namespace relais
