// Segment files: DATA/NNNNNNNNNNNNNNNNNNNN.log, twenty decimal digits giving
// the segment's number (1, 2, 3 ...; consecutive, so a missing middle segment
// is detected). A segment holds whole batches; the writer starts a new one,
// at a batch boundary, once the current one has reached segment_bytes.
// Functions are thread-safe; MappedSegment is a move-only read-only mapping.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/bytes.h"
#include "util/status.h"

namespace relais {

struct SegmentFile {
  uint64_t number = 0;
  std::string name;  // file name only, e.g. "00000000000000000001.log"
  std::string path;  // dir + "/" + name
};

std::string segment_file_name(uint64_t number);

class FileSystem;

// Lists DATA's segments in order (the folder is listed through fs, by default
// default_file_system()). Status::Corruption "log: segment N is missing ..."
// if the numbers are not consecutive; IOError if DATA is unreadable.
Result<std::vector<SegmentFile>> list_segments(const std::string& dir, FileSystem* fs = nullptr);

// A read-only mmap of a whole segment (empty files map to an empty view).
class MappedSegment {
 public:
  static Result<MappedSegment> open(const std::string& path);
  MappedSegment() = default;
  MappedSegment(MappedSegment&& o) noexcept;
  MappedSegment& operator=(MappedSegment&& o) noexcept;
  MappedSegment(const MappedSegment&) = delete;
  MappedSegment& operator=(const MappedSegment&) = delete;
  ~MappedSegment();
  ByteView data() const { return ByteView(static_cast<const uint8_t*>(addr_), size_); }

 private:
  void* addr_ = nullptr;
  size_t size_ = 0;
};

}  // namespace relais
