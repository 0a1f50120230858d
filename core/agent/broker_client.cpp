#include "agent/broker_client.h"

#include "net/framing.h"

#include <algorithm>
#include <cstring>
#include <iostream>

#include "util/clock.h"

namespace relais {
namespace {

// Resend a request unanswered for this long: three heartbeats, at most 2 s.
int64_t retry_ms(int64_t heartbeat_ms) { return std::min<int64_t>(2000, 3 * heartbeat_ms); }

ByteView view(const zmq::message_t& m) { return ByteView(static_cast<const uint8_t*>(m.data()), m.size()); }

}  // namespace

BrokerClient::BrokerClient(std::string endpoint, const Identity& identity, const PublicKey& broker_link_pk,
                           uint64_t bundle_serial, int64_t heartbeat_ms)
    : endpoint_(std::move(endpoint)),
      identity_(identity),
      broker_link_pk_(broker_link_pk),
      bundle_serial_(bundle_serial),
      heartbeat_ms_(heartbeat_ms),
      ctx_(1) {}

BrokerClient::~BrokerClient() { close(); }

void BrokerClient::close() {
  if (socket_) {
    try {
      flush_acks();
      encode_empty_args(&buf_);
      send(Command::kBye, buf_);
    } catch (const zmq::error_t& e) {
      swallowed("sending BYE on close", e);
    }
  }
  monitor_.reset();
  socket_.reset();
}

Status BrokerClient::open_socket() {
  // A connection given up on (a reply that did not come in time) may still
  // be alive: say BYE on it, best effort, so that the broker ends that
  // session now instead of at its heartbeat timeout and the new one does not
  // count against the participant's session cap.
  if (socket_) {
    try {
      encode_empty_args(&buf_);
      send(Command::kBye, buf_);
    } catch (const zmq::error_t& e) {
      swallowed("sending BYE on the connection given up", e);
    }
  }
  monitor_.reset();
  socket_.reset();
  auth_failed_ = false;
  try {
    socket_ = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::dealer);
    socket_->set(zmq::sockopt::linger, 200);
    socket_->set(zmq::sockopt::curve_serverkey, zmq::const_buffer(broker_link_pk_.data(), 32));
    socket_->set(zmq::sockopt::curve_publickey, zmq::const_buffer(identity_.card.link_pk.data(), 32));
    socket_->set(zmq::sockopt::curve_secretkey, zmq::const_buffer(identity_.link_sk.data(), 32));
    socket_->set(zmq::sockopt::reconnect_ivl, 100);
    socket_->set(zmq::sockopt::reconnect_ivl_max, 1000);
    const std::string mon = "inproc://relais-client-monitor-" + std::to_string(++monitor_seq_);
    if (zmq_socket_monitor(socket_->handle(), mon.c_str(),
                           ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) != 0)
      return Status::IOError("agent: cannot monitor the broker connection");
    monitor_ = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::pair);
    monitor_->set(zmq::sockopt::linger, 0);
    monitor_->connect(mon);
    socket_->connect(endpoint_);
  } catch (const zmq::error_t& e) {
    return Status::Config("agent: cannot connect to " + endpoint_ + ": " + e.what());
  }
  return Status::Ok();
}

Status BrokerClient::check_monitor() {
  if (!monitor_) return Status::Ok();
  while (true) {
    zmq::message_t ev;
    try {
      if (!monitor_->recv(ev, zmq::recv_flags::dontwait)) break;
      zmq::message_t addr;
      if (ev.more()) (void)monitor_->recv(addr, zmq::recv_flags::none);
    } catch (const zmq::error_t& e) {
      swallowed("reading the connection monitor", e);
      break;
    }
    if (ev.size() < 6) continue;
    uint16_t event = 0;
    std::memcpy(&event, ev.data(), 2);
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) auth_failed_ = true;
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL || event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
      auth_failed_ = true;  // a CURVE failure against our key or the broker's
  }
  if (auth_failed_)
    return Status::Refused("agent: the broker at " + endpoint_ + " refused " + identity_.card.name +
                           "'s key: it is not in the broker's trust bundle, or it is revoked, or the broker key "
                           "in our bundle is wrong");
  return Status::Ok();
}

void BrokerClient::send(Command cmd, const Bytes& args, ByteView extra) {
  pack_frame(cmd, args, extra, &out_);
  socket_->send(zmq::buffer(out_.data(), out_.size()), zmq::send_flags::dontwait);
}

