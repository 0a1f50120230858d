// DirLock: an exclusive flock(LOCK_EX|LOCK_NB) on DATA/LOCK held for the
// lifetime of the object, so that two brokers never share a data folder. The
// holder's pid is written into the file for the error message. flock locks
// belong to the open file, so a second acquire in the same process is also
// refused. Move-only; released (not deleted) on destruction.
// The agent service holds the same kind of lock on its state folder
// (state_dir/service.lock), so that `relais-agent restore` refuses to run
// under it: DirLockNames gives the file and the words of the refusal.
#pragma once

#include <memory>
#include <string>

#include "util/status.h"

namespace relais {

struct DirLockNames {
  std::string file = "LOCK";
  std::string in_use = "log: data folder {dir} is in use by another broker";  // {dir}: the folder
  std::string fix = "stop it first or choose another data folder";
};

class DirLock {
 public:
  // Status::Refused "<in_use> (pid N); <fix>" (by default "log: data folder
  // DIR is in use by another broker (pid N); ...") when held elsewhere;
  // Status::IOError if the file cannot be created.
  static Result<std::unique_ptr<DirLock>> acquire(const std::string& dir, const DirLockNames& names = {});
  ~DirLock();
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace relais
