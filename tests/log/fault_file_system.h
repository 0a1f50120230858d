// FaultFileSystem: a FileSystem for tests (log/file_system.h) that passes
// every call to a base file system (by default the POSIX one) and, when told
// to, makes writes or syncs of chosen files fail, or tears a write and then
// behaves like a crashed process.
//
// Faults apply to the files whose path ends with the target suffix (".log",
// the segments, unless set_target says otherwise). Writes of zero bytes are
// passed through and never counted or failed. Thread-safe: the test thread
// arms faults while the log's writer thread writes.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "log/file_system.h"

namespace relais::testing {

class FaultFileSystem final : public FileSystem {
 public:
  struct Counts {
    uint64_t writes = 0;     // writes (of at least one byte) to target files
    uint64_t syncs = 0;      // syncs of target files
    uint64_t truncates = 0;  // truncations of any file, by handle or by path
    uint64_t removes = 0;    // files removed
    uint64_t injected = 0;   // calls this file system made fail
  };

  explicit FaultFileSystem(FileSystem* base = default_file_system()) : base_(base) {}

  void set_target(std::string suffix) {
    std::lock_guard<std::mutex> g(mu_);
    target_ = std::move(suffix);
  }
  // The write after `skip` more writes to a target fails with err, after its
  // first `keep` bytes reached the file. Once.
  void fail_write(int err, uint64_t skip = 0, size_t keep = 0) { arm_write(err, skip, keep, false, false); }
  // Every write to a target fails with err, after its first `keep` bytes
  // reached the file, until heal(): a full disk.
  void fail_all_writes(int err, size_t keep = 0) { arm_write(err, 0, keep, true, false); }
  // The sync after `skip` more syncs of a target fails with err. Once. The
  // written bytes stay on the file (as in the page cache of a failed fsync).
  void fail_sync(int err, uint64_t skip = 0) {
    std::lock_guard<std::mutex> g(mu_);
    sync_fault_ = true;
    sync_err_ = err;
    sync_skip_ = skip;
  }
  // The write after `skip` more writes to a target puts only its first `keep`
  // bytes on the file and fails with EIO; from then on the file system is
  // dead: every call, on any file, fails with EIO and changes nothing (a
  // process killed in the middle of a write), until heal().
  void tear_write(size_t keep, uint64_t skip = 0) { arm_write(EIO, skip, keep, false, true); }
  // Clears every fault and revives a dead file system.
  void heal() {
    std::lock_guard<std::mutex> g(mu_);
    write_fault_ = sync_fault_ = dead_ = false;
  }
  bool dead() const {
    std::lock_guard<std::mutex> g(mu_);
    return dead_;
  }
  Counts counts() const {
    std::lock_guard<std::mutex> g(mu_);
    return counts_;
  }

  IoStatus open_file(const std::string& path, const OpenOptions& options,
                     std::unique_ptr<WritableFile>* out) override {
    if (IoStatus s = check_alive("cannot open " + path); !s.ok()) return s;
    std::unique_ptr<WritableFile> f;
    IoStatus s = base_->open_file(path, options, &f);
    if (s.ok()) *out = std::make_unique<File>(this, std::move(f));
    return s;
  }
  IoStatus rename_file(const std::string& from, const std::string& to) override {
    if (IoStatus s = check_alive("cannot rename into " + to); !s.ok()) return s;
    return base_->rename_file(from, to);
  }
  IoStatus remove_file(const std::string& path) override {
    if (IoStatus s = check_alive("cannot remove " + path); !s.ok()) return s;
    IoStatus s = base_->remove_file(path);
    if (s.ok()) bump(&Counts::removes);
    return s;
  }
  IoStatus truncate_file(const std::string& path, uint64_t size) override {
    if (IoStatus s = check_alive("cannot truncate " + path); !s.ok()) return s;
    bump(&Counts::truncates);
    return base_->truncate_file(path, size);
  }
  IoStatus make_dirs(const std::string& path, mode_t mode) override {
    if (IoStatus s = check_alive("cannot create folder " + path); !s.ok()) return s;
    return base_->make_dirs(path, mode);
  }
  IoStatus sync_dir(const std::string& path) override {
    if (IoStatus s = check_alive("cannot sync folder " + path); !s.ok()) return s;
    return base_->sync_dir(path);
  }
  IoStatus list_dir(const std::string& path, std::vector<std::string>* names) override {
    if (IoStatus s = check_alive("cannot open folder " + path); !s.ok()) return s;
    return base_->list_dir(path, names);
  }

