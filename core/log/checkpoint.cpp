#include "log/checkpoint.h"

#include <cassert>
#include <cerrno>
#include <cstring>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log/coding.h"
#include "log/file_system.h"
#include "log/record.h"
#include "util/files.h"

namespace relais {
namespace {

constexpr char kCheckpointContext[] = "relais/checkpoint/v2";  // signed with its trailing NUL

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
  m.reserve(sizeof kCheckpointContext + 56);
  coding::append_bytes(&m, ByteView(reinterpret_cast<const uint8_t*>(kCheckpointContext), sizeof kCheckpointContext));
  coding::append_u64(&m, epoch);
  coding::append_u64(&m, size);
  coding::append_bytes(&m, root);
  coding::append_u64(&m, static_cast<uint64_t>(ts_ms));
  return m;
}

Checkpoint Checkpoint::sign(uint64_t size, const Hash256& root, int64_t ts_ms, const SecretBytes& sign_sk,
                            uint64_t epoch) {
  assert(sign_sk.size() == crypto_sign_SECRETKEYBYTES);
  Checkpoint cp;
  cp.epoch = epoch;
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
  coding::append_u64(&out, epoch);
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
  cp.epoch = coding::get_u64(&p[1]);
  cp.size = coding::get_u64(&p[9]);
  std::memcpy(cp.root.data(), &p[17], 32);
  cp.ts_ms = static_cast<int64_t>(coding::get_u64(&p[49]));
  std::memcpy(cp.sig.data(), &p[57], 64);
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

Result<std::vector<Checkpoint>> recover_checkpoint_file(const std::string& path, FileSystem* fs) {
  if (::access(path.c_str(), F_OK) != 0) return std::vector<Checkpoint>{};
  auto data = read_file(path, size_t{1} << 32);
  if (!data.ok()) return data.status();
  std::vector<Checkpoint> out;
  uint64_t good_end = 0;
  Status s = scan_checkpoints(path, *data, &out, &good_end);
  if (!s.ok()) {
    spdlog::warn("log: {}; truncating the checkpoints file to {} bytes (the torn tail was never synced)",
                 s.message(), good_end);
    RELAIS_RETURN_IF_ERROR(file_system_or_default(fs)->truncate_file(path, good_end).with_prefix("checkpoints"));
  }
  return out;
}

Status append_checkpoint_file(const std::string& path, const Checkpoint& cp, bool sync, FileSystem* fs) {
  Bytes frame;
  append_frame(&frame, cp.encode_payload());
  std::unique_ptr<WritableFile> f;
  OpenOptions o;
  o.append = true;
  o.mode = 0644;
  IoStatus s = file_system_or_default(fs)->open_file(path, o, &f);
  if (!s.ok()) return s.with_prefix("checkpoints");
  uint64_t before = 0;
  const bool have_size = f->size(&before).ok();
  s = f->append(frame);
  if (s.ok() && sync) s = f->sync();
  if (!s.ok() && have_size && !f->truncate(before).ok()) {
    // Leave the torn tail; recover_checkpoint_file removes it at the next start.
  }
  return s.with_prefix("checkpoints");
}

}  // namespace relais
