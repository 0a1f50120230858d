#include "broker/session_table.h"

namespace relais {

Result<Session*> SessionTable::admit(const std::string& rid, const std::string& name, const PublicKey& sign_pk,
                                     bool packed, int64_t now_mono) {
  if (sessions_.size() >= max_sessions_)
    return Status::Refused("broker: too many connections (limit " + std::to_string(max_sessions_) + ")");
  Session s;
  s.rid = rid;
  s.name = name;
  s.sign_pk = sign_pk;
  s.packed = packed;
  s.last_seen_ms = now_mono;
  auto [it, inserted] = sessions_.insert_or_assign(rid, std::move(s));
  return &it->second;
}

Session* SessionTable::find(const std::string& rid) {
  auto it = sessions_.find(rid);
  return it == sessions_.end() ? nullptr : &it->second;
}

void Replies::send_encoded(const std::string& rid, Command cmd, ByteView extra) {
  const Session* s = sessions_.find(rid);
  transport_.send(rid, s ? s->packed : inbound_packed_, cmd, buf_, extra);
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
