#include "log/segment_rewrite.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "crypto/envelope.h"
#include "crypto/hashing.h"
#include "log/record.h"

namespace relais {
namespace {

constexpr size_t kFlushBytes = 1u << 20;  // the copy is written in pieces of about 1 MiB

}  // namespace

std::string erasing_file_name(uint64_t number) { return segment_file_name(number) + ".erasing"; }

Result<SegmentRewrite> write_erased_copy(const SegmentFile& segment, const std::vector<uint64_t>& seqs, uint64_t by,
                                         const std::string& tmp_path, bool sync, FileSystem* fs_or_null) {
  FileSystem* const fs = file_system_or_default(fs_or_null);
  auto map = MappedSegment::open(segment.path);
  if (!map.ok()) return map.status();
  const ByteView data = map->data();
  SegmentRewrite out;
  out.old_size = data.size();
  auto where = [&](uint64_t off) { return "log: segment " + segment.name + " offset " + std::to_string(off) + ": "; };

  // First pass: check every record and find those to erase (nothing written
  // unless at least one is).
  struct Erase {
    uint64_t offset, next;
    RecordView r;
    uint64_t shrink = 0;  // bytes the erased record is shorter than the message
  };
  std::vector<Erase> erase;
  uint64_t off = 0;
  while (off < data.size()) {
    ByteView payload;
    uint64_t next = 0;
    const FrameFault f = parse_frame(data, off, &payload, &next);
    if (f != FrameFault::kNone) return Status::Corruption(where(off) + frame_fault_name(f) + "; nothing was erased");
    auto rv = decode_payload(payload);
    if (!rv.ok()) return Status::Corruption(where(off) + rv.status().message() + "; nothing was erased");
    if (is_leaf_kind(rv->kind)) out.leaves.emplace_back(rv->seq, off);
    if (rv->kind == RecordKind::kMessage && std::binary_search(seqs.begin(), seqs.end(), rv->seq)) {
      if (by <= rv->seq)
        return Status::Invalid("log: the erasure event (seq " + std::to_string(by) + ") must come after record " +
                               std::to_string(rv->seq));
      erase.push_back({off, next, *rv});
    }
    off = next;
  }
  if (erase.empty()) {
    out.new_size = out.old_size;
    return out;
  }

  std::unique_ptr<WritableFile> file;
  OpenOptions o;
  o.truncate = true;
  if (IoStatus s = fs->open_file(tmp_path, o, &file); !s.ok()) return s.with_prefix("log");
  auto fail = [&](Status s) -> Status {
    file.reset();
    (void)fs->remove_file(tmp_path);
    return s;
  };
  Bytes buf, payload;
  buf.reserve(kFlushBytes + 4096);
  uint64_t written = 0, copied_to = 0;
  auto flush = [&]() -> Status {
    if (buf.empty()) return Status::Ok();
    IoStatus s = file->write_at(written, buf);
    if (!s.ok()) return s.with_prefix("log");
    written += buf.size();
    buf.clear();
    return Status::Ok();
  };
  auto copy_through = [&](uint64_t end) -> Status {
    while (copied_to < end) {
      const uint64_t n = std::min<uint64_t>(end - copied_to, kFlushBytes);
      buf.insert(buf.end(), data.begin() + static_cast<std::ptrdiff_t>(copied_to),
                 data.begin() + static_cast<std::ptrdiff_t>(copied_to + n));
      copied_to += n;
      if (buf.size() >= kFlushBytes) RELAIS_RETURN_IF_ERROR(flush());
    }
    return Status::Ok();
  };
  for (Erase& e : erase) {
    if (Status s = copy_through(e.offset); !s.ok()) return fail(s);
    auto env = decode_envelope_view(e.r.body);
    if (!env.ok())
      return fail(Status::Corruption(where(e.offset) + "the message to erase (seq " + std::to_string(e.r.seq) +
                                     ") does not decode (" + env.status().message() + "); nothing was erased"));
    if (blake2b_256(env->core) != e.r.core_hash)
      return fail(Status::Corruption(where(e.offset) + "the message to erase (seq " + std::to_string(e.r.seq) +
                                     ") has a core that does not match its core_hash; nothing was erased"));
    payload.clear();
    encode_erased_payload(&payload, e.r.seq, e.r.ts_ms, e.r.core_hash, e.r.ct_hash, by,
                          ByteView(env->sig.data(), env->sig.size()), env->core);
    append_frame(&buf, payload);
    e.shrink = (e.next - e.offset) - (kRecordHeaderSize + payload.size());
    copied_to = e.next;
    ++out.erased;
    if (buf.size() >= kFlushBytes)
      if (Status s = flush(); !s.ok()) return fail(s);
  }
  if (Status s = copy_through(data.size()); !s.ok()) return fail(s);
  if (Status s = flush(); !s.ok()) return fail(s);
  if (sync)
    if (IoStatus s = file->sync(); !s.ok()) return fail(s.with_prefix("log"));
  file.reset();
  out.new_size = written;
  out.bytes_removed = out.old_size - out.new_size;

  // The new offsets: every leaf after an erased record moved back by what
  // the erased records before it lost.
  size_t k = 0;
  uint64_t shift = 0;
  for (auto& [seq, leaf_off] : out.leaves) {
    while (k < erase.size() && erase[k].offset < leaf_off) shift += erase[k++].shrink;
    leaf_off -= shift;
  }
  return out;
}

}  // namespace relais
