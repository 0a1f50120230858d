#include "util/files.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace relais {
namespace {

std::string errno_text() { return std::strerror(errno); }

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { if (fd_ >= 0) ::close(fd_); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { int f = fd_; fd_ = -1; return f; }
 private:
  int fd_;
};

Status write_all(int fd, ByteView data, const std::string& path) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError("file: cannot write " + path + ": " + errno_text());
    }
    off += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

Result<Bytes> read_file(const std::string& path, size_t max_size) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Status::IOError("file: cannot open " + path + ": " + errno_text());
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Status::IOError("file: cannot stat " + path + ": " + errno_text());
  if (!S_ISREG(st.st_mode)) return Status::Invalid("file: " + path + " is not a regular file");
  if (static_cast<size_t>(st.st_size) > max_size)
    return Status::Invalid("file: " + path + " is too large (" + std::to_string(st.st_size) +
                           " bytes, limit " + std::to_string(max_size) + ")");
  Bytes out(static_cast<size_t>(st.st_size));
  size_t off = 0;
  while (off < out.size()) {
    ssize_t n = ::read(fd.get(), out.data() + off, out.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError("file: cannot read " + path + ": " + errno_text());
    }
    if (n == 0) break;
    off += static_cast<size_t>(n);
  }
  out.resize(off);
  return out;
}

Result<std::string> read_text_file(const std::string& path, size_t max_size) {
  auto r = read_file(path, max_size);
  if (!r.ok()) return r.status();
  return std::string(r->begin(), r->end());
}

Status sync_dir(const std::string& dir) {
  Fd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return Status::IOError("file: cannot open folder " + dir + ": " + errno_text());
  if (::fsync(fd.get()) != 0) return Status::IOError("file: cannot sync folder " + dir + ": " + errno_text());
  return Status::Ok();
}

Status sync_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Status::IOError("file: cannot open " + path + ": " + errno_text());
  if (::fdatasync(fd.get()) != 0) return Status::IOError("file: cannot sync " + path + ": " + errno_text());
  return Status::Ok();
}

Status write_file_durable(const std::string& path, ByteView data, mode_t mode, bool exclusive) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (exclusive && fs::exists(path, ec))
    return Status::Invalid("file: " + path + " already exists; refusing to overwrite it");
  const std::string dir = fs::path(path).parent_path().string();
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (fd.get() < 0) return Status::IOError("file: cannot create " + tmp + ": " + errno_text());
    if (::fchmod(fd.get(), mode) != 0) return Status::IOError("file: cannot chmod " + tmp + ": " + errno_text());
    Status s = write_all(fd.get(), data, tmp);
    if (s.ok() && ::fsync(fd.get()) != 0) s = Status::IOError("file: cannot sync " + tmp + ": " + errno_text());
    if (!s.ok()) { ::unlink(tmp.c_str()); return s; }
  }
  if (exclusive) {
    // link() fails if path exists, so a racing writer can never be overwritten.
    if (::link(tmp.c_str(), path.c_str()) != 0) {
      int e = errno;
      ::unlink(tmp.c_str());
      return Status::Invalid("file: cannot create " + path + ": " + std::strerror(e));
    }
    ::unlink(tmp.c_str());
  } else if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Status::IOError("file: cannot rename into " + path + ": " + errno_text());
  }
  return sync_dir(dir.empty() ? "." : dir);
}

Status check_secret_file_mode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Status::IOError("file: cannot stat " + path + ": " + errno_text());
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::Permission("keys: secret key file " + path + " has mode " + mode +
                              " and may be read by others; it is refused. Fix it with: chmod 600 " + path);
  }
  return Status::Ok();
}

Status make_dirs(const std::string& path, mode_t mode) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Status::IOError("file: cannot create folder " + path + ": " + ec.message());
  if (::chmod(path.c_str(), mode) != 0) return Status::IOError("file: cannot chmod " + path + ": " + errno_text());
  return Status::Ok();
}

}  // namespace relais
