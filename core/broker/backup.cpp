#include "broker/backup.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include "broker/erasure_planner.h"
#include "log/log_reader.h"
#include "log/merkle.h"
#include "log/record.h"
#include "log/segment.h"
#include "util/clock.h"
#include "util/files.h"

namespace relais {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxSegmentRead = size_t{1} << 34;

// DATA/shredding.paused for the length of the backup: created unless it was
// there (then left as it was), removed when the backup ends, however it ends.
class ShredPause {
 public:
  explicit ShredPause(const std::string& data_dir) : path_(shred_pause_path(data_dir)), dir_(data_dir) {}
  Status take() {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
      if (errno == EEXIST) {
        was_there_ = true;
        return Status::Ok();
      }
      return Status::IOError("backup: cannot create " + path_ + " to pause shredding: " + std::strerror(errno));
    }
    const std::string note = "a backup (relais-admin backup, pid " + std::to_string(::getpid()) + ") is copying this folder\n";
    const bool ok = ::write(fd, note.data(), note.size()) == static_cast<ssize_t>(note.size()) && ::fsync(fd) == 0;
    ::close(fd);
    created_ = true;
    if (!ok) return Status::IOError("backup: cannot write " + path_);
    return sync_dir(dir_);
  }
  bool was_there() const { return was_there_; }
  ~ShredPause() {
    if (!created_) return;
    ::unlink(path_.c_str());
    (void)sync_dir(dir_);
  }
  ShredPause(const ShredPause&) = delete;
  ShredPause& operator=(const ShredPause&) = delete;

 private:
  std::string path_, dir_;
  bool was_there_ = false;
  bool created_ = false;
};

// Every intact framed checkpoint of DATA/checkpoints, stopping at a torn or
// damaged tail (the broker may be appending to it right now).
Result<std::vector<Checkpoint>> read_checkpoints_so_far(const std::string& path) {
  std::vector<Checkpoint> out;
  if (::access(path.c_str(), F_OK) != 0) return out;
  auto data = read_file(path, size_t{1} << 32);
  if (!data.ok()) return data.status();
  uint64_t off = 0;
  while (off < data->size()) {
    ByteView payload;
    uint64_t next = 0;
    if (parse_frame(*data, off, &payload, &next) != FrameFault::kNone) break;
    auto cp = Checkpoint::decode_payload(payload);
    if (!cp.ok()) break;
    out.push_back(*cp);
    off = next;
  }
  return out;
}

Status write_durable(const std::string& path, ByteView data) {
  return write_file_durable(path, data, 0600, true).with_prefix("backup");
}

// The cursor file's floor, clamped to limit; the rest of the file as it was.
// False when it does not read as "<floor>\n...".
bool clamp_cursor(std::string* text, uint64_t limit, bool* clamped) {
  const size_t nl = text->find('\n');
  if (nl == std::string::npos || nl == 0 || nl > 20) return false;
  uint64_t floor = 0;
  for (size_t i = 0; i < nl; ++i) {
    if ((*text)[i] < '0' || (*text)[i] > '9') return false;
    floor = floor * 10 + static_cast<uint64_t>((*text)[i] - '0');
  }
  *clamped = floor > limit;
  if (*clamped) text->replace(0, nl, std::to_string(limit));
  return true;
}

Status copy_cursors(const std::string& data, const std::string& out, uint64_t limit, BackupReport* rep) {
  const fs::path src = fs::path(data) / "subscriptions";
  std::error_code ec;
  if (!fs::is_directory(src, ec)) return Status::Ok();
  RELAIS_RETURN_IF_ERROR(make_dirs(out + "/subscriptions", 0700));
  for (const auto& owner : fs::directory_iterator(src, ec)) {
    if (!owner.is_directory(ec)) continue;
    const std::string dst_dir = out + "/subscriptions/" + owner.path().filename().string();
    RELAIS_RETURN_IF_ERROR(make_dirs(dst_dir, 0700));
    for (const auto& f : fs::directory_iterator(owner.path(), ec)) {
      const std::string name = f.path().filename().string();
      if (name.size() < 8 || name.compare(name.size() - 7, 7, ".cursor") != 0) continue;
      auto text = read_text_file(f.path().string(), 1u << 20);
      if (!text.ok()) {
        if (!fs::exists(f.path(), ec)) continue;  // removed meanwhile (UNSUB)
        return text.status().with_prefix("backup");
      }
      bool clamped = false;
      if (!clamp_cursor(&*text, limit, &clamped))
        return Status::Corruption("backup: " + f.path().string() + " is not a cursor file (\"<seq>\\n<pattern>\\n\")");
      RELAIS_RETURN_IF_ERROR(write_durable(dst_dir + "/" + name, as_bytes(*text)));
      ++rep->cursors;
      if (clamped) ++rep->cursors_clamped;
    }
    RELAIS_RETURN_IF_ERROR(sync_dir(dst_dir));
  }
  if (ec) return Status::IOError("backup: cannot list " + src.string() + ": " + ec.message());
  return sync_dir(out + "/subscriptions");
}

