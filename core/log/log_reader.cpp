#include "log/log_reader.h"

namespace relais {

Result<std::unique_ptr<LogReader>> LogReader::open(const std::string& dir) {
  auto segs = list_segments(dir);
  if (!segs.ok()) return segs.status();
  std::unique_ptr<LogReader> r(new LogReader());
  r->segments_ = std::move(*segs);
  return r;
}

Result<std::unique_ptr<LogReader>> LogReader::open_at(const std::string& dir, size_t first_segment,
                                                      uint64_t last_seq) {
  auto r = open(dir);
  if (!r.ok()) return r.status();
  if (first_segment > (*r)->segments_.size())
    return Status::Invalid("log: no segment #" + std::to_string(first_segment) + " to start at");
  (*r)->seg_ = first_segment;
  (*r)->last_seq_ = last_seq;
  return r;
}

Status LogReader::fault(uint64_t offset, const std::string& what) const {
  return Status::Corruption("log: segment " + segments_[seg_].name + " offset " + std::to_string(offset) + ": " +
                            what);
}

Result<bool> LogReader::next(LogEntry* out) {
  for (;;) {
    if (seg_ >= segments_.size()) return false;
    if (map_ == nullptr) {
      auto m = MappedSegment::open(segments_[seg_].path);
      if (!m.ok()) return m.status();
      map_ = std::make_shared<const MappedSegment>(std::move(*m));
      off_ = 0;
    }
    if (off_ < map_->data().size()) break;
    ++seg_;
    map_.reset();
  }
  ByteView data = map_->data();
  ByteView payload;
  uint64_t next = 0;
  FrameFault f = parse_frame(data, off_, &payload, &next);
  if (f != FrameFault::kNone) return fault(off_, frame_fault_name(f));
  auto rv = decode_payload(payload);
  if (!rv.ok()) return fault(off_, "bad payload (" + rv.status().message() + ")");
  const RecordView& r = *rv;
  if (is_leaf_kind(r.kind)) {
    if (r.seq != last_seq_ + 1)
      return fault(off_, "sequence gap (expected seq " + std::to_string(last_seq_ + 1) + ", found " +
                             std::to_string(r.seq) + ")");
    last_seq_ = r.seq;
    out->leaf_hash = leaf_hash(r);
  } else if (r.seq != last_seq_) {
    return fault(off_, std::string(record_kind_name(r.kind)) + " out of order (covers seq " + std::to_string(r.seq) +
                           " but the last seq is " + std::to_string(last_seq_) + ")");
  }
  out->segment = segments_[seg_].name;
  out->offset = off_;
  out->length = static_cast<uint32_t>(payload.size());
  out->record = r;
  off_ = next;
  return true;
}

}  // namespace relais
