#include "attach_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "crypto/envelope.h"
#include "util/files.h"
#include "util/size_text.h"

namespace relais {

Result<std::vector<Attachment>> read_attachments(const std::vector<std::string>& paths) {
  if (paths.size() > kMaxAttachments)
    return Status::Usage("--attach: at most " + std::to_string(kMaxAttachments) + " files can go with one message, not " +
                         std::to_string(paths.size()) + "; send the others in another message");
  const size_t limit = EnvelopeLimits{}.max_body;
  std::vector<Attachment> out;
  for (const std::string& path : paths) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
      return Status::Usage("--attach " + path + ": cannot read it (" + std::strerror(errno) + "); check the path");
    if (!S_ISREG(st.st_mode)) return Status::Usage("--attach " + path + ": not a file; give a file, not a folder");
    if (static_cast<uint64_t>(st.st_size) > limit)
      return Status::Invalid("--attach " + path + ": the file is " + size_in_words(static_cast<size_t>(st.st_size)) +
                             "; a message carries at most " + size_in_words(limit) +
                             ": make it smaller (a lower resolution, a compressed scan) or split it");
    Attachment a;
    const size_t slash = path.find_last_of('/');
    a.name = slash == std::string::npos ? path : path.substr(slash + 1);
    if (Status s = check_attachment_name(a.name); !s.ok()) return Status::Usage("--attach " + path + ": " + s.message());
    auto data = read_file(path, limit);
    if (!data.ok()) return Status(data.status().code(), "--attach " + path + ": " + data.status().message());
    a.data = std::move(data).value();
    a.media_type = guess_media_type(a.name, a.data);
    out.push_back(std::move(a));
  }
  return out;
}

Result<std::vector<std::string>> save_attachments(const std::string& dir, const std::vector<Attachment>& files) {
  if (Status s = make_dirs(dir, 0700); !s.ok()) return Status(s.code(), "--save-attachments: " + s.message());
  std::vector<std::string> written;
  for (const Attachment& a : files) {
    if (Status s = check_attachment_name(a.name); !s.ok()) return Status::Invalid("--save-attachments: " + s.message());
    const std::string path = dir + "/" + a.name;
    // O_EXCL: an existing file (or a link planted there) is never replaced.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
      if (errno == EEXIST)
        return Status::Invalid("--save-attachments: " + path + " already exists; choose an empty folder");
      return Status::IOError("--save-attachments: cannot create " + path + ": " + std::strerror(errno));
    }
    size_t done = 0;
    while (done < a.data.size()) {
      const ssize_t n = ::write(fd, a.data.data() + done, a.data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const std::string why = std::strerror(errno);
        ::close(fd);
        ::unlink(path.c_str());
        return Status::IOError("--save-attachments: cannot write " + path + ": " + why);
      }
      done += static_cast<size_t>(n);
    }
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!synced) return Status::IOError("--save-attachments: cannot save " + path + " to disk");
    written.push_back(path);
  }
  return written;
}

}  // namespace relais