Status BrokerClient::broker_error(const ErrorArgs& e) {
  last_error_code_ = e.code;
  if (e.code == ErrorCode::kRevoked) {
    revoked_ = true;
    revoked_status_ = Status::Refused("the broker ended " + identity_.card.name +
                                      "'s session: its key is revoked, retired or no longer in the broker's bundle (" +
                                      e.reason + ")");
    return revoked_status_;
  }
  return Status::Refused(e.reason);
}

bool BrokerClient::take_unsolicited(Incoming& msg) {
  if (msg.cmd == Command::kMsg) {
    MsgArgs a;
    if (decode_args(msg.args, &a).ok()) queued_.push_back(Delivery{a, std::move(msg.extra)});
    return true;
  }
  if (msg.cmd == Command::kNotice) {
    NoticeArgs n;
    if (!decode_args(msg.args, &n).ok()) return true;  // a newer broker's notice we cannot read: ignored
    if (n.kind == kNoticeBundleSerial && !n.is_array && !n.values.empty()) broker_serial_ = n.values[0];
    if (notice_handler_) {
      notice_handler_(n);
    } else {
      if (notices_.size() == kMaxQueuedNotices) notices_.pop_front();
      notices_.push_back(std::move(n));
    }
    return true;
  }
  return false;
}

std::optional<NoticeArgs> BrokerClient::poll_notice() {
  if (notices_.empty()) return std::nullopt;
  NoticeArgs n = std::move(notices_.front());
  notices_.pop_front();
  return n;
}

Result<std::optional<BrokerClient::Incoming>> BrokerClient::receive(int64_t deadline_ms) {
  if (revoked_) return revoked_status_;
  while (true) {
    RELAIS_RETURN_IF_ERROR(check_monitor());
    const int64_t now = monotonic_ms();
    if (now >= next_ping_ms_ && last_heard_ms_ > 0) {
      encode_empty_args(&buf_);
      try {
        send(Command::kPing, buf_);
      } catch (const zmq::error_t& e) {
        swallowed("sending PING", e);  // a broker gone is noticed by its silence
      }
      next_ping_ms_ = now + heartbeat_ms_;
    }
    if (now >= deadline_ms) return std::optional<Incoming>();
    int64_t wait = std::min<int64_t>(deadline_ms - now, std::max<int64_t>(1, next_ping_ms_ - now));
    wait = std::min<int64_t>(wait, 100);
    zmq::pollitem_t items[] = {{socket_->handle(), 0, ZMQ_POLLIN, 0}, {monitor_->handle(), 0, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, 2, std::chrono::milliseconds(wait));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      return Status::IOError(std::string("agent: poll failed: ") + e.what());
    }
    if (!(items[0].revents & ZMQ_POLLIN)) continue;
    zmq::message_t frame;
    try {
      if (!socket_->recv(frame, zmq::recv_flags::none)) continue;
      while (frame.more()) {  // the broker sends one frame per command: drain anything else
        zmq::message_t rest;
        if (!socket_->recv(rest, zmq::recv_flags::none) || !rest.more()) break;
      }
    } catch (const zmq::error_t& e) {
      return Status::IOError(std::string("agent: receive failed: ") + e.what());
    }
    last_heard_ms_ = monotonic_ms();
    auto packed = split_packed_frame(view(frame));
    if (!packed.ok() || !packed->cmd) continue;
    if (*packed->cmd == Command::kPong) continue;
    if (*packed->cmd == Command::kError) {
      ErrorArgs e;
      if (decode_args(packed->args, &e).ok() && e.code == ErrorCode::kRevoked) return broker_error(e);
    }
    Incoming in{*packed->cmd, Bytes(packed->args.begin(), packed->args.end()),
                Bytes(packed->envelope.begin(), packed->envelope.end())};
    return std::optional<Incoming>(std::move(in));
  }
}

