#include "util/files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

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

// Reads the whole of an open regular file whose fstat is st.
Result<Bytes> read_open_file(int fd, const struct stat& st, const std::string& path, size_t max_size) {
  if (!S_ISREG(st.st_mode)) return Status::Invalid("file: " + path + " is not a regular file");
  if (static_cast<size_t>(st.st_size) > max_size)
    return Status::Invalid("file: " + path + " is too large (" + std::to_string(st.st_size) +
                           " bytes, limit " + std::to_string(max_size) + ")");
  Bytes out(static_cast<size_t>(st.st_size));
  size_t off = 0;
  while (off < out.size()) {
    ssize_t n = ::read(fd, out.data() + off, out.size() - off);
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

std::string mode_text(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// fsync (whole_fs false) or syncfs (true) through a descriptor of the folder.
Status sync_through_folder(const std::string& dir, bool whole_fs) {
  Fd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return Status::IOError("file: cannot open folder " + dir + ": " + errno_text());
  if (!whole_fs && ::fsync(fd.get()) != 0)
    return Status::IOError("file: cannot sync folder " + dir + ": " + errno_text());
  if (whole_fs && ::syncfs(fd.get()) != 0)
    return Status::IOError("file: cannot sync the file system of " + dir + ": " + errno_text());
  return Status::Ok();
}

// Creates or truncates path, chmods it to mode and writes data; fsyncs it
// before closing when `sync` is true. Only ever a regular file: a named pipe
// with a reader (which O_NONBLOCK opens at once) or a device in its place is
// refused before its mode is touched or anything is written to it.
Status write_new_file(const std::string& path, ByteView data, mode_t mode, bool sync) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, mode));
  if (fd.get() < 0) return Status::IOError("file: cannot create " + path + ": " + errno_text());
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Status::IOError("file: cannot stat " + path + ": " + errno_text());
  if (!S_ISREG(st.st_mode))
    return Status::Invalid("file: " + path + " is not a regular file (a named pipe or a device is in its place); " +
                           "remove it, or give the path of a file");
  if (::fchmod(fd.get(), mode) != 0) return Status::IOError("file: cannot chmod " + path + ": " + errno_text());
  Status s = write_all(fd.get(), data, path);
  if (s.ok() && sync && ::fsync(fd.get()) != 0) s = Status::IOError("file: cannot sync " + path + ": " + errno_text());
  return s;
}

}  // namespace

Result<Bytes> read_file(const std::string& path, size_t max_size) {
  // O_NONBLOCK: a named pipe or a device in place of the file is refused as
  // "not a regular file" at once, where a plain open would wait for a writer.
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) return Status::IOError("file: cannot open " + path + ": " + errno_text());
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Status::IOError("file: cannot stat " + path + ": " + errno_text());
  return read_open_file(fd.get(), st, path, max_size);
}

Result<std::string> read_text_file(const std::string& path, size_t max_size) {
  auto r = read_file(path, max_size);
  if (!r.ok()) return r.status();
  return std::string(r->begin(), r->end());
}

Status sync_dir(const std::string& dir) { return sync_through_folder(dir, false); }

Status sync_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) return Status::IOError("file: cannot open " + path + ": " + errno_text());
  if (::fdatasync(fd.get()) != 0) return Status::IOError("file: cannot sync " + path + ": " + errno_text());
  return Status::Ok();
}

Status write_file_unsynced(const std::string& path, ByteView data, mode_t mode) {
  return write_new_file(path, data, mode, false);
}

Status sync_filesystem(const std::string& dir) { return sync_through_folder(dir, true); }

