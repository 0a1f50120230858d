#include "service/retention.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

#include "schema/registry.h"
#include "util/files.h"

namespace relais {
namespace {

// Each plain document type name -> its period (see the header), when it has one.
std::map<std::string, int64_t> periods_by_name(const Policy& policy) {
  std::map<std::string, std::optional<int64_t>> acc;
  for (DocType t : kAllDocTypes) {
    const std::string name(doc_type_name(t));
    const auto p = policy.retention_for(doc_type_versioned(t));
    auto [it, fresh] = acc.try_emplace(name, p);
    if (!fresh) it->second = (it->second && p) ? std::optional<int64_t>(std::max(*it->second, *p)) : std::nullopt;
  }
  std::map<std::string, int64_t> out;
  for (const auto& [name, p] : acc)
    if (p) out[name] = *p;
  return out;
}

// Overwrites a file with zeros, syncs it and removes it.
Status shred_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return Status::Ok();
    return Status::IOError("retention: cannot open " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  Status s;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    const std::string zeros(64 * 1024, '\0');
    for (off_t off = 0; off < st.st_size && s.ok();) {
      const size_t n = static_cast<size_t>(std::min<off_t>(st.st_size - off, static_cast<off_t>(zeros.size())));
      const ssize_t w = ::pwrite(fd, zeros.data(), n, off);
      if (w <= 0) s = Status::IOError("retention: cannot overwrite " + path + ": " + std::strerror(errno));
      else off += w;
    }
    if (s.ok() && ::fsync(fd) != 0) s = Status::IOError("retention: cannot sync " + path + ": " + std::strerror(errno));
  }
  ::close(fd);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT && s.ok())
    s = Status::IOError("retention: cannot remove " + path + ": " + std::strerror(errno));
  return s;
}

struct InboxFile {
  std::string path, id, type, case_ref;
  std::vector<std::string> attachment_files;  // beside it (service/inbox_export.h)
  int64_t mtime_ms = 0;
};

// The export folder's <id>.json files, with the fields retention needs.
std::vector<InboxFile> inbox_files(const std::string& dir) {
  std::vector<InboxFile> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() <= 5 || name.compare(name.size() - 5, 5, ".json") != 0) continue;
    InboxFile f;
    f.path = dir + "/" + name;
    f.id = name.substr(0, name.size() - 5);
    struct stat st {};
    if (::lstat(f.path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    f.mtime_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
    auto text = read_text_file(f.path, 8u << 20);
    if (text.ok()) {
      auto j = nlohmann::json::parse(*text, nullptr, false);
      if (j.is_object()) {
        if (j.contains("type") && j["type"].is_string()) f.type = j["type"].get<std::string>();
        if (j.contains("case_ref") && j["case_ref"].is_string()) f.case_ref = j["case_ref"].get<std::string>();
        // Only names export_message writes: <id>.<n>.<name>, no folder.
        if (j.contains("attachment_files") && j["attachment_files"].is_array())
          for (const auto& a : j["attachment_files"])
            if (a.is_string() && a.get<std::string>().rfind(f.id + ".", 0) == 0 &&
                a.get<std::string>().find('/') == std::string::npos)
              f.attachment_files.push_back(dir + "/" + a.get<std::string>());
      }
    }
    out.push_back(std::move(f));
  }
  ::closedir(d);
  return out;
}

}  // namespace

AgencyRetention::AgencyRetention(Store& store, std::string inbox_dir, ServiceLog log)
    : store_(store), inbox_dir_(std::move(inbox_dir)), log_(std::move(log)) {
  if (!log_) log_ = [](const std::string&) {};
}

Result<AgencyRetention::Outcome> AgencyRetention::apply(const TrustBundle& bundle, int64_t now_ms) {
  Outcome out;
  Status first;
  auto keep = [&](const Status& s) {
    if (!s.ok() && first.ok()) first = s;
  };
  const Policy& policy = bundle.policy;
  const auto periods = periods_by_name(policy);
  for (const auto& [name, period] : periods) {
    auto n = store_.erase_older_than(name, now_ms - period);
    if (n.ok()) out.store_rows += *n;
    else keep(n.status());
  }

  std::set<std::string> doomed_ids, doomed_cases;
  const bool new_orders = bundle.serial != orders_serial_;
  if (new_orders) {
    for (const ErasureOrder& o : policy.erasure_orders()) {
      ++out.orders;
      if (!o.id.empty()) {
        doomed_ids.insert(o.id);
        auto n = store_.erase_message(o.id);
        if (n.ok()) out.store_rows += *n;
        else keep(n.status());
        continue;
      }
      doomed_cases.insert(o.case_ref);
      auto items = store_.case_timeline(o.case_ref);
      if (items.ok())
        for (const auto& item : *items) doomed_ids.insert(item.id);
      auto n = store_.erase_case(o.case_ref);
      if (n.ok()) out.store_rows += *n;
      else keep(n.status());
    }
  }

  if (!inbox_dir_.empty()) {
    for (const InboxFile& f : inbox_files(inbox_dir_)) {
      bool go = doomed_ids.count(f.id) != 0 || (!f.case_ref.empty() && doomed_cases.count(f.case_ref) != 0);
      if (!go) {
        auto p = periods.find(f.type);
        go = p != periods.end() && f.mtime_ms < now_ms - p->second;
      }
      if (!go) continue;
      // The files first: <id>.json names them until it goes.
      for (const std::string& a : f.attachment_files) {
        Status sa = shred_file(a);
        if (sa.ok()) ++out.files;
        else keep(sa);
      }
      Status s = shred_file(f.path);
      if (s.ok()) ++out.files;
      else keep(s);
    }
    if (out.files > 0) keep(sync_dir(inbox_dir_));
  }
  if (new_orders && first.ok()) orders_serial_ = bundle.serial;
  if (out.store_rows > 0 || out.files > 0)
    log_("retention: erased " + std::to_string(out.store_rows) + " stored messages and entries and " +
         std::to_string(out.files) + " inbox_dir files (bundle serial " + std::to_string(bundle.serial) + ")");
  if (!first.ok()) return first;
  return out;
}

}  // namespace relais
