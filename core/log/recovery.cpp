#include "log/recovery.h"

#include <cerrno>
#include <cstring>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log/coding.h"
#include "log/crc32c.h"
#include "log/record.h"

namespace relais {
namespace {

// A valid commit frame at `pos`? On success *end is the offset after it.
bool commit_frame_at(ByteView data, uint64_t pos, uint64_t* end) {
  if (data.size() - pos < kRecordHeaderSize + kCommitPayloadSize) return false;
  const uint8_t* h = data.data() + pos;
  if (coding::get_u32(h) != kCommitPayloadSize || h[kRecordHeaderSize] != static_cast<uint8_t>(RecordKind::kCommit))
    return false;
  if (crc32c::value(ByteView(h + kRecordHeaderSize, kCommitPayloadSize)) != coding::get_u32(h + 4)) return false;
  *end = pos + kRecordHeaderSize + kCommitPayloadSize;
  return true;
}

// Damage at `from` is in the final batch if no valid commit marker follows it,
// or the first one that does ends the data.
bool damage_is_in_final_batch(ByteView data, uint64_t from) {
  for (uint64_t pos = from + 1; pos + kRecordHeaderSize + kCommitPayloadSize <= data.size(); ++pos) {
    uint64_t end = 0;
    if (commit_frame_at(data, pos, &end)) return end == data.size();
  }
  return true;
}

struct Pending {
  uint64_t seq;
  uint64_t offset;
  int64_t ts_ms;
  Hash32 leaf;
};

}  // namespace

Result<RecoveredLog> recover_log(const std::string& dir, bool repair) {
  auto segs = list_segments(dir);
  if (!segs.ok()) return segs.status();
  RecoveredLog out;
  std::vector<SegmentFile> files = std::move(*segs);

  // Trailing empty segments: a crash between creating a segment and writing its first batch.
  while (files.size() > 1) {
    struct stat st {};
    if (::stat(files.back().path.c_str(), &st) != 0)
      return Status::IOError("log: cannot stat " + files.back().path + ": " + std::strerror(errno));
    if (st.st_size != 0) break;
    spdlog::warn("log: removing empty segment {} left by an interrupted rollover", files.back().name);
    if (repair && ::unlink(files.back().path.c_str()) != 0)
      return Status::IOError("log: cannot remove " + files.back().path + ": " + std::strerror(errno));
    files.pop_back();
  }

  std::vector<Pending> pending;  // leaves since the last commit marker
  std::optional<Checkpoint> pending_cp;
  uint64_t pending_records = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    const SegmentFile& seg = files[i];
    const bool last = i + 1 == files.size();
    auto m = MappedSegment::open(seg.path);
    if (!m.ok()) return m.status();
    ByteView data = m->data();
    uint64_t off = 0, committed_end = 0;
    uint64_t seq = out.last_seq;  // last seq seen, committed or pending
    MerkleFrontier tentative = out.frontier;
    std::string fault;
    while (off < data.size()) {
      ByteView payload;
      uint64_t next = 0;
      FrameFault f = parse_frame(data, off, &payload, &next);
      if (f != FrameFault::kNone) {
        fault = frame_fault_name(f);
        break;
      }
      auto rv = decode_payload(payload);
      if (!rv.ok()) {
        fault = "bad payload (" + rv.status().message() + ")";
        break;
      }
      const RecordView& r = *rv;
      if (is_leaf_kind(r.kind)) {
        if (r.seq != seq + 1) {
          fault = "sequence gap (expected seq " + std::to_string(seq + 1) + ", found " + std::to_string(r.seq) + ")";
          break;
        }
        seq = r.seq;
        Hash32 leaf = leaf_hash(r);
        tentative.append(leaf);
        pending.push_back({r.seq, off, r.ts_ms, leaf});
      } else if (r.seq != seq) {
        fault = std::string(record_kind_name(r.kind)) + " out of order (covers seq " + std::to_string(r.seq) +
                " but the last seq is " + std::to_string(seq) + ")";
        break;
      } else if (r.kind == RecordKind::kCheckpoint) {
        if (!equal_ct(r.checkpoint->root, tentative.root())) {
          fault = "checkpoint root does not match the records before it";
          break;
        }
        pending_cp = r.checkpoint;
      }
      ++pending_records;
      off = next;
      if (r.kind == RecordKind::kCommit) {
        for (const Pending& p : pending) {
          out.index.add(p.seq, seg.number, p.offset, p.ts_ms);
          out.last_ts_ms = p.ts_ms;
        }
        pending.clear();
        out.frontier = tentative;
        out.last_seq = seq;
        if (pending_cp) out.last_checkpoint_record = pending_cp;
        pending_cp.reset();
        out.records += pending_records;
        pending_records = 0;
        committed_end = off;
      }
    }
    const bool damaged = !fault.empty();
    const bool uncommitted_tail = committed_end < data.size();
    if (!last && uncommitted_tail) {
      return Status::Corruption("log: segment " + seg.name + " offset " + std::to_string(damaged ? off : committed_end) +
                                ": " + (damaged ? fault : "segment does not end with a commit marker") +
                                " (not the final batch: the data folder is damaged; keep a copy, run relais-audit "
                                "verify, and restore from a backup)");
    }
    if (damaged && !damage_is_in_final_batch(data, off)) {
      return Status::Corruption("log: segment " + seg.name + " offset " + std::to_string(off) + ": " + fault +
                                " (before the last commit marker: the data folder is damaged; keep a copy, run "
                                "relais-audit verify, and restore from a backup)");
    }
    if (uncommitted_tail) {
      const uint64_t cut = data.size() - committed_end;
      spdlog::warn("log: segment {} offset {}: {}; truncating {} bytes after the last commit marker (never "
                   "acknowledged)",
                   seg.name, damaged ? off : committed_end, damaged ? fault : "records without a commit marker", cut);
      out.truncated_bytes += cut;
      pending.clear();
      pending_cp.reset();
      pending_records = 0;
      if (repair && ::truncate(seg.path.c_str(), static_cast<off_t>(committed_end)) != 0)
        return Status::IOError("log: cannot truncate " + seg.path + ": " + std::strerror(errno));
    }
    if (last) out.tail_size = committed_end;
  }
  out.segments = std::move(files);
  return out;
}

}  // namespace relais
