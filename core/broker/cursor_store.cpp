#include "broker/cursor_store.h"

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

void CursorStore::put(const std::string& owner, const std::string& name, uint64_t floor, const std::string& pattern) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    dirty_[{owner, name}] = Change{false, floor, pattern};
    names_[owner].insert(name);
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

void CursorStore::apply(const Key& k, const Change& c) {
  const std::string p = path(k);
  if (c.remove) {
    std::error_code ec;
    fs::remove(p, ec);
    if (ec) spdlog::warn("broker: cannot remove the cursor {}: {}", p, ec.message());
    return;
  }
  const std::string text = std::to_string(c.floor) + "\n" + c.pattern + "\n";
  Status s = make_dirs(dir_ + "/" + k.first, 0700);
  if (s.ok()) s = write_file_durable(p, as_bytes(text), 0600);
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
    for (const auto& [k, c] : writing_) apply(k, c);
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