Status write_file_durable(const std::string& path, ByteView data, mode_t mode, bool exclusive) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (exclusive && fs::exists(path, ec))
    return Status::Invalid("file: " + path + " already exists; refusing to overwrite it");
  const std::string dir = fs::path(path).parent_path().string();
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  if (Status s = write_new_file(tmp, data, mode, true); !s.ok()) {
    ::unlink(tmp.c_str());
    return s;
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

Result<Bytes> read_secret_file(const std::string& path, size_t max_size) {
  namespace fs = std::filesystem;
  const fs::path p(path);
  std::string dir = p.parent_path().string();
  if (dir.empty()) dir = ".";
  const std::string base = p.filename().string();
  if (base.empty() || base == "." || base == "..")
    return Status::Invalid("file: " + path + " names a folder, not a secret key file");
  // The folder first: the file is then opened relative to this descriptor, so
  // the folder checked is the folder the file is read from.
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() < 0) return Status::IOError("file: cannot open the folder of " + path + ": " + errno_text());
  struct stat ds {};
  if (::fstat(dfd.get(), &ds) != 0) return Status::IOError("file: cannot stat folder " + dir + ": " + errno_text());
  if ((ds.st_mode & 022) != 0)
    return Status::Permission("keys: the folder " + dir + " holding the secret file " + path + " has mode " +
                              mode_text(ds.st_mode) +
                              ": others may write to it and replace the file, so it is refused. Fix it with: "
                              "chmod go-w " + dir);
  if (ds.st_uid != 0 && ds.st_uid != ::geteuid())
    return Status::Permission("keys: the folder " + dir + " holding the secret file " + path +
                              " belongs to another user (uid " + std::to_string(ds.st_uid) +
                              "), who may replace the file, so it is refused. Move the file to a folder you or root "
                              "own, or fix it with: chown " + std::to_string(::geteuid()) + " " + dir);
  // O_NOFOLLOW: a symbolic link is refused rather than followed; O_NONBLOCK:
  // a FIFO put in the key's place does not hang the open (fstat refuses it).
  Fd fd(::openat(dfd.get(), base.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ELOOP)
      return Status::Permission("keys: the secret file " + path +
                                " is a symbolic link, which is refused (it could be pointed elsewhere); name the "
                                "file itself, or move it here");
    return Status::IOError("file: cannot open " + path + ": " + errno_text());
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Status::IOError("file: cannot stat " + path + ": " + errno_text());
  if (!S_ISREG(st.st_mode)) return Status::Invalid("file: " + path + " is not a regular file");
  if ((st.st_mode & 077) != 0)
    return Status::Permission("keys: the secret file " + path + " has mode " + mode_text(st.st_mode) +
                              " and may be read by others; it is refused. Fix it with: chmod 600 " + path);
  return read_open_file(fd.get(), st, path, max_size);
}

namespace {

// path lexically normalised, without a trailing separator: "a/./b/" is "a/b".
std::filesystem::path normal_folder(const std::string& path) {
  std::filesystem::path p = std::filesystem::path(path).lexically_normal();
  if (!p.has_filename() && p != p.root_path()) p = p.parent_path();
  return p;
}

}  // namespace

std::string parent_folder(const std::string& folder) { return normal_folder(folder).parent_path().string(); }

std::vector<std::string> missing_folders(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> missing;
  for (fs::path p = normal_folder(path); !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
    missing.push_back(p.string());
    if (p == p.parent_path()) break;
  }
  return missing;
}

Status make_dirs_unsynced(const std::string& path, mode_t mode) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Status::IOError("file: cannot create folder " + path + ": " + ec.message());
  if (::chmod(path.c_str(), mode) != 0) return Status::IOError("file: cannot chmod " + path + ": " + errno_text());
  return Status::Ok();
}

Status make_dirs(const std::string& path, mode_t mode) {
  const std::vector<std::string> missing = missing_folders(path);
  if (Status s = make_dirs_unsynced(path, mode); !s.ok()) return s;
  for (const std::string& p : missing)  // each new folder is an entry of its parent
    if (Status s = sync_dir(parent_folder(p)); !s.ok()) return s;
  return Status::Ok();
}

}  // namespace relais
