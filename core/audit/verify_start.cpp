#include "audit/verify_start.h"

#include <filesystem>
#include <optional>

#include "log/record.h"
#include "log/segment_summary.h"

namespace relais {

namespace {

// The event records of one summarised segment, framed and CRC-checked;
// false when any of them is not where and what the summary says.
bool read_skipped_events(const SegmentFile& seg, uint32_t index, const SegmentSummary& sum,
                         std::vector<SkippedEvent>* out) {
  std::optional<MappedSegment> map;
  for (size_t i = 0; i < sum.leaf_count(); ++i) {
    const IndexEntry e = sum.leaf_at(i);
    if (e.kind != RecordKind::kEvent) continue;
    if (!map) {
      auto m = MappedSegment::open(seg.path);
      if (!m.ok()) return false;
      map.emplace(std::move(*m));
    }
    ByteView payload;
    uint64_t next = 0;
    if (parse_frame(map->data(), e.offset, &payload, &next) != FrameFault::kNone) return false;
    auto r = decode_payload(payload);
    if (!r.ok() || r->kind != RecordKind::kEvent || r->seq != sum.first_seq + i) return false;
    out->push_back({r->seq, r->ts_ms, index, e.offset, Bytes(r->body.begin(), r->body.end())});
  }
  return true;
}

}  // namespace

VerifyStart locate_verify_start(const std::string& dir, const std::vector<SegmentFile>& segments,
                                uint64_t head_size) {
  VerifyStart start;
  uint64_t last_seq = 0;
  // The last segment is the one being written: it has no summary.
  for (size_t i = 0; i + 1 < segments.size(); ++i) {
    const SegmentFile& seg = segments[i];
    std::error_code ec;
    const uint64_t bytes = std::filesystem::file_size(seg.path, ec);
    if (ec) break;
    MappedSegment sum_map;
    auto sum = map_segment_summary(dir, seg.number, bytes, &sum_map);
    if (!sum.ok() || sum->segment != seg.number || sum->size != bytes || sum->first_seq != last_seq + 1) break;
    const uint64_t end = last_seq + sum->leaf_count();
    if (end > head_size || sum->frontier.size() != end) break;
    std::vector<SkippedEvent> events;
    if (!read_skipped_events(seg, static_cast<uint32_t>(i), *sum, &events)) break;
    for (SkippedEvent& e : events) start.events.push_back(std::move(e));
    start.frontier = sum->frontier;
    start.first_segment = i + 1;
    start.skipped_records += sum->records;
    last_seq = end;
  }
  return start;
}

}  // namespace relais
