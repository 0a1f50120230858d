#include "broker/cursor_store.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <spdlog/spdlog.h>

#include "util/files.h"
#include "util/log_text.h"

namespace relais {

namespace fs = std::filesystem;

CursorStore::CursorStore(std::string data_dir) : dir_(std::move(data_dir) + "/subscriptions") {
  std::error_code ec;
  for (const auto& owner : fs::directory_iterator(dir_, ec)) {
    if (!owner.is_directory(ec)) continue;
    for (const auto& f : fs::directory_iterator(owner.path(), ec))
      if (f.path().extension() == ".cursor")
        names_[owner.path().filename().string()].insert(f.path().stem().string());
      else if (f.path().extension() == ".tmp")
        fs::remove(f.path(), ec);  // a round a crash interrupted before its renames
  }
  thread_ = std::thread([this] { run(); });
}

CursorStore::~CursorStore() {
  flush();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::string CursorStore::path(const Key& k) const { return dir_ + "/" + k.first + "/" + k.second + ".cursor"; }

std::string CursorStore::text(const Change& c) { return std::to_string(c.floor) + "\n" + c.pattern + "\n"; }

void CursorStore::put_locked(const std::string& owner, const std::string& name, uint64_t floor,
                             const std::string& pattern) {
  dirty_[{owner, name}] = Change{false, floor, pattern};
  names_[owner].insert(name);
}

void CursorStore::put(const std::string& owner, const std::string& name, uint64_t floor, const std::string& pattern) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    put_locked(owner, name, floor, pattern);
  }
  cv_.notify_one();
}

void CursorStore::put_many(const std::vector<std::string>& owners, const std::string& name, uint64_t floor,
                           const std::string& pattern) {
  if (owners.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::string& owner : owners) put_locked(owner, name, floor, pattern);
  }
  cv_.notify_one();
}

void CursorStore::remove(const std::string& owner, const std::string& name) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    dirty_[{owner, name}] = Change{true, 0, {}};
    auto it = names_.find(owner);
    if (it != names_.end()) {
      it->second.erase(name);
      if (it->second.empty()) names_.erase(it);
    }
  }
  cv_.notify_one();
}

void CursorStore::flush() {
  std::unique_lock<std::mutex> lock(mu_);
  // Everything recorded so far is either still dirty (the next round takes
  // it) or in the round under way: wait until a round that started after now
  // has finished, unless nothing is left at all.
  if (dirty_.empty() && !busy_) return;
  const uint64_t target = rounds_started_ + (dirty_.empty() ? 0 : 1);
  cv_.notify_one();
  idle_cv_.wait(lock, [&] { return rounds_done_ >= target && (dirty_.empty() || stop_); });
}

uint64_t CursorStore::load(const std::string& owner, const std::string& name) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = dirty_.find({owner, name});
    if (it != dirty_.end()) return it->second.remove ? 0 : it->second.floor;
    // Being written by the thread: the file may not be there yet.
    it = writing_.find({owner, name});
    if (it != writing_.end()) return it->second.remove ? 0 : it->second.floor;
  }
  auto text = read_text_file(path({owner, name}), 4096);
  if (!text.ok()) return 0;
  try {
    return std::stoull(*text);
  } catch (const std::exception&) {
    spdlog::warn("broker: unreadable cursor for {}/{}; resuming from the first record", owner, log_text(name));
    return 1;
  }
}

size_t CursorStore::count(const std::string& owner) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = names_.find(owner);
  if (it == names_.end()) return 0;
  size_t n = 0;
  for (const std::string& name : it->second) n += name.empty() || name[0] != '@';
  return n;
}

bool CursorStore::any_named(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [owner, names] : names_)
    if (names.count(name) != 0) return true;
  return false;
}

std::vector<std::pair<std::string, std::string>> CursorStore::all_names() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [owner, names] : names_)
    for (const std::string& name : names) out.emplace_back(owner, name);
  return out;
}

bool CursorStore::exists(const std::string& owner, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = names_.find(owner);
  return it != names_.end() && it->second.count(name) != 0;
}

uint64_t CursorStore::writes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return writes_;
}

uint64_t CursorStore::batched_rounds() const {
  std::lock_guard<std::mutex> lock(mu_);
  return batched_rounds_;
}

// The thread's round: writing_ is not changed by anyone else meanwhile.
void CursorStore::write_round() {
  if (writing_.size() > kBatchFiles && write_batched()) return;
  for (const auto& [k, c] : writing_) apply(k, c);
}

bool CursorStore::write_batched() {
  // 1. Every new cursor beside its final name, unsynced.
  std::vector<std::pair<const Key*, std::string>> written;  // key, temporary file
  written.reserve(writing_.size());
  auto undo = [&] {
    for (const auto& w : written) ::unlink(w.second.c_str());
  };
  for (const auto& [k, c] : writing_) {
    if (c.remove) continue;
    const std::string tmp = path(k) + ".tmp";
    Status s = make_dirs_unsynced(dir_ + "/" + k.first, 0700);
    if (s.ok()) s = write_file_unsynced(tmp, as_bytes(text(c)), 0600);
    if (!s.ok()) {
      spdlog::warn("broker: cannot write {} cursors together ({}); writing them one at a time", writing_.size(),
                   s.message());
      undo();
      return false;
    }
    written.emplace_back(&k, tmp);
  }
  // 2. Their contents and new folders durable before any rename exposes them.
  if (Status s = sync_filesystem(dir_); !s.ok()) {
    spdlog::warn("broker: {}; writing the cursors one at a time", s.message());
    undo();
    return false;
  }
  // 3. The renames and removals, then one sync for them all.
  for (const auto& [k, tmp] : written) {
    if (::rename(tmp.c_str(), path(*k).c_str()) == 0) continue;
    ::unlink(tmp.c_str());
    apply(*k, writing_.at(*k));  // this one alone, durably
  }
  for (const auto& [k, c] : writing_)
    if (c.remove) apply(k, c);
  if (Status s = sync_filesystem(dir_); !s.ok()) {
    spdlog::warn("broker: {}; syncing the cursors' folders one at a time", s.message());
    std::set<std::string> folders{dir_};
    for (const auto& [k, c] : writing_) folders.insert(dir_ + "/" + k.first);
    for (const std::string& f : folders)
      if (Status st = sync_dir(f); !st.ok())
        spdlog::warn("broker: the cursors in {} may not survive a crash: {}", f, st.message());
  }
  std::lock_guard<std::mutex> lock(mu_);
  ++batched_rounds_;
  return true;
}

void CursorStore::apply(const Key& k, const Change& c) {
  const std::string p = path(k);
  if (c.remove) {
    std::error_code ec;
    fs::remove(p, ec);
    if (ec) spdlog::warn("broker: cannot remove the cursor {}: {}", p, ec.message());
    return;
  }
  Status s = make_dirs(dir_ + "/" + k.first, 0700);
  if (s.ok()) s = write_file_durable(p, as_bytes(text(c)), 0600);
  if (!s.ok()) spdlog::warn("broker: cannot save the cursor of {}/{}: {}", k.first, k.second, s.message());
}

void CursorStore::run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || !dirty_.empty(); });
    if (dirty_.empty() && stop_) break;
    writing_.swap(dirty_);  // read (never changed) by load() under the lock meanwhile
    busy_ = true;
    ++rounds_started_;
    lock.unlock();
    write_round();
    lock.lock();
    writes_ += writing_.size();
    writing_.clear();
    busy_ = false;
    ++rounds_done_;
    idle_cv_.notify_all();
  }
  ++rounds_done_;
  idle_cv_.notify_all();
}

}  // namespace relais
