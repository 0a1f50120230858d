#include "broker/session_table.h"

#include <algorithm>
#include <cassert>

namespace relais {

size_t SessionTable::reserve() const { return std::min(max_sessions_, std::max<size_t>(64, max_sessions_ / 10)); }

size_t SessionTable::sessions_of(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? 0 : it->second.size();
}

SessionTable::Admission SessionTable::check_admit(const std::string& name, int64_t now_mono,
                                                  int64_t silent_ms) const {
  Admission a;
  const size_t mine = sessions_of(name);
  if (mine >= max_per_participant_) {
    // Replace the longest-silent session, if it is silent enough.
    const Session* oldest = nullptr;
    for (const std::string& rid : by_name_.at(name)) {
      const Session& s = sessions_.at(rid);
      if (!oldest || s.last_seen_ms < oldest->last_seen_ms) oldest = &s;
    }
    if (oldest && now_mono - oldest->last_seen_ms > silent_ms) {
      a.evict = oldest->rid;
      return a;
    }
    a.status = Status::Refused("broker: " + name + " already holds " + std::to_string(mine) +
                               " sessions (the limit per participant is " + std::to_string(max_per_participant_) +
                               "); close one, or wait until one has been silent for " +
                               std::to_string(silent_ms / 1000) + " s");
    return a;
  }
  if (sessions_.size() >= max_sessions_) {
    a.status = Status::Refused("broker: too many connections (limit " + std::to_string(max_sessions_) + ")");
    return a;
  }
  if (mine > 0 && sessions_.size() >= max_sessions_ - reserve()) {
    a.status = Status::Refused("broker: nearly full (limit " + std::to_string(max_sessions_) +
                               " connections); the last " + std::to_string(reserve()) +
                               " are kept for participants that have none, and " + name + " already has " +
                               std::to_string(mine));
    return a;
  }
  return a;
}

Session* SessionTable::admit(const std::string& rid, const std::string& name, const PublicKey& sign_pk,
                             int64_t now_mono) {
  assert(sessions_.count(rid) == 0);
  Session s;
  s.rid = rid;
  s.name = name;
  s.sign_pk = sign_pk;
  s.last_seen_ms = now_mono;
  auto [it, inserted] = sessions_.emplace(rid, std::move(s));
  by_name_[name].push_back(rid);
  return &it->second;
}

void SessionTable::forget_name(const std::string& name, const std::string& rid) {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return;
  auto& rids = it->second;
  rids.erase(std::remove(rids.begin(), rids.end(), rid), rids.end());
  if (rids.empty()) by_name_.erase(it);
}

void SessionTable::erase(const std::string& rid) {
  auto it = sessions_.find(rid);
  if (it == sessions_.end()) return;
  forget_name(it->second.name, rid);
  sessions_.erase(it);
}

Session* SessionTable::find(const std::string& rid) {
  auto it = sessions_.find(rid);
  return it == sessions_.end() ? nullptr : &it->second;
}

void Replies::send_encoded(const std::string& rid, Command cmd, ByteView extra) {
  transport_.send(rid, cmd, buf_, extra);
}

void Replies::send_empty(const std::string& rid, Command cmd) {
  encode_empty_args(&buf_);
  send_encoded(rid, cmd, {});
}

void Replies::error(const std::string& rid, uint64_t req_id, ErrorCode code, const std::string& reason) {
  ErrorArgs e;
  e.req_id = req_id;
  e.code = code;
  e.reason = reason;
  send(rid, Command::kError, e);
}

}  // namespace relais
