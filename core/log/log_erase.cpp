// Log::erase_messages: the ciphertexts of chosen message records leave the
// data folder (docs/log-format.md §Erasure). The copy is made by
// segment_rewrite.h; this file seals the segment being written when it holds
// a record to erase, swaps each copy in, and keeps the index and the summary
// in step.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "log/log_writer.h"
#include "log/segment_rewrite.h"
#include "log/segment_summary.h"

namespace relais {

Result<uint64_t> Log::erase_messages(const std::vector<uint64_t>& seqs, uint64_t by) {
  std::lock_guard<std::mutex> one_at_a_time(erase_mu_);
  if (by == 0 || by > last_durable_seq())
    return Status::Invalid("log: the erasure event (seq " + std::to_string(by) + ") is not durable in the log");
  std::map<uint64_t, std::vector<uint64_t>> by_segment;
  uint64_t last_segment = 0;
  {
    std::shared_lock<std::shared_mutex> g(r_mu_);
    for (uint64_t seq : seqs) {
      if (seq == 0 || seq >= by || seq > index_.last_seq()) continue;
      if (index_.entry(seq).kind != RecordKind::kMessage) continue;
      by_segment[index_.locate(seq)->segment].push_back(seq);
    }
    last_segment = segments_.back().number;
  }
  if (by_segment.empty()) return uint64_t{0};
  if (by_segment.count(last_segment) != 0) {
    // Only sealed segments are rewritten: ask the writer to seal this one.
    std::unique_lock<std::mutex> lk(q_mu_);
    if (stop_) return Status::Refused("log: the log is closing; the erasure is done at the next start");
    seal_request_ = last_segment;
    q_cv_.notify_one();
    seal_cv_.wait(lk, [this] { return seal_request_ == 0 || stop_; });
    if (seal_request_ != 0) return Status::Refused("log: the log is closing; the erasure is done at the next start");
  }
  uint64_t erased = 0;
  for (auto& [number, list] : by_segment) {
    {
      std::shared_lock<std::shared_mutex> g(r_mu_);
      if (segments_.back().number == number)
        return Status::IOError("log: segment " + segment_file_name(number) +
                               " could not be sealed for the erasure (see the error above); " +
                               std::to_string(erased) + " records were erased");
    }
    std::sort(list.begin(), list.end());
    RELAIS_RETURN_IF_ERROR(erase_in_segment(number, list, by, &erased));
  }
  return erased;
}

Status Log::erase_in_segment(uint64_t number, const std::vector<uint64_t>& seqs, uint64_t by, uint64_t* erased) {
  const bool sync = opt_.sync != SyncPolicy::kNone;
  SegmentFile seg;
  seg.number = number;
  seg.name = segment_file_name(number);
  seg.path = seg_path(number);
  const std::string tmp = opt_.dir + "/" + erasing_file_name(number);
  auto rw = write_erased_copy(seg, seqs, by, tmp, sync, fs_);
  if (!rw.ok()) return rw.status();
  if (rw->erased == 0) return Status::Ok();

  // The old summary, read before the swap (it names the old size).
  auto old_summary = read_segment_summary(opt_.dir, number, rw->old_size);
  {
    std::unique_lock<std::shared_mutex> g(r_mu_);
    const size_t i = static_cast<size_t>(number - segments_.front().number);
    if (IoStatus s = fs_->rename_file(tmp, seg.path); !s.ok()) {
      (void)fs_->remove_file(tmp);
      return s.with_prefix("log");
    }
    const int fd = ::open(seg.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      // The copy is in place but cannot be read: keep the old file open (its
      // offsets stay right for it) until the next start.
      return Status::IOError("log: cannot open " + seg.path + " after an erasure: " + std::strerror(errno) +
                             " (restart the broker)");
    }
    ::close(segments_[i].fd);  // the last reference to the old file: its blocks are freed
    segments_[i].fd = fd;
    for (const auto& [seq, off] : rw->leaves) index_.relocate(seq, off);
  }
  if (sync) RELAIS_RETURN_IF_ERROR(fs_->sync_dir(opt_.dir).with_prefix("file"));
  *erased += rw->erased;

  // The summary: the same segment with the new size and offsets (or none, if
  // there was no valid one: the next start scans the segment and writes it).
  const std::string sum_path = opt_.dir + "/" + summary_file_name(number);
  if (old_summary.ok() && old_summary->leaves.size() == rw->leaves.size()) {
    SegmentSummary s = std::move(*old_summary);
    s.size = rw->new_size;
    for (size_t k = 0; k < s.leaves.size(); ++k) s.leaves[k].offset = rw->leaves[k].second;
    Status st = write_segment_summary(opt_.dir, s, sync, fs_);
    if (!st.ok()) {
      spdlog::warn("log: cannot rewrite the summary of segment {} ({}); the next start scans the segment", seg.name,
                   st.message());
      (void)fs_->remove_file(sum_path);
    }
  } else {
    (void)fs_->remove_file(sum_path);
  }
  spdlog::info("log: {} records erased from segment {} ({} bytes removed) on the grounds of record {}", rw->erased,
               seg.name, rw->bytes_removed, by);
  return Status::Ok();
}

}  // namespace relais