Status BrokerClient::handshake(int64_t deadline_ms) {
  HelloArgs h;
  h.bundle_serial = bundle_serial_;
  encode_args(h, &buf_);
  int64_t resend_at = monotonic_ms() + retry_ms(heartbeat_ms_);
  try {
    send(Command::kHello, buf_);
  } catch (const zmq::error_t& e) {
    swallowed("sending HELLO", e);  // resent below until the deadline
  }
  last_heard_ms_ = 0;
  while (true) {
    auto in = receive(std::min(deadline_ms, resend_at));
    if (!in.ok()) return in.status();
    if (!in->has_value()) {
      if (monotonic_ms() >= deadline_ms)
        return Status::Timeout("agent: no answer from the broker at " + endpoint_ +
                               " (is it running, and is the endpoint right?)");
      // HELLO may have been dropped before the connection existed: resend.
      HelloArgs again;
      again.bundle_serial = bundle_serial_;
      encode_args(again, &buf_);
      try {
        send(Command::kHello, buf_);
      } catch (const zmq::error_t& e) {
        swallowed("sending HELLO", e);
      }
      resend_at = monotonic_ms() + retry_ms(heartbeat_ms_);
      continue;
    }
    Incoming& msg = **in;
    if (msg.cmd == Command::kWelcome) {
      WelcomeArgs w;
      RELAIS_RETURN_IF_ERROR(decode_args(msg.args, &w));
      if (w.heartbeat_ms > 0) heartbeat_ms_ = w.heartbeat_ms;
      broker_serial_ = w.bundle_serial;
      next_ping_ms_ = monotonic_ms() + heartbeat_ms_;
      return Status::Ok();
    }
    if (msg.cmd == Command::kError) {
      ErrorArgs e;
      RELAIS_RETURN_IF_ERROR(decode_args(msg.args, &e));
      last_error_code_ = e.code;
      return Status::Refused("broker refused the session: " + e.reason);
    }
    take_unsolicited(msg);
  }
}

Status BrokerClient::connect(int64_t deadline_ms) {
  if (revoked_) return revoked_status_;
  last_error_code_.reset();
  RELAIS_RETURN_IF_ERROR(open_socket());
  return handshake(deadline_ms);
}

Status BrokerClient::reconnect(int64_t deadline_ms) {
  // Until this succeeds there is no session to resubscribe on: next() tries
  // again on its next call (the socket left behind may still deliver a late
  // WELCOME, but no SUB would follow it).
  session_lost_ = true;
  RELAIS_RETURN_IF_ERROR(connect(deadline_ms));
  session_lost_ = false;
  for (SubArgs s : subscriptions_) {
    // A non-durable subscription resumes after the last seq it saw; a
    // durable one at its cursor, taken over from the session we lost.
    for (const auto& [id, seq] : last_seq_)
      if (id == s.sub_id && s.durable.empty()) s.from = "seq:" + std::to_string(seq + 1);
    if (!s.durable.empty()) {
      s.from.clear();
      s.flags |= kSubTakeOver;
    }
    s.req_id = next_req_id_++;
    encode_args(s, &buf_);
    send(Command::kSub, buf_);
  }
  return Status::Ok();
}

Result<PubAckArgs> BrokerClient::publish(ByteView envelope, int64_t deadline_ms) {
  if (revoked_) return revoked_status_;
  last_error_code_.reset();
  uint64_t req_id = 0;
  int64_t retry_at = 0;
  // Every (re)send carries the same envelope bytes: the broker answers a
  // retry of a logged (from, id) with the original seq.
  auto send_pub = [&] {
    req_id = next_req_id_++;
    PubArgs p{req_id};
    encode_args(p, &buf_);
    send(Command::kPub, buf_, envelope);
    retry_at = monotonic_ms() + retry_ms(heartbeat_ms_);
  };
  send_pub();
  Status last_storage_error;
  while (true) {
    auto in = receive(std::min(deadline_ms, retry_at));
    if (!in.ok()) return in.status();
    if (!in->has_value()) {
      if (monotonic_ms() >= deadline_ms) {
        if (!last_storage_error.ok()) return Status::Refused(last_storage_error.message());
        return Status::Timeout("agent: the broker at " + endpoint_ + " did not acknowledge the message in time");
      }
      // The request or its reply was lost, or the broker could not store it
      // yet: reconnect if needed and send the same bytes again.
      if (last_storage_error.ok()) RELAIS_RETURN_IF_ERROR(reconnect(deadline_ms));
      send_pub();
      continue;
    }
    Incoming& msg = **in;
    if (msg.cmd == Command::kPubAck) {
      PubAckArgs a;
      RELAIS_RETURN_IF_ERROR(decode_args(msg.args, &a));
      if (a.req_id == req_id) return a;
    } else if (msg.cmd == Command::kError) {
      ErrorArgs e;
      RELAIS_RETURN_IF_ERROR(decode_args(msg.args, &e));
      if (e.req_id != req_id && e.req_id != 0) continue;
      if (e.code == ErrorCode::kNotAuthenticated) {  // the broker restarted and forgot us
        RELAIS_RETURN_IF_ERROR(reconnect(deadline_ms));
        send_pub();
      } else if (e.code == ErrorCode::kStorage) {  // e.g. disk full: retried until the deadline
        last_storage_error = Status::Refused(e.reason);
        last_error_code_ = e.code;
      } else {
        return broker_error(e);
      }
    } else {
      take_unsolicited(msg);
    }
  }
}