Status copy_bundles(const std::string& data, const std::string& out) {
  std::error_code ec;
  const std::string serial = data + "/bundle.serial";
  if (fs::exists(serial, ec)) {
    auto b = read_file(serial, 1u << 20);
    if (!b.ok()) return b.status().with_prefix("backup");
    RELAIS_RETURN_IF_ERROR(write_durable(out + "/bundle.serial", *b));
  }
  const fs::path src = fs::path(data) / "bundles";
  if (!fs::is_directory(src, ec)) return Status::Ok();
  RELAIS_RETURN_IF_ERROR(make_dirs(out + "/bundles", 0700));
  for (const auto& f : fs::directory_iterator(src, ec)) {
    const std::string name = f.path().filename().string();
    if (!f.is_regular_file(ec) || name.size() < 8 || name.compare(name.size() - 7, 7, ".bundle") != 0) continue;
    auto b = read_file(f.path().string(), 64u << 20);
    if (!b.ok()) return b.status().with_prefix("backup");
    RELAIS_RETURN_IF_ERROR(write_durable(out + "/bundles/" + name, *b));
  }
  return sync_dir(out + "/bundles");
}

Status copy_shred_state(const std::string& data, const std::string& out, uint64_t limit) {
  std::error_code ec;
  if (!fs::exists(shred_state_path(data), ec)) return Status::Ok();
  auto c = load_shred_state(data);
  if (!c.ok()) return c.status().with_prefix("backup");
  for (auto& [k, v] : c->retention) v = std::min(v, limit);
  for (auto& [k, v] : c->orders) v = std::min(v, limit);
  return save_shred_state(out, *c).with_prefix("backup");
}

// Copies the segments up to the commit marker after the checkpoint record
// `cp`; each record is checked (frame, CRC, payload, seq continuity).
Status copy_segments(const std::string& data, const std::string& out, const Checkpoint& cp, BackupReport* rep) {
  auto segs = list_segments(data);
  if (!segs.ok()) return segs.status().with_prefix("backup");
  const Bytes want = cp.encode_payload();
  uint64_t seq = 0;
  bool found = false, done = false;
  for (const SegmentFile& s : *segs) {
    auto bytes = read_file(s.path, kMaxSegmentRead);
    if (!bytes.ok()) return bytes.status().with_prefix("backup");
    uint64_t off = 0, cut = 0;
    while (off < bytes->size() && !done) {
      ByteView payload;
      uint64_t next = 0;
      const FrameFault f = parse_frame(*bytes, off, &payload, &next);
      if (f != FrameFault::kNone)
        return Status::Corruption("backup: " + s.name + " offset " + std::to_string(off) + ": " + frame_fault_name(f) +
                                  " before the backup's checkpoint: run relais-audit verify on the data folder");
      auto r = decode_payload(payload);
      if (!r.ok())
        return Status::Corruption("backup: " + s.name + " offset " + std::to_string(off) + ": " + r.status().message());
      if (is_leaf_kind(r->kind)) {
        if (r->seq != seq + 1)
          return Status::Corruption("backup: " + s.name + " offset " + std::to_string(off) + ": sequence gap (" +
                                    std::to_string(seq) + " then " + std::to_string(r->seq) + ")");
        seq = r->seq;
      } else if (r->kind == RecordKind::kCheckpoint && payload.size() == want.size() &&
                 std::memcmp(payload.data(), want.data(), want.size()) == 0) {
        found = true;
      } else if (r->kind == RecordKind::kCommit && found) {
        done = true;
      }
      off = next;
      cut = off;
    }
    if (cut == 0) break;  // an empty last segment
    RELAIS_RETURN_IF_ERROR(write_durable(out + "/" + s.name, ByteView(bytes->data(), cut)));
    ++rep->segments;
    rep->bytes += cut;
    if (done) break;
  }
  if (!done)
    return Status::Corruption("backup: the checkpoint of size " + std::to_string(cp.size) +
                              " from DATA/checkpoints is not in the log's segments with its commit marker");
  if (seq != cp.size)
    return Status::Corruption("backup: the checkpoint of size " + std::to_string(cp.size) + " follows seq " +
                              std::to_string(seq) + " in the log");
  return Status::Ok();
}

// Reads the copy back as an auditor would and checks it ends at cp.
Status check_copy(const std::string& out, const Checkpoint& cp) {
  auto reader = LogReader::open(out);
  if (!reader.ok()) return reader.status().with_prefix("backup: the copy");
  MerkleTree tree;
  LogEntry e;
  for (;;) {
    auto more = (*reader)->next(&e);
    if (!more.ok()) return more.status().with_prefix("backup: the copy");
    if (!*more) break;
    if (is_leaf_kind(e.record.kind)) tree.append(e.leaf_hash);
  }
  if (tree.size() != cp.size || !equal_ct(tree.root(), cp.root))
    return Status::Corruption("backup: the copy's Merkle root is not the one its checkpoint signs: the data folder "
                              "changed under the copy; run the backup again");
  return Status::Ok();
}

