// SessionTable: the agents' sessions, by ZeroMQ routing id.
//
// A session starts with HELLO (admit), lives while its peer speaks (touch on
// every command) and ends with BYE, a second HELLO on the same routing id, or
// silence beyond the heartbeat timeout (expire). libzmq without the draft
// API reports no disconnects, hence the timeout.
//
// Admission (check_admit, then admit):
//   - at most max_per_participant sessions per participant. At that cap a new
//     HELLO replaces the participant's longest-silent session if it has been
//     silent for longer than `silent_ms` (two heartbeats); otherwise it is
//     refused, naming the cap;
//   - at most max_sessions in all, of which the last reserve() are kept for
//     participants that hold no session yet, so that no group of
//     participants can lock the others out.
// Invariants:
//   - size() <= max_sessions, and no participant holds more than its cap;
//   - a session names its participant; it keeps no pointer into the trust
//     bundle (a reload replaces the bundle), only a copy of the sender key
//     it verifies signatures with;
//   - the table owns the Session objects; the subscriptions a session holds
//     are shared with the SubscriptionManager, which detaches them before the
//     table forgets the session (the engine calls it first).
// Not thread-safe (the engine's thread).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/ports.h"
#include "broker/routes.h"
#include "crypto/keys.h"
#include "util/status.h"

namespace relais {

struct Subscription;

struct Session {
  std::string rid;
  std::string name;       // the authenticated participant
  PublicKey sign_pk{};    // its signing key under the bundle in force
  PublicKey link_pk{};    // its transport key under the bundle in force
  uint64_t key_serial = 0;   // the bundle serial its keys were last found current in
  int64_t last_seen_ms = 0;  // monotonic
  PublishMemo may_publish;
  std::map<uint32_t, std::shared_ptr<Subscription>> subs;  // by the agent's sub_id
};

class SessionTable {
 public:
  SessionTable(size_t max_sessions, size_t max_per_participant)
      : max_sessions_(max_sessions), max_per_participant_(max_per_participant) {}

  // What a HELLO from `name` may do: be admitted, be admitted once the
  // session `evict` is ended, or be refused (Status::Refused with the reason).
  struct Admission {
    Status status;
    std::string evict;  // a routing id, or empty
  };
  Admission check_admit(const std::string& name, int64_t now_mono, int64_t silent_ms) const;
  // A new session for rid (which must not have one: the engine ends it
  // first). Call check_admit first: admit() does not check the caps.
  Session* admit(const std::string& rid, const std::string& name, const PublicKey& sign_pk, int64_t now_mono);
  Session* find(const std::string& rid);
  void erase(const std::string& rid);
  size_t sessions_of(const std::string& name) const;
  // Sessions kept for participants that hold none: max(64, 10%), at most all.
  size_t reserve() const;
  // Calls fn(session) for each session silent longer than timeout_ms, then
  // forgets it.
  template <class F>
  void expire(int64_t now_mono, int64_t timeout_ms, F&& fn) {
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (now_mono - it->second.last_seen_ms > timeout_ms) {
        fn(it->second);
        forget_name(it->second.name, it->first);
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
  }
  template <class F>
  void for_each(F&& fn) {
    for (auto& [rid, s] : sessions_) fn(s);
  }
  template <class F>
  void for_each(F&& fn) const {
    for (const auto& [rid, s] : sessions_) fn(s);
  }
  size_t size() const { return sessions_.size(); }
  size_t max_sessions() const { return max_sessions_; }

 private:
  void forget_name(const std::string& name, const std::string& rid);

  size_t max_sessions_;
  size_t max_per_participant_;
  std::unordered_map<std::string, Session> sessions_;
  std::unordered_map<std::string, std::vector<std::string>> by_name_;  // participant -> routing ids
};

// Replies: the engine's way out. It encodes a command's arguments into one
// reused buffer and hands them to the transport. Not thread-safe.
class Replies {
 public:
  explicit Replies(Transport& transport) : transport_(transport) {}

  template <class Args>
  void send(const std::string& rid, Command cmd, const Args& args, ByteView extra = {});
  void send_empty(const std::string& rid, Command cmd);
  void error(const std::string& rid, uint64_t req_id, ErrorCode code, const std::string& reason);

 private:
  void send_encoded(const std::string& rid, Command cmd, ByteView extra);

  Transport& transport_;
  Bytes buf_;
};

template <class Args>
void Replies::send(const std::string& rid, Command cmd, const Args& args, ByteView extra) {
  encode_args(args, &buf_);
  send_encoded(rid, cmd, extra);
}

}  // namespace relais
