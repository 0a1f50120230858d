// FileSystem: the seam between the log's write path and the operating system,
// in the manner of LevelDB's Env. Everything the log does that changes the
// data folder goes through it: creating and writing segments, fdatasync,
// truncating a failed or torn tail, the checkpoints file, segment summaries
// (temporary file, rename), removing empty segments, creating the folder,
// fsyncing it, and listing it. Tests put a fault-injecting implementation in
// LogOptions::fs to make writes and syncs fail or tear.
//
// Reading stays POSIX: recovery and LogReader mmap segments, Log::read
// preads them, and sizes come from stat. So every FileSystem must act on the
// real files under their paths (a wrapper around the POSIX one, not an
// in-memory store); DirLock (flock) is not part of the seam either.
//
// Contract. Failures are values, never exceptions: an IoStatus, which is a
// Status (Code::kIOError, message "cannot OP PATH: strerror", without a
// module prefix; callers add theirs with with_prefix) that also keeps the
// errno, so a caller can tell a full disk from other failures. A failed write
// may have put any prefix of its data on the file; the caller decides whether
// to truncate it away. Paths are used as given (no normalisation).
//
// Thread-safety. A FileSystem's methods may be called from any thread at the
// same time (the log's writer thread and the broker's thread during open).
// A WritableFile belongs to one thread at a time. A FileSystem must outlive
// every file it opened and every Log whose LogOptions name it;
// default_file_system() lives for the whole process.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

#include "util/bytes.h"
#include "util/status.h"

namespace relais {

// A Status that remembers the errno of the failed call (0 when ok).
class [[nodiscard]] IoStatus : public Status {
 public:
  IoStatus() = default;
  // Status::IOError("WHAT: strerror(err)") keeping err (must not be 0).
  static IoStatus Error(int err, const std::string& what);
  int error_number() const { return err_; }
  // ENOSPC, EDQUOT or EFBIG (a file-size limit): writing may work again once space returns.
  bool disk_full() const;

 private:
  IoStatus(int err, std::string message) : Status(Code::kIOError, std::move(message)), err_(err) {}
  int err_ = 0;
};

// An open file of the data folder, for writing. Closed by its destructor
// (without a sync). Not thread-safe: one owner at a time.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  WritableFile() = default;
  WritableFile(const WritableFile&) = delete;
  WritableFile& operator=(const WritableFile&) = delete;

  virtual const std::string& path() const = 0;
  // Writes all of data at offset (pwrite; short writes and EINTR retried).
  virtual IoStatus write_at(uint64_t offset, ByteView data) = 0;
  // Writes all of data at the file position (write), or at the end of the file
  // if it was opened with append.
  virtual IoStatus append(ByteView data) = 0;
  // fdatasync: the data written so far, and the size, are on the disk.
  virtual IoStatus sync() = 0;
  virtual IoStatus truncate(uint64_t size) = 0;
  // The file's current size (fstat).
  virtual IoStatus size(uint64_t* out) = 0;
};

struct OpenOptions {
  bool create = true;      // create the file if it is missing (with mode, less the umask)
  bool exclusive = false;  // with create: fail (EEXIST) if it exists
  bool truncate = false;   // empty an existing file
  bool append = false;     // append() always writes at the end (O_APPEND)
  mode_t mode = 0600;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Opens path for writing. *out is set only on success.
  virtual IoStatus open_file(const std::string& path, const OpenOptions& options,
                             std::unique_ptr<WritableFile>* out) = 0;
  // rename(2): atomically replaces `to`.
  virtual IoStatus rename_file(const std::string& from, const std::string& to) = 0;
  // unlink(2); ENOENT is an error like any other.
  virtual IoStatus remove_file(const std::string& path) = 0;
  // truncate(2) of a file by path.
  virtual IoStatus truncate_file(const std::string& path, uint64_t size) = 0;
  // Creates a folder and its parents if missing, and sets its mode. Each
  // folder it makes is synced into its parent before it returns, so that a
  // crash cannot lose a new folder with the files synced inside it.
  virtual IoStatus make_dirs(const std::string& path, mode_t mode) = 0;
  // fsync of a folder, so that files created, renamed or removed in it are durable.
  virtual IoStatus sync_dir(const std::string& path) = 0;
  // The names in a folder (no "." or ".."), in no particular order.
  virtual IoStatus list_dir(const std::string& path, std::vector<std::string>* names) = 0;

  // Helpers built on the calls above.
  // Opens an existing file and syncs it.
  IoStatus sync_file(const std::string& path);
  // Replaces path with data: writes path + ".tmp", (with sync: fdatasyncs it)
  // renames it over path, (with sync: fsyncs the folder). The temporary file is
  // removed on failure.
  IoStatus write_file_atomic(const std::string& path, ByteView data, mode_t mode, bool sync);
};

// The operating system's file system: exactly the POSIX calls the log used
// before the seam existed.
class PosixFileSystem final : public FileSystem {
 public:
  IoStatus open_file(const std::string& path, const OpenOptions& options,
                     std::unique_ptr<WritableFile>* out) override;
  IoStatus rename_file(const std::string& from, const std::string& to) override;
  IoStatus remove_file(const std::string& path) override;
  IoStatus truncate_file(const std::string& path, uint64_t size) override;
  IoStatus make_dirs(const std::string& path, mode_t mode) override;
  IoStatus sync_dir(const std::string& path) override;
  IoStatus list_dir(const std::string& path, std::vector<std::string>* names) override;
};

// The process-wide PosixFileSystem (never destroyed).
FileSystem* default_file_system();

// fs, or default_file_system() when fs is null.
inline FileSystem* file_system_or_default(FileSystem* fs) { return fs ? fs : default_file_system(); }

}  // namespace relais