Status BrokerClient::subscribe(const SubArgs& args_in, int64_t deadline_ms) {
  if (revoked_) return revoked_status_;
  last_error_code_.reset();
  SubArgs args = args_in;
  args.req_id = next_req_id_++;
  if (!args.durable.empty() && args.from == "new") args.from.clear();  // "new" is where a new name starts anyway
  // Seqs start at 1: "from seq 0" means from the first record, and is sent
  // so (the broker would otherwise look for a record 0 that never exists).
  if (args.from == "seq:0") args.from = "first";
  encode_args(args, &buf_);
  send(Command::kSub, buf_);
  RELAIS_RETURN_IF_ERROR(await_sub_ok(args.req_id, deadline_ms, "the subscription"));
  subscriptions_.push_back(args);
  return Status::Ok();
}

Status BrokerClient::await_sub_ok(uint64_t req_id, int64_t deadline_ms, const char* what) {
  while (true) {
    auto in = receive(deadline_ms);
    if (!in.ok()) return in.status();
    if (!in->has_value())
      return Status::Timeout("agent: the broker at " + endpoint_ + " did not answer " + what + " in time");
    Incoming& msg = **in;
    if (msg.cmd == Command::kSubOk) {
      SubOkArgs ok;
      RELAIS_RETURN_IF_ERROR(decode_args(msg.args, &ok));
      if (ok.req_id == req_id) return Status::Ok();
    } else if (msg.cmd == Command::kError) {
      ErrorArgs e;
      RELAIS_RETURN_IF_ERROR(decode_args(msg.args, &e));
      if (e.req_id == req_id || e.req_id == 0) return broker_error(e);
    } else {
      take_unsolicited(msg);
    }
  }
}

Status BrokerClient::remove_durable(const std::string& name, int64_t deadline_ms) {
  if (revoked_) return revoked_status_;
  last_error_code_.reset();
  UnsubArgs args;
  args.durable = name;
  args.req_id = next_req_id_++;
  encode_args(args, &buf_);
  send(Command::kUnsub, buf_);
  return await_sub_ok(args.req_id, deadline_ms, "the removal");
}

Result<Bytes> BrokerClient::fetch(std::string_view kind, std::string_view arg, int64_t deadline_ms) {
  if (revoked_) return revoked_status_;
  last_error_code_.reset();
  FetchArgs f;
  f.kind = std::string(kind);
  f.arg = std::string(arg);
  int64_t retry_at = 0;
  auto send_fetch = [&] {
    f.req_id = next_req_id_++;
    encode_args(f, &buf_);
    send(Command::kFetch, buf_);
    retry_at = monotonic_ms() + retry_ms(heartbeat_ms_);
  };
  send_fetch();
  while (true) {
    auto in = receive(std::min(deadline_ms, retry_at));
    if (!in.ok()) return in.status();
    if (!in->has_value()) {
      if (monotonic_ms() >= deadline_ms)
        return Status::Timeout("agent: the broker at " + endpoint_ + " did not answer the fetch of " + f.kind + ":" +
                               f.arg + " in time");
      RELAIS_RETURN_IF_ERROR(reconnect(deadline_ms));  // a fetch is idempotent: ask again
      send_fetch();
      continue;
    }
    Incoming& msg = **in;
    if (msg.cmd == Command::kData) {
      DataArgs d;
      RELAIS_RETURN_IF_ERROR(decode_args(msg.args, &d));
      if (d.req_id == f.req_id) return std::move(msg.extra);
    } else if (msg.cmd == Command::kError) {
      ErrorArgs e;
      RELAIS_RETURN_IF_ERROR(decode_args(msg.args, &e));
      if (e.req_id != f.req_id && e.req_id != 0) continue;
      if (e.code == ErrorCode::kNotAuthenticated) {  // the broker restarted and forgot us
        RELAIS_RETURN_IF_ERROR(reconnect(deadline_ms));
        send_fetch();
        continue;
      }
      return broker_error(e);
    } else {
      take_unsolicited(msg);
    }
  }
}

