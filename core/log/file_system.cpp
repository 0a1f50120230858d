#include "log/file_system.h"

#include "util/files.h"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace relais {
namespace {

IoStatus errno_status(const std::string& what) { return IoStatus::Error(errno, what); }

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override { ::close(fd_); }

  const std::string& path() const override { return path_; }

  IoStatus write_at(uint64_t offset, ByteView data) override {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno_status("cannot write " + path_);
      }
      done += static_cast<size_t>(n);
    }
    return {};
  }

  IoStatus append(ByteView data) override {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno_status("cannot write " + path_);
      }
      done += static_cast<size_t>(n);
    }
    return {};
  }

  IoStatus sync() override {
    if (::fdatasync(fd_) != 0) return errno_status("cannot sync " + path_);
    return {};
  }

  IoStatus truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return errno_status("cannot truncate " + path_);
    return {};
  }

  IoStatus size(uint64_t* out) override {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return errno_status("cannot stat " + path_);
    *out = static_cast<uint64_t>(st.st_size);
    return {};
  }

 private:
  std::string path_;
  int fd_;
};

}  // namespace

IoStatus IoStatus::Error(int err, const std::string& what) {
  return IoStatus(err, what + ": " + std::strerror(err));
}

bool IoStatus::disk_full() const { return err_ == ENOSPC || err_ == EDQUOT || err_ == EFBIG; }

IoStatus FileSystem::sync_file(const std::string& path) {
  std::unique_ptr<WritableFile> f;
  OpenOptions o;
  o.create = false;
  IoStatus s = open_file(path, o, &f);
  if (!s.ok()) return s;
  return f->sync();
}

IoStatus FileSystem::write_file_atomic(const std::string& path, ByteView data, mode_t mode, bool sync) {
  const std::string tmp = path + ".tmp";
  {
    std::unique_ptr<WritableFile> f;
    OpenOptions o;
    o.truncate = true;
    o.mode = mode;
    IoStatus s = open_file(tmp, o, &f);
    if (!s.ok()) return s;
    s = f->append(data);
    if (s.ok() && sync) s = f->sync();
    if (!s.ok()) {
      f.reset();
      (void)remove_file(tmp);
      return s;
    }
  }
  IoStatus s = rename_file(tmp, path);
  if (!s.ok()) {
    (void)remove_file(tmp);
    return s;
  }
  if (!sync) return {};
  const std::string dir = std::filesystem::path(path).parent_path().string();
  return sync_dir(dir.empty() ? "." : dir);
}

IoStatus PosixFileSystem::open_file(const std::string& path, const OpenOptions& options,
                                    std::unique_ptr<WritableFile>* out) {
  int flags = O_WRONLY | O_CLOEXEC;
  if (options.create) flags |= O_CREAT;
  if (options.create && options.exclusive) flags |= O_EXCL;
  if (options.truncate) flags |= O_TRUNC;
  if (options.append) flags |= O_APPEND;
  int fd = ::open(path.c_str(), flags, options.mode);
  if (fd < 0) return errno_status("cannot open " + path);
  *out = std::make_unique<PosixWritableFile>(path, fd);
  return {};
}

IoStatus PosixFileSystem::rename_file(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return errno_status("cannot rename into " + to);
  return {};
}

IoStatus PosixFileSystem::remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return errno_status("cannot remove " + path);
  return {};
}

IoStatus PosixFileSystem::truncate_file(const std::string& path, uint64_t size) {
  if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) return errno_status("cannot truncate " + path);
  return {};
}

IoStatus PosixFileSystem::make_dirs(const std::string& path, mode_t mode) {
  const std::vector<std::string> missing = missing_folders(path);
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return IoStatus::Error(ec.value(), "cannot create folder " + path);
  if (::chmod(path.c_str(), mode) != 0) return errno_status("cannot chmod " + path);
  for (const std::string& p : missing)  // each new folder is an entry of its parent
    if (IoStatus s = sync_dir(parent_folder(p)); !s.ok()) return s;
  return {};
}

IoStatus PosixFileSystem::sync_dir(const std::string& path) {
  int fd = ::open(path.empty() ? "." : path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_status("cannot open folder " + path);
  IoStatus s;
  if (::fsync(fd) != 0) s = errno_status("cannot sync folder " + path);
  ::close(fd);
  return s;
}

IoStatus PosixFileSystem::list_dir(const std::string& path, std::vector<std::string>* names) {
  DIR* d = ::opendir(path.c_str());
  if (!d) return errno_status("cannot open folder " + path);
  names->clear();
  errno = 0;
  while (dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names->emplace_back(e->d_name);
    errno = 0;
  }
  const int err = errno;
  ::closedir(d);
  if (err != 0) return IoStatus::Error(err, "cannot read folder " + path);
  return {};
}

FileSystem* default_file_system() {
  static FileSystem* const fs = new PosixFileSystem();
  return fs;
}

}  // namespace relais
