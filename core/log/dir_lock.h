// DirLock: an exclusive flock(LOCK_EX|LOCK_NB) on DATA/LOCK held for the
// lifetime of the object, so that two brokers never share a data folder. The
// holder's pid is written into the file for the error message. flock locks
// belong to the open file, so a second acquire in the same process is also
// refused. Move-only; released (not deleted) on destruction.
#pragma once

#include <memory>
#include <string>

#include "util/status.h"

namespace relais {

class DirLock {
 public:
  // Status::Refused "log: data folder DIR is in use by another broker (pid N)"
  // when held elsewhere; Status::IOError if the file cannot be created.
  static Result<std::unique_ptr<DirLock>> acquire(const std::string& dir);
  ~DirLock();
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace relais
