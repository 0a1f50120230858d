#include "log/segment_summary.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

#include "log/coding.h"
#include "log/crc32c.h"
#include "log/file_system.h"
#include "log/record.h"

namespace relais {
namespace {

constexpr char kMagic[8] = {'R', 'L', 'S', 'U', 'M', 'M', '0', '2'};
constexpr size_t kEntrySize = SegmentSummary::kEntrySize;
constexpr size_t kMinRecordSize = kRecordHeaderSize + kEventFixedSize;

Status io_error(const std::string& what, const std::string& path) {
  return Status::IOError("log: cannot " + what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

std::string summary_file_name(uint64_t number) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020llu.sum", static_cast<unsigned long long>(number));
  return buf;
}

Bytes SegmentSummary::encode() const {
  Bytes out;
  out.reserve(128 + frontier.nodes().size() * 32 + Checkpoint::kPayloadSize + leaves.size() * kEntrySize);
  out.resize(sizeof kMagic);
  std::memcpy(out.data(), kMagic, sizeof kMagic);
  coding::append_u64(&out, segment);
  coding::append_u64(&out, size);
  coding::append_u64(&out, first_seq);
  coding::append_u64(&out, records);
  coding::append_u64(&out, leaves.size());
  coding::append_u64(&out, frontier.size());
  coding::append_u8(&out, static_cast<uint8_t>(frontier.nodes().size()));
  for (const Hash256& h : frontier.nodes()) coding::append_bytes(&out, h);
  coding::append_u8(&out, last_checkpoint ? 1 : 0);
  if (last_checkpoint) coding::append_bytes(&out, last_checkpoint->encode_payload());
  const size_t base = out.size();
  out.resize(base + leaves.size() * kEntrySize);
  uint8_t* p = out.data() + base;
  for (const IndexEntry& e : leaves) {
    coding::put_u64(p, e.offset);
    coding::put_u64(p + 8, static_cast<uint64_t>(e.ts_ms));
    p[16] = static_cast<uint8_t>(e.kind);
    std::memcpy(p + 17, e.key.data(), e.key.size());
    p += kEntrySize;
  }
  coding::append_u32(&out, crc32c::value(out));
  return out;
}

IndexEntry SegmentSummary::leaf_at(size_t i) const {
  const uint8_t* e = leaf_bytes.data() + i * kEntrySize;
  IndexEntry x;
  x.offset = coding::get_u64(e);
  x.ts_ms = static_cast<int64_t>(coding::get_u64(e + 8));
  x.kind = static_cast<RecordKind>(e[16]);
  std::memcpy(x.key.data(), e + 17, x.key.size());
  return x;
}

Result<SegmentSummary> SegmentSummary::decode(ByteView d, bool copy_leaves) {
  constexpr size_t kFixed = sizeof kMagic + 6 * 8 + 1;
  if (d.size() < kFixed + 1 + 4) return Status::Corruption("summary: too short");
  if (std::memcmp(d.data(), kMagic, sizeof kMagic) != 0) return Status::Corruption("summary: bad magic");
  const size_t body = d.size() - 4;
  if (crc32c::value(d.first(body)) != coding::get_u32(d.data() + body)) return Status::Corruption("summary: bad crc");
  SegmentSummary s;
  const uint8_t* p = d.data() + sizeof kMagic;
  s.segment = coding::get_u64(p);
  s.size = coding::get_u64(p + 8);
  s.first_seq = coding::get_u64(p + 16);
  s.records = coding::get_u64(p + 24);
  const uint64_t leaves = coding::get_u64(p + 32);
  const uint64_t fsize = coding::get_u64(p + 40);
  const size_t nodes = p[48];
  size_t pos = kFixed;
  if (s.first_seq == 0 || fsize != s.first_seq - 1 + leaves || leaves > s.records)
    return Status::Corruption("summary: counts do not fit");
  if (body - pos < nodes * 32 + 1) return Status::Corruption("summary: truncated frontier");
  std::vector<Hash256> hs(nodes);
  for (size_t i = 0; i < nodes; ++i, pos += 32) std::memcpy(hs[i].data(), d.data() + pos, 32);
  if (!s.frontier.restore(fsize, std::move(hs))) return Status::Corruption("summary: frontier does not fit its size");
  const uint8_t has_cp = d[pos++];
  if (has_cp > 1) return Status::Corruption("summary: bad checkpoint flag");
  if (has_cp) {
    if (body - pos < Checkpoint::kPayloadSize) return Status::Corruption("summary: truncated checkpoint");
    auto cp = Checkpoint::decode_payload(d.subspan(pos, Checkpoint::kPayloadSize));
    if (!cp.ok()) return Status::Corruption("summary: " + cp.status().message());
    s.last_checkpoint = *cp;
    pos += Checkpoint::kPayloadSize;
  }
  if ((body - pos) / kEntrySize != leaves || (body - pos) % kEntrySize != 0)
    return Status::Corruption("summary: entry count does not fit the length");
  s.leaf_bytes = d.subspan(pos, body - pos);
  const uint8_t* e = s.leaf_bytes.data();
  uint64_t prev_end = 0;
  for (uint64_t i = 0; i < leaves; ++i, e += kEntrySize) {
    const uint64_t offset = coding::get_u64(e);
    const uint8_t kind = e[16];
    if (kind != static_cast<uint8_t>(RecordKind::kMessage) && kind != static_cast<uint8_t>(RecordKind::kEvent))
      return Status::Corruption("summary: bad record kind");
    if (offset < prev_end || offset > s.size || s.size - offset < kMinRecordSize)
      return Status::Corruption("summary: record offsets out of order or beyond the segment");
    prev_end = offset + kMinRecordSize;
  }
  if (copy_leaves) {
    s.leaves.reserve(leaves);
    for (size_t i = 0; i < leaves; ++i) s.leaves.push_back(s.leaf_at(i));
  }
  return s;
}

Status write_segment_summary(const std::string& dir, const SegmentSummary& s, bool sync, FileSystem* fs) {
  const Bytes data = s.encode();
  const std::string path = dir + "/" + summary_file_name(s.segment);
  return file_system_or_default(fs)->write_file_atomic(path, data, 0600, sync).with_prefix("log");
}

Result<SegmentSummary> map_segment_summary(const std::string& dir, uint64_t number, uint64_t segment_size,
                                           MappedSegment* map) {
  const std::string path = dir + "/" + summary_file_name(number);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::NotFound("log: no summary " + path);
    return io_error("stat", path);
  }
  const uint64_t max = 4096 + Checkpoint::kPayloadSize + 64 * 32 + (segment_size / kMinRecordSize + 1) * kEntrySize;
  if (static_cast<uint64_t>(st.st_size) > max) return Status::Corruption("summary: " + path + " is too large");
  auto m = MappedSegment::open(path);
  if (!m.ok()) return m.status();
  *map = std::move(*m);
  return SegmentSummary::decode(map->data(), false);
}

Result<SegmentSummary> read_segment_summary(const std::string& dir, uint64_t number, uint64_t segment_size) {
  MappedSegment map;
  auto s = map_segment_summary(dir, number, segment_size, &map);
  if (!s.ok()) return s.status();
  s->leaves.reserve(s->leaf_count());
  for (size_t i = 0; i < s->leaf_count(); ++i) s->leaves.push_back(s->leaf_at(i));
  s->leaf_bytes = {};
  return s;
}

}  // namespace relais
