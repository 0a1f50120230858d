#include "agent/received_ids.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/uuid.h"
#include "util/files.h"

namespace relais {

ReceivedIds::ReceivedIds(std::string path, size_t keep) : path_(std::move(path)), keep_(keep == 0 ? 1 : keep) {}

Status ReceivedIds::open() {
  if (path_.empty()) return Status::Ok();
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) return Status::Ok();  // none yet
  auto text = read_text_file(path_, (keep_ * 2 + 16) * 40);
  if (!text.ok()) return Status::IOError("cannot read the received ids " + path_ + ": " + text.status().message());
  size_t pos = 0;
  while (pos < text->size()) {
    size_t nl = text->find('\n', pos);
    if (nl == std::string::npos) nl = text->size();
    std::string line = text->substr(pos, nl - pos);
    pos = nl + 1;
    ++lines_in_file_;
    if (!uuid_from_string(line).ok() || set_.count(line)) continue;
    set_.insert(line);
    order_.push_back(std::move(line));
    if (order_.size() > keep_) {
      set_.erase(order_.front());
      order_.pop_front();
    }
  }
  return Status::Ok();
}

Status ReceivedIds::rewrite() {
  std::string text;
  for (const auto& id : order_) text += id + "\n";
  RELAIS_RETURN_IF_ERROR(write_file_durable(path_, as_bytes(text), 0600));
  lines_in_file_ = order_.size();
  return Status::Ok();
}

Status ReceivedIds::add(const std::string& id) {
  if (contains(id)) return Status::Ok();
  set_.insert(id);
  order_.push_back(id);
  if (order_.size() > keep_) {
    set_.erase(order_.front());
    order_.pop_front();
  }
  if (path_.empty()) return Status::Ok();
  if (lines_in_file_ + 1 > keep_ * 2) return rewrite();
  const bool created = lines_in_file_ == 0;
  const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot write the received ids " + path_ + ": " + std::strerror(errno));
  const std::string line = id + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fdatasync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok) return Status::IOError("cannot write the received ids " + path_ + ": " + std::strerror(err));
  ++lines_in_file_;
  if (created) return sync_dir(path_.substr(0, path_.rfind('/')));
  return Status::Ok();
}

}  // namespace relais
