// Group commit with large records (LogOptions::large_record_bytes): a message
// record over the threshold is written and synced in a batch of its own, and
// the small records queued around it go into other batches. The writer is held
// in the sync of a first record (a gate in the file-system seam) while the rest
// are queued, so that they all reach it in one drain; the batch boundaries are
// then read back from the commit markers.
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "log/log_reader.h"
#include "log/log_writer.h"
#include "log_test_util.h"

using namespace relais;
using namespace relais::testing;

namespace {

// Passes everything to the POSIX file system; once armed, the next sync of a
// segment waits until release() (and says it is waiting). Thread-safe.
class GateFileSystem final : public FileSystem {
 public:
  void arm() {
    std::lock_guard<std::mutex> g(mu_);
    armed_ = true;
  }
  // Waits (bounded) until the writer is held in a sync; false on timeout.
  bool wait_held() {
    std::unique_lock<std::mutex> g(mu_);
    return cv_.wait_for(g, std::chrono::seconds(10), [this] { return held_; });
  }
  void release() {
    std::lock_guard<std::mutex> g(mu_);
    armed_ = false;
    cv_.notify_all();
  }
  void gate(const std::string& path) {
    if (path.size() < 4 || path.compare(path.size() - 4, 4, ".log") != 0) return;
    std::unique_lock<std::mutex> g(mu_);
    if (!armed_) return;
    held_ = true;
    cv_.notify_all();
    cv_.wait_for(g, std::chrono::seconds(10), [this] { return !armed_; });
  }

  IoStatus open_file(const std::string& path, const OpenOptions& options,
                     std::unique_ptr<WritableFile>* out) override {
    std::unique_ptr<WritableFile> f;
    IoStatus s = base_->open_file(path, options, &f);
    if (s.ok()) *out = std::make_unique<File>(this, std::move(f));
    return s;
  }
  IoStatus rename_file(const std::string& from, const std::string& to) override { return base_->rename_file(from, to); }
  IoStatus remove_file(const std::string& path) override { return base_->remove_file(path); }
  IoStatus truncate_file(const std::string& path, uint64_t size) override { return base_->truncate_file(path, size); }
  IoStatus make_dirs(const std::string& path, mode_t mode) override { return base_->make_dirs(path, mode); }
  IoStatus sync_dir(const std::string& path) override { return base_->sync_dir(path); }
  IoStatus list_dir(const std::string& path, std::vector<std::string>* names) override {
    return base_->list_dir(path, names);
  }

 private:
  class File final : public WritableFile {
   public:
    File(GateFileSystem* fs, std::unique_ptr<WritableFile> base) : fs_(fs), base_(std::move(base)) {}
    const std::string& path() const override { return base_->path(); }
    IoStatus write_at(uint64_t offset, ByteView data) override { return base_->write_at(offset, data); }
    IoStatus append(ByteView data) override { return base_->append(data); }
    IoStatus sync() override {
      fs_->gate(path());
      return base_->sync();
    }
    IoStatus truncate(uint64_t size) override { return base_->truncate(size); }
    IoStatus size(uint64_t* out) override { return base_->size(out); }

   private:
    GateFileSystem* fs_;
    std::unique_ptr<WritableFile> base_;
  };

  FileSystem* base_ = default_file_system();
  std::mutex mu_;
  std::condition_variable cv_;
  bool armed_ = false;
  bool held_ = false;
};

void submit(Log& log, uint64_t token, size_t size) {
  log.submit_message(token, kT0 + static_cast<int64_t>(token), hash_of(token, 1), hash_of(token, 2),
                     envelope_of(token, size));
}

// The last seq covered by each commit marker of the log, in order.
std::vector<uint64_t> commit_marks(const std::string& dir) {
  auto reader = LogReader::open(dir);
  REQUIRE(reader.ok());
  std::vector<uint64_t> marks;
  LogEntry e;
  for (int guard = 0; guard < 10000; ++guard) {
    auto more = (*reader)->next(&e);
    REQUIRE(more.ok());
    if (!*more) break;
    if (e.record.kind == RecordKind::kCommit) marks.push_back(e.record.seq);
  }
  return marks;
}

// Queues: one small record (the writer syncs it and is held there), then
// small, small, large, small, small; releases the writer; returns the commit marks.
std::vector<uint64_t> run_with(uint64_t large_record_bytes, std::vector<Completion>* done) {
  TempDir dir;
  SignKey key;
  GateFileSystem gate;
  std::vector<uint64_t> marks;
  {
    LogOptions o = options_for(dir.path, SyncPolicy::kBatch);
    o.fs = &gate;
    o.checkpoint_interval_ms = 3600 * 1000;  // no timed checkpoint batch in between
    o.large_record_bytes = large_record_bytes;
    auto log = Log::open(o, key.sk);
    REQUIRE(log.ok());
    gate.arm();
    submit(**log, 1, 100);
    REQUIRE(gate.wait_held());
    submit(**log, 2, 100);
    submit(**log, 3, 100);
    submit(**log, 4, (2u << 20));  // 2 MiB: over the default 1 MiB
    submit(**log, 5, 100);
    submit(**log, 6, 100);
    gate.release();
    *done = wait_for(**log, 6);
  }
  return commit_marks(dir.path);
}

}  // namespace

TEST_CASE("A message record over large_record_bytes is committed in a batch of its own", "[log][batch]") {
  std::vector<Completion> done;
  const std::vector<uint64_t> marks = run_with(1u << 20, &done);
  REQUIRE(done.size() == 6);
  for (size_t i = 0; i < done.size(); ++i) {
    CHECK(done[i].status.ok());
    CHECK(done[i].token == i + 1);  // seq order is submission order
    CHECK(done[i].seq == i + 1);
  }
  // Batches: {1} (held), {2, 3} (queued before the large one), {4} alone, {5, 6};
  // the close may add a final checkpoint batch after 6.
  REQUIRE(marks.size() >= 4);
  CHECK(std::vector<uint64_t>(marks.begin(), marks.begin() + 4) == std::vector<uint64_t>{1, 3, 4, 6});
  for (size_t i = 4; i < marks.size(); ++i) CHECK(marks[i] == 6);
}

TEST_CASE("With large_record_bytes 0 the records queued together share one batch", "[log][batch]") {
  std::vector<Completion> done;
  const std::vector<uint64_t> marks = run_with(0, &done);
  REQUIRE(done.size() == 6);
  REQUIRE(marks.size() >= 2);
  CHECK(std::vector<uint64_t>(marks.begin(), marks.begin() + 2) == std::vector<uint64_t>{1, 6});
}