Result<Bytes> BrokerClient::fetch_bundle(uint64_t serial, int64_t deadline_ms) {
  return fetch(kFetchBundle, serial == 0 ? std::string("latest") : std::to_string(serial), deadline_ms);
}

Result<std::optional<Delivery>> BrokerClient::next(int64_t deadline_ms) {
  if (revoked_) return revoked_status_;
  while (true) {
    if (!queued_.empty()) {
      Delivery d = std::move(queued_.front());
      queued_.pop_front();
      bool found = false;
      for (auto& [id, seq] : last_seq_)
        if (id == d.args.sub_id) { seq = std::max(seq, d.args.seq); found = true; }
      if (!found) last_seq_.emplace_back(d.args.sub_id, d.args.seq);
      return std::optional<Delivery>(std::move(d));
    }
    flush_acks();  // everything received so far is handled: settle it in one ACK
    // A broker silent for 5 heartbeats is gone, and a session lost earlier
    // is still to be made again: reconnect and resubscribe. A broker still
    // away at the deadline is "nothing yet", not an error.
    if (session_lost_ || (last_heard_ms_ > 0 && monotonic_ms() - last_heard_ms_ > 5 * heartbeat_ms_)) {
      Status s = reconnect(deadline_ms);
      if (s.code() == Code::kTimeout) return std::optional<Delivery>();
      RELAIS_RETURN_IF_ERROR(s);
    }
    auto in = receive(std::min(deadline_ms, monotonic_ms() + heartbeat_ms_));
    if (!in.ok()) return in.status();
    if (!in->has_value()) {
      if (monotonic_ms() >= deadline_ms) return std::optional<Delivery>();
      continue;
    }
    Incoming& msg = **in;
    if (take_unsolicited(msg)) {
      continue;
    } else if (msg.cmd == Command::kError) {
      ErrorArgs e;
      if (decode_args(msg.args, &e).ok() && e.code == ErrorCode::kNotAuthenticated) {  // the broker restarted
        Status s = reconnect(deadline_ms);
        if (s.code() == Code::kTimeout) return std::optional<Delivery>();
        RELAIS_RETURN_IF_ERROR(s);
      }
    }
  }
}

void BrokerClient::ack(uint32_t sub_id, uint64_t seq) {
  if (pending_acks_.add(sub_id, seq)) return;
  flush_acks();
  pending_acks_.add(sub_id, seq);
}

void BrokerClient::flush_acks() {
  if (pending_acks_.empty()) return;
  encode_args(pending_acks_.args(), &buf_);
  pending_acks_.clear();
  try {
    send(Command::kAck, buf_);
  } catch (const zmq::error_t& e) {
    swallowed("sending ACK", e);  // the broker redelivers what was not acknowledged
  }
}

void BrokerClient::nack(uint32_t sub_id, uint64_t seq, const std::string& detail) {
  nack(sub_id, seq, ErrorCode::kMalformed, detail);
}

void BrokerClient::nack(uint32_t sub_id, uint64_t seq, ErrorCode code, std::string_view detail) {
  NackArgs a{sub_id, seq, code, std::string(detail)};
  encode_args(a, &buf_);
  try {
    send(Command::kNack, buf_);
  } catch (const zmq::error_t& e) {
    swallowed("sending NACK", e);  // the broker redelivers, and the reader refuses again
  }
}

void BrokerClient::swallowed(const char* what, const zmq::error_t& e) {
  auto line = failures_.note(std::string(what) + "/" + std::to_string(e.num()),
                             "agent: " + std::string(what) + " failed (broker " + endpoint_ + "): " + e.what() +
                                 "; not fatal, the client goes on");
  if (!line) return;
  if (log_)
    log_(*line);
  else
    std::cerr << *line << "\n";
}

}  // namespace relais
