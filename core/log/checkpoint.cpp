#include "log/checkpoint.h"

#include <cassert>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log/coding.h"
#include "log/record.h"
#include "util/files.h"

namespace relais {
namespace {

constexpr char kCheckpointContext[] = "relais/checkpoint/v1";  // signed with its trailing NUL

// Scans framed checkpoints; *good_end is the end of the last intact one.
Status scan_checkpoints(const std::string& path, ByteView data, std::vector<Checkpoint>* out,
                        uint64_t* good_end) {
  uint64_t off = 0;
  *good_end = 0;
  while (off < data.size()) {
    ByteView payload;
    uint64_t next = 0;
    FrameFault f = parse_frame(data, off, &payload, &next);
    if (f != FrameFault::kNone)
      return Status::Corruption("checkpoints: " + path + " offset " + std::to_string(off) + ": " +
                                frame_fault_name(f));
    auto cp = Checkpoint::decode_payload(payload);
    if (!cp.ok())
      return Status::Corruption("checkpoints: " + path + " offset " + std::to_string(off) + ": " +
                                cp.status().message());
    out->push_back(*cp);
    off = next;
    *good_end = off;
  }
  return Status::Ok();
}

}  // namespace

Bytes Checkpoint::signed_message() const {
  Bytes m;
  m.reserve(sizeof kCheckpointContext + 48);
  coding::append_bytes(&m, ByteView(reinterpret_cast<const uint8_t*>(kCheckpointContext), sizeof kCheckpointContext));
  coding::append_u64(&m, size);
  coding::append_bytes(&m, root);
  coding::append_u64(&m, static_cast<uint64_t>(ts_ms));
  return m;
}

Checkpoint Checkpoint::sign(uint64_t size, const Hash32& root, int64_t ts_ms, const SecretBytes& sign_sk) {
  assert(sign_sk.size() == crypto_sign_SECRETKEYBYTES);
  Checkpoint cp;
  cp.size = size;
  cp.root = root;
  cp.ts_ms = ts_ms;
  Bytes m = cp.signed_message();
  crypto_sign_detached(cp.sig.data(), nullptr, m.data(), m.size(), sign_sk.data());
  return cp;
}

bool Checkpoint::verify(ByteView pk) const {
  if (pk.size() != crypto_sign_PUBLICKEYBYTES) return false;
  if (sodium_init() < 0) return false;
  Bytes m = signed_message();
  return crypto_sign_verify_detached(sig.data(), m.data(), m.size(), pk.data()) == 0;
}

Bytes Checkpoint::encode_payload() const {
  Bytes out;
  out.reserve(kPayloadSize);
  coding::append_u8(&out, static_cast<uint8_t>(RecordKind::kCheckpoint));
  coding::append_u64(&out, size);
  coding::append_bytes(&out, root);
  coding::append_u64(&out, static_cast<uint64_t>(ts_ms));
  coding::append_bytes(&out, sig);
  return out;
}

Result<Checkpoint> Checkpoint::decode_payload(ByteView p) {
  if (p.size() != kPayloadSize) return Status::Corruption("checkpoint: payload has a wrong length");
  if (p[0] != static_cast<uint8_t>(RecordKind::kCheckpoint)) return Status::Corruption("checkpoint: wrong kind");
  Checkpoint cp;
  cp.size = coding::get_u64(&p[1]);
  std::memcpy(cp.root.data(), &p[9], 32);
  cp.ts_ms = static_cast<int64_t>(coding::get_u64(&p[41]));
  std::memcpy(cp.sig.data(), &p[49], 64);
  return cp;
}

Result<std::vector<Checkpoint>> read_checkpoint_file(const std::string& path) {
  if (::access(path.c_str(), F_OK) != 0) return std::vector<Checkpoint>{};
  auto data = read_file(path, size_t{1} << 32);
  if (!data.ok()) return data.status();
  std::vector<Checkpoint> out;
  uint64_t good_end = 0;
  RELAIS_RETURN_IF_ERROR(scan_checkpoints(path, *data, &out, &good_end));
  return out;
}

Result<std::vector<Checkpoint>> recover_checkpoint_file(const std::string& path) {
  if (::access(path.c_str(), F_OK) != 0) return std::vector<Checkpoint>{};
  auto data = read_file(path, size_t{1} << 32);
  if (!data.ok()) return data.status();
  std::vector<Checkpoint> out;
  uint64_t good_end = 0;
  Status s = scan_checkpoints(path, *data, &out, &good_end);
  if (!s.ok()) {
    spdlog::warn("log: {}; truncating the checkpoints file to {} bytes (the torn tail was never synced)",
                 s.message(), good_end);
    if (::truncate(path.c_str(), static_cast<off_t>(good_end)) != 0)
      return Status::IOError("checkpoints: cannot truncate " + path + ": " + std::strerror(errno));
  }
  return out;
}

Status append_checkpoint_file(const std::string& path, const Checkpoint& cp, bool sync) {
  Bytes frame;
  append_frame(&frame, cp.encode_payload());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("checkpoints: cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  const off_t before = ::fstat(fd, &st) == 0 ? st.st_size : -1;
  size_t done = 0;
  Status s;
  while (done < frame.size()) {
    ssize_t n = ::write(fd, frame.data() + done, frame.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      s = Status::IOError("checkpoints: cannot write " + path + ": " + std::strerror(errno));
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (s.ok() && sync && ::fdatasync(fd) != 0)
    s = Status::IOError("checkpoints: cannot sync " + path + ": " + std::strerror(errno));
  if (!s.ok() && before >= 0 && ::ftruncate(fd, before) != 0) {
    // Leave the torn tail; recover_checkpoint_file removes it at the next start.
  }
  ::close(fd);
  return s;
}

}  // namespace relais
