#include "log/recovery.h"

#include <cerrno>
#include <cstring>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log/coding.h"
#include "log/crc32c.h"
#include "log/record.h"
#include "log/segment_summary.h"

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
  IndexEntry entry;
};

// Takes a sealed segment from its summary if the summary is valid for it.
bool use_summary(const std::string& dir, const SegmentFile& seg, uint64_t file_size, RecoveredLog* out) {
  MappedSegment map;
  auto s = map_segment_summary(dir, seg.number, file_size, &map);
  if (!s.ok()) {
    if (s.status().code() != Code::kNotFound)
      spdlog::warn("log: ignoring the summary of segment {} ({}); scanning the segment", seg.name,
                   s.status().message());
    return false;
  }
  if (s->segment != seg.number || s->size != file_size || s->first_seq != out->last_seq + 1) {
    spdlog::warn("log: ignoring the summary of segment {} (it describes another size or position); scanning the "
                 "segment",
                 seg.name);
    return false;
  }
  uint64_t seq = out->last_seq;
  for (size_t k = 0; k < s->leaf_count(); ++k) {
    const IndexEntry e = s->leaf_at(k);
    out->index.add(++seq, seg.number, e);
    out->last_ts_ms = e.ts_ms;
  }
  out->frontier = std::move(s->frontier);
  out->last_seq = seq;
  if (s->last_checkpoint) out->last_checkpoint_record = s->last_checkpoint;
  out->records += s->records;
  ++out->summarised_segments;
  return true;
}

}  // namespace

Result<RecoveredLog> recover_log(const std::string& dir, bool repair, const MessageKeyFn& message_key,
                                 bool use_summaries, FileSystem* fs_or_null, const MessageKeyFn& erased_key) {
  FileSystem* const fs = file_system_or_default(fs_or_null);
  auto segs = list_segments(dir, fs);
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
    if (repair) {
      RELAIS_RETURN_IF_ERROR(fs->remove_file(files.back().path).with_prefix("log"));
      (void)fs->remove_file(dir + "/" + summary_file_name(files.back().number));  // usually absent
    }
    files.pop_back();
  }

  // Reserve the index once: at most one leaf per 25 bytes of the last segment,
  // exactly one per 33-byte entry of each summary. Untouched capacity costs no memory.
  {
    uint64_t estimate = 0;
    for (size_t i = 0; i < files.size(); ++i) {
      struct stat st {};
      const bool last = i + 1 == files.size();
      const std::string p = last ? files[i].path : dir + "/" + summary_file_name(files[i].number);
      if (::stat(p.c_str(), &st) != 0) {
        if (::stat(files[i].path.c_str(), &st) != 0) continue;
        estimate += static_cast<uint64_t>(st.st_size) / (kRecordHeaderSize + kEventFixedSize);
      } else {
        estimate += static_cast<uint64_t>(st.st_size) / (last ? kRecordHeaderSize + kEventFixedSize : SegmentSummary::kEntrySize);
      }
    }
    out.index.reserve(static_cast<size_t>(estimate + 1));
  }

  std::vector<Pending> pending;  // leaves since the last commit marker
  std::vector<IndexEntry> seg_leaves;  // committed leaves of the current segment (for its summary)
  std::optional<Checkpoint> pending_cp;
  uint64_t pending_records = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    const SegmentFile& seg = files[i];
    const bool last = i + 1 == files.size();
    if (!last && use_summaries) {
      struct stat st {};
      if (::stat(seg.path.c_str(), &st) != 0)
        return Status::IOError("log: cannot stat " + seg.path + ": " + std::strerror(errno));
      if (use_summary(dir, seg, static_cast<uint64_t>(st.st_size), &out)) continue;
    }
    auto m = MappedSegment::open(seg.path);
    if (!m.ok()) return m.status();
    ++out.scanned_segments;
    ByteView data = m->data();
    // A summary of the last segment left by a clean close: its keys spare the message_key calls.
    std::optional<SegmentSummary> keys_from;
    if (last && use_summaries) {
      auto s = read_segment_summary(dir, seg.number, data.size());
      if (s.ok() && s->size == data.size() && s->first_seq == out.last_seq + 1) keys_from = std::move(*s);
    }
    const uint64_t seg_first_seq = out.last_seq + 1;
    const uint64_t seg_records_before = out.records;
    std::optional<Checkpoint> seg_last_cp;
    seg_leaves.clear();
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
        tentative.append(leaf_hash(r));
        IndexEntry e{off, r.ts_ms, is_message_kind(r.kind) ? RecordKind::kMessage : r.kind, RecordKey{}};
        if (e.kind == RecordKind::kMessage) {
          const size_t k = static_cast<size_t>(seq - seg_first_seq);
          if (keys_from && k < keys_from->leaves.size() && keys_from->leaves[k].offset == off &&
              keys_from->leaves[k].kind == e.kind) {
            e.key = keys_from->leaves[k].key;
          } else if (r.kind == RecordKind::kErasedMessage) {
            if (erased_key) e.key = erased_key(r.body);
          } else if (message_key) {
            e.key = message_key(r.body);
          }
        }
        pending.push_back({r.seq, e});
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
          out.index.add(p.seq, seg.number, p.entry);
          if (!last) seg_leaves.push_back(p.entry);
          out.last_ts_ms = p.entry.ts_ms;
        }
        pending.clear();
        out.frontier = tentative;
        out.last_seq = seq;
        if (pending_cp) {
          out.last_checkpoint_record = pending_cp;
          seg_last_cp = pending_cp;
        }
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
      if (repair) RELAIS_RETURN_IF_ERROR(fs->truncate_file(seg.path, committed_end).with_prefix("log"));
    }
    if (last) {
      out.tail_size = committed_end;
      out.tail_first_seq = seg_first_seq;
      out.tail_records = out.records - seg_records_before;
      out.tail_last_checkpoint = seg_last_cp;
    }
    if (!last && repair && use_summaries) {
      SegmentSummary s;
      s.segment = seg.number;
      s.size = data.size();
      s.first_seq = seg_first_seq;
      s.records = out.records - seg_records_before;
      s.frontier = out.frontier;
      s.last_checkpoint = seg_last_cp;
      s.leaves = std::move(seg_leaves);
      seg_leaves = {};
      Status st = write_segment_summary(dir, s, true, fs);
      if (st.ok()) {
        ++out.summaries_written;
      } else {
        spdlog::warn("log: cannot write the summary of segment {} ({}); the next start scans it again", seg.name,
                     st.message());
      }
    }
  }
  out.segments = std::move(files);
  return out;
}

}  // namespace relais
