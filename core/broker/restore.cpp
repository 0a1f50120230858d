#include "broker/restore.h"

#include <filesystem>

#include "broker/backup.h"
#include "broker/broker_trust.h"
#include "broker/event.h"
#include "broker/offline_event.h"
#include "broker/log_options.h"
#include "log/log_writer.h"
#include "log/segment.h"
#include "util/files.h"

namespace relais {
namespace {

namespace fs = std::filesystem;

Status check_new_folder(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec))
      return Status::Invalid("restore: --data " + dir + " exists and is not a folder: name a new folder");
    if (!fs::is_empty(dir, ec))
      return Status::Invalid("restore: --data " + dir +
                             " exists and is not empty: a restore goes into a new (or empty) folder, never over a "
                             "broker's data; move it aside or name another folder");
  }
  RELAIS_RETURN_IF_ERROR(make_dirs(dir, 0700));
  return sync_dir(fs::absolute(dir, ec).parent_path().string());
}

}  // namespace

Bytes restored_event_body(uint64_t epoch, uint64_t previous_epoch, uint64_t size, const Hash256& root,
                          std::optional<uint64_t> last_known_seq) {
  EventBuilder ev;
  ev.begin("restored", 5).u64("epoch", epoch).u64("previous_epoch", previous_epoch).u64("size", size).bin("root", root);
  if (last_known_seq)
    ev.u64("last_known_seq", *last_known_seq);
  else
    ev.str("last_known_seq", "unknown");
  return ev.bytes();
}

namespace {
Result<RestoreReport> restore_into(BrokerConfig config, const RestoreOptions& o, int64_t now_ms);
}  // namespace

Result<RestoreReport> restore_data_folder(BrokerConfig config, const RestoreOptions& o, int64_t now_ms) {
  std::error_code ec;
  if (!fs::is_directory(o.from, ec)) return Status::Usage("restore: --from " + o.from + " is not a folder");
  RELAIS_RETURN_IF_ERROR(check_new_folder(o.data));
  auto rep = restore_into(std::move(config), o, now_ms);
  // A failed restore leaves no half data folder a broker could start on
  // (the folder was new or empty: nothing else is removed).
  if (!rep.ok())
    for (const auto& e : fs::directory_iterator(o.data, ec)) fs::remove_all(e.path(), ec);
  return rep;
}

namespace {

Result<RestoreReport> restore_into(BrokerConfig config, const RestoreOptions& o, int64_t now_ms) {
  auto cps = read_checkpoint_file(o.from + "/checkpoints");
  if (!cps.ok()) return cps.status().with_prefix("restore: the backup");
  auto segs = list_segments(o.from);
  if (!segs.ok()) return segs.status().with_prefix("restore: the backup");
  if (cps->empty() || segs->empty())
    return Status::Invalid("restore: " + o.from +
                           " holds no signed checkpoint or no log segment: it is not a backup (make one with "
                           "relais-admin backup)");
  RestoreReport rep;
  rep.backup = cps->back();
  rep.epoch = rep.backup.epoch + 1;

  for (const SegmentFile& s : *segs) {
    auto b = read_file(s.path, size_t{1} << 34);
    if (!b.ok()) return b.status().with_prefix("restore");
    RELAIS_RETURN_IF_ERROR(write_file_durable(o.data + "/" + s.name, *b, 0600, true).with_prefix("restore"));
  }
  {
    auto b = read_file(o.from + "/checkpoints", size_t{1} << 32);
    if (!b.ok()) return b.status().with_prefix("restore");
    RELAIS_RETURN_IF_ERROR(write_file_durable(o.data + "/checkpoints", *b, 0600, true).with_prefix("restore"));
  }
  BackupReport copied;
  RELAIS_RETURN_IF_ERROR(copy_broker_state(o.from, o.data, rep.backup.size + 1, &copied).with_prefix("restore"));
  RELAIS_RETURN_IF_ERROR(sync_dir(o.data));

  config.data_dir = o.data;
  auto trust = load_broker_trust(config);
  if (!trust.ok()) return trust.status();
  LogOptions lo = broker_log_options(config);
  lo.start_epoch = rep.epoch;
  {
    auto log = Log::open(lo, trust->identity.sign_sk);
    if (!log.ok()) return log.status().with_prefix("restore: the backup's log");
    auto seq = log_event_durably(**log, 1, now_ms,
                         restored_event_body(rep.epoch, rep.backup.epoch, rep.backup.size, rep.backup.root,
                                             o.last_known_seq));
    if (!seq.ok()) return seq.status().with_prefix("restore");
    rep.restored_seq = *seq;
  }  // closing the log signs the new epoch's first checkpoint
  auto after = read_checkpoint_file(o.data + "/checkpoints");
  if (!after.ok()) return after.status().with_prefix("restore");
  if (after->empty() || after->back().epoch != rep.epoch || after->back().size != rep.restored_seq)
    return Status::IOError("restore: the new epoch's first checkpoint is missing from " + o.data +
                           "/checkpoints; remove the folder and run the restore again");
  rep.first = after->back();
  return rep;
}

}  // namespace

}  // namespace relais
