#include "log/segment.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include "log/file_system.h"

namespace relais {

std::string segment_file_name(uint64_t number) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020llu.log", static_cast<unsigned long long>(number));
  return buf;
}

Result<std::vector<SegmentFile>> list_segments(const std::string& dir, FileSystem* fs) {
  std::vector<std::string> names;
  IoStatus ls = file_system_or_default(fs)->list_dir(dir, &names);
  if (!ls.ok())
    return Status::IOError("log: cannot open data folder " + dir + ": " + std::strerror(ls.error_number()));
  std::vector<SegmentFile> out;
  for (std::string& name : names) {
    if (name.size() != 24 || name.compare(20, 4, ".log") != 0) continue;
    if (!std::all_of(name.begin(), name.begin() + 20, [](char c) { return c >= '0' && c <= '9'; })) continue;
    SegmentFile f;
    f.number = std::stoull(name.substr(0, 20));
    f.path = dir + "/" + name;
    f.name = std::move(name);
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(), [](const SegmentFile& a, const SegmentFile& b) { return a.number < b.number; });
  for (size_t i = 1; i < out.size(); ++i)
    if (out[i].number != out[i - 1].number + 1)
      return Status::Corruption("log: segment " + segment_file_name(out[i - 1].number + 1) + " is missing from " +
                                dir + " (found " + out[i - 1].name + " then " + out[i].name + ")");
  return out;
}

Result<MappedSegment> MappedSegment::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("log: cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return Status::IOError("log: cannot stat " + path + ": " + std::strerror(e));
  }
  MappedSegment m;
  m.size_ = static_cast<size_t>(st.st_size);
  if (m.size_ > 0) {
    void* a = ::mmap(nullptr, m.size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (a == MAP_FAILED) {
      int e = errno;
      ::close(fd);
      return Status::IOError("log: cannot map " + path + ": " + std::strerror(e));
    }
    ::madvise(a, m.size_, MADV_SEQUENTIAL);
    m.addr_ = a;
  }
  ::close(fd);
  return m;
}

MappedSegment::MappedSegment(MappedSegment&& o) noexcept
    : addr_(std::exchange(o.addr_, nullptr)), size_(std::exchange(o.size_, 0)) {}

MappedSegment& MappedSegment::operator=(MappedSegment&& o) noexcept {
  if (this != &o) {
    if (addr_) ::munmap(addr_, size_);
    addr_ = std::exchange(o.addr_, nullptr);
    size_ = std::exchange(o.size_, 0);
  }
  return *this;
}

MappedSegment::~MappedSegment() {
  if (addr_) ::munmap(addr_, size_);
}

}  // namespace relais