Status check_destination(const std::string& out) {
  std::error_code ec;
  if (fs::exists(out, ec)) {
    if (!fs::is_directory(out, ec))
      return Status::Invalid("backup: --out " + out + " exists and is not a folder: name a new folder");
    if (!fs::is_empty(out, ec))
      return Status::Invalid("backup: --out " + out +
                             " exists and is not empty: a backup goes into a new (or empty) folder; name another one");
  }
  RELAIS_RETURN_IF_ERROR(make_dirs(out, 0700));
  const fs::path parent = fs::absolute(out, ec).parent_path();
  return sync_dir(parent.string());
}

}  // namespace

Status copy_broker_state(const std::string& from, const std::string& to, uint64_t limit, BackupReport* rep) {
  RELAIS_RETURN_IF_ERROR(copy_bundles(from, to));
  RELAIS_RETURN_IF_ERROR(copy_cursors(from, to, limit, rep));
  return copy_shred_state(from, to, limit);
}

Result<uint64_t> committed_seq_of(const std::string& data_dir) {
  auto segs = list_segments(data_dir);
  if (!segs.ok()) return segs.status();
  for (auto it = segs->rbegin(); it != segs->rend(); ++it) {
    auto bytes = read_file(it->path, kMaxSegmentRead);
    if (!bytes.ok()) return bytes.status();
    uint64_t off = 0;
    std::optional<uint64_t> last;
    while (off < bytes->size()) {
      ByteView payload;
      uint64_t next = 0;
      if (parse_frame(*bytes, off, &payload, &next) != FrameFault::kNone) break;
      auto r = decode_payload(payload);
      if (!r.ok()) break;
      if (r->kind == RecordKind::kCommit) last = r->seq;
      off = next;
    }
    if (last) return *last;
  }
  return uint64_t{0};
}

namespace {

// The backup itself, into a destination that exists and is empty.
Result<BackupReport> take_backup(const BackupOptions& o);

}  // namespace

Result<BackupReport> backup_data_folder(const BackupOptions& o) {
  std::error_code ec;
  if (!fs::is_directory(o.data, ec)) return Status::Usage("backup: --data " + o.data + " is not a folder");
  RELAIS_RETURN_IF_ERROR(check_destination(o.out));
  auto rep = take_backup(o);
  if (!rep.ok()) {
    // No half backup is left behind to be mistaken for one.
    for (const auto& e : fs::directory_iterator(o.out, ec)) fs::remove_all(e.path(), ec);
  }
  return rep;
}

namespace {

Result<BackupReport> take_backup(const BackupOptions& o) {
  std::error_code ec;
  if (!fs::exists(o.data + "/checkpoints", ec) && !fs::exists(o.data + "/" + segment_file_name(1), ec))
    return Status::Usage("backup: " + o.data + " is not a broker's data folder (no log segment, no checkpoints file)");

  BackupReport rep;
  ShredPause pause(o.data);
  RELAIS_RETURN_IF_ERROR(pause.take());
  rep.pause_was_there = pause.was_there();

  // Everything acknowledged before now is at or below the last commit marker.
  auto committed = committed_seq_of(o.data);
  if (!committed.ok()) return committed.status().with_prefix("backup");
  rep.committed_at_start = *committed;
  if (*committed == 0) return Status::Refused("backup: the log in " + o.data + " holds no record yet: nothing to back up");

  // A checkpoint at least that large.
  const int64_t deadline = monotonic_ms() + o.wait_ms;
  std::optional<Checkpoint> cp;
  uint64_t latest = 0;
  for (;;) {
    auto cps = read_checkpoints_so_far(o.data + "/checkpoints");
    if (!cps.ok()) return cps.status().with_prefix("backup");
    if (!cps->empty()) latest = cps->back().size;
    if (!cps->empty() && cps->back().size >= *committed) {
      cp = cps->back();
      break;
    }
    if (monotonic_ms() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!cp)
    return Status::Refused("backup: no signed checkpoint covers the " + std::to_string(*committed) +
                           " records committed when the backup started (the latest covers " + std::to_string(latest) +
                           ") after " + std::to_string(o.wait_ms / 1000) +
                           " s: is the broker running? it signs one every checkpoint_seconds while records come, and "
                           "when it stops; start it, or give --wait-seconds more time, and run the backup again");
  rep.checkpoint = *cp;

  RELAIS_RETURN_IF_ERROR(copy_segments(o.data, o.out, *cp, &rep));
  {
    auto cps = read_checkpoints_so_far(o.data + "/checkpoints");
    if (!cps.ok()) return cps.status().with_prefix("backup");
    Bytes file;
    for (const Checkpoint& c : *cps) {
      append_frame(&file, c.encode_payload());
      if (c == *cp) break;
    }
    RELAIS_RETURN_IF_ERROR(write_durable(o.out + "/checkpoints", file));
  }
  const uint64_t limit = cp->size + 1;
  RELAIS_RETURN_IF_ERROR(copy_broker_state(o.data, o.out, limit, &rep));
  RELAIS_RETURN_IF_ERROR(sync_dir(o.out));
  RELAIS_RETURN_IF_ERROR(check_copy(o.out, *cp));
  return rep;
}

}  // namespace

}  // namespace relais
