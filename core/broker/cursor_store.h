// CursorStore: the cursors of durable subscriptions on disk,
// DATA/subscriptions/<owner>/<name>.cursor ("<floor>\n<pattern>\n", 0600,
// written atomically and synced), kept by a background thread so that the
// engine never waits for a sync.
//
// put() records the newest cursor of a name and remove() its deletion; both
// return at once, and only the newest state of each name is written (a name
// put a thousand times between two writes costs one write). flush() returns
// once everything recorded before it is on disk. load() sees what was
// recorded even if not yet written. names() lists the names found on disk at
// construction plus those put since, less those removed. Names starting
// with '@' are reserved (the mailbox, "@mailbox"): kept like the others but
// not counted by count().
// Writing: a round of a few changes writes each file durably (temporary file,
// fsync, rename, fsync of its folder, and of the parent when the owner's
// folder is new). A round of more than kBatchFiles changes (a bundle that
// opens a thousand mailboxes) costs two file-system syncs in all instead of
// about two thousand fsyncs competing with the log's: every file is written
// beside its final name, one syncfs makes them durable, the renames follow,
// and a second syncfs makes the renames durable. Any failure in a batched
// round falls back to one file at a time, so a round is never half lost.
// Leftover temporary files of a crash are removed at construction.
// Thread-safe; the engine calls it from its own thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace relais {

class CursorStore {
 public:
  explicit CursorStore(std::string data_dir);
  // Flushes, then stops the thread.
  ~CursorStore();
  CursorStore(const CursorStore&) = delete;
  CursorStore& operator=(const CursorStore&) = delete;

  void put(const std::string& owner, const std::string& name, uint64_t floor, const std::string& pattern);
  // put() for each owner, recorded together so that they share one round.
  void put_many(const std::vector<std::string>& owners, const std::string& name, uint64_t floor,
                const std::string& pattern);
  void remove(const std::string& owner, const std::string& name);
  void flush();
  // The saved cursor, 0 when there is none (1 for an unreadable file: start over).
  uint64_t load(const std::string& owner, const std::string& name);
  // The durable names an owner has, on disk or recorded, reserved names aside.
  size_t count(const std::string& owner);
  // True if some owner has a cursor named `name`.
  bool any_named(const std::string& name);
  bool exists(const std::string& owner, const std::string& name);
  // Every (owner, name) with a cursor, reserved names ("@mailbox") included.
  std::vector<std::pair<std::string, std::string>> all_names();
  // Writes done (for tests and metrics).
  uint64_t writes() const;
  // Rounds written with the two file-system syncs (for tests and metrics).
  uint64_t batched_rounds() const;

  static constexpr size_t kBatchFiles = 16;

 private:
  struct Change {
    bool remove = false;
    uint64_t floor = 0;
    std::string pattern;
  };
  using Key = std::pair<std::string, std::string>;  // owner, name
  void run();
  std::string path(const Key& k) const;
  void apply(const Key& k, const Change& c);
  static std::string text(const Change& c);  // the file's contents
  // put() with mu_ held.
  void put_locked(const std::string& owner, const std::string& name, uint64_t floor, const std::string& pattern);
  void write_round();
  bool write_batched();

  std::string dir_;
  mutable std::mutex mu_;
  std::condition_variable cv_;       // work for the thread
  std::condition_variable idle_cv_;  // the thread finished a round
  std::map<Key, Change> dirty_;
  std::map<Key, Change> writing_;  // the round the thread is writing (empty between rounds)
  std::map<std::string, std::set<std::string>> names_;
  uint64_t rounds_started_ = 0, rounds_done_ = 0;
  bool busy_ = false;
  bool stop_ = false;
  uint64_t writes_ = 0;
  uint64_t batched_rounds_ = 0;
  std::thread thread_;
};

}  // namespace relais