 private:
  // What to do with one write: pass it on, or put `keep` bytes and fail with err.
  struct WritePlan {
    bool fail = false;
    int err = 0;
    size_t keep = 0;
  };

  class File final : public WritableFile {
   public:
    File(FaultFileSystem* fs, std::unique_ptr<WritableFile> base) : fs_(fs), base_(std::move(base)) {}
    const std::string& path() const override { return base_->path(); }
    IoStatus write_at(uint64_t offset, ByteView data) override {
      const WritePlan p = fs_->plan_write(path(), data.size());
      if (!p.fail) return base_->write_at(offset, data);
      if (p.keep > 0) (void)base_->write_at(offset, data.first(std::min(p.keep, data.size())));
      return IoStatus::Error(p.err, "cannot write " + path());
    }
    IoStatus append(ByteView data) override {
      const WritePlan p = fs_->plan_write(path(), data.size());
      if (!p.fail) return base_->append(data);
      if (p.keep > 0) (void)base_->append(data.first(std::min(p.keep, data.size())));
      return IoStatus::Error(p.err, "cannot write " + path());
    }
    IoStatus sync() override {
      if (int err = fs_->plan_sync(path()); err != 0) return IoStatus::Error(err, "cannot sync " + path());
      return base_->sync();
    }
    IoStatus truncate(uint64_t size) override {
      if (IoStatus s = fs_->check_alive("cannot truncate " + path()); !s.ok()) return s;
      fs_->bump(&Counts::truncates);
      return base_->truncate(size);
    }
    IoStatus size(uint64_t* out) override {
      if (IoStatus s = fs_->check_alive("cannot stat " + path()); !s.ok()) return s;
      return base_->size(out);
    }

   private:
    FaultFileSystem* fs_;
    std::unique_ptr<WritableFile> base_;
  };

  bool is_target(const std::string& path) const {
    return path.size() >= target_.size() && path.compare(path.size() - target_.size(), target_.size(), target_) == 0;
  }

  void arm_write(int err, uint64_t skip, size_t keep, bool sticky, bool crash) {
    std::lock_guard<std::mutex> g(mu_);
    write_fault_ = true;
    write_err_ = err;
    write_skip_ = skip;
    write_keep_ = keep;
    write_sticky_ = sticky;
    write_crash_ = crash;
  }

  WritePlan plan_write(const std::string& path, size_t size) {
    std::lock_guard<std::mutex> g(mu_);
    if (dead_) {
      ++counts_.injected;
      return {true, EIO, 0};
    }
    if (size == 0 || !is_target(path)) return {};
    ++counts_.writes;
    if (!write_fault_) return {};
    if (write_skip_ > 0) {
      --write_skip_;
      return {};
    }
    ++counts_.injected;
    WritePlan p{true, write_err_, write_keep_};
    if (!write_sticky_) write_fault_ = false;
    if (write_crash_) dead_ = true;
    return p;
  }

  // 0, or the errno the sync fails with.
  int plan_sync(const std::string& path) {
    std::lock_guard<std::mutex> g(mu_);
    if (dead_) {
      ++counts_.injected;
      return EIO;
    }
    if (!is_target(path)) return 0;
    ++counts_.syncs;
    if (!sync_fault_) return 0;
    if (sync_skip_ > 0) {
      --sync_skip_;
      return 0;
    }
    sync_fault_ = false;
    ++counts_.injected;
    return sync_err_;
  }

  IoStatus check_alive(const std::string& what) {
    std::lock_guard<std::mutex> g(mu_);
    if (!dead_) return {};
    ++counts_.injected;
    return IoStatus::Error(EIO, what);
  }

  void bump(uint64_t Counts::*field) {
    std::lock_guard<std::mutex> g(mu_);
    ++(counts_.*field);
  }

  FileSystem* base_;
  mutable std::mutex mu_;
  std::string target_ = ".log";
  Counts counts_;
  bool dead_ = false;
  bool write_fault_ = false, write_sticky_ = false, write_crash_ = false;
  int write_err_ = 0;
  uint64_t write_skip_ = 0;
  size_t write_keep_ = 0;
  bool sync_fault_ = false;
  int sync_err_ = 0;
  uint64_t sync_skip_ = 0;
};

}  // namespace relais::testing
