#include "session.h"

#include "bench_util.h"

namespace relais::bench {

Session::Session(zmq::context_t& ctx, const std::string& endpoint, const Identity& identity,
                 const PublicKey& broker_link_pk)
    : socket_(ctx, zmq::socket_type::dealer) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.set(zmq::sockopt::sndhwm, 100000);
  socket_.set(zmq::sockopt::rcvhwm, 100000);
  socket_.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(broker_link_pk.data(), 32));
  socket_.set(zmq::sockopt::curve_publickey, zmq::const_buffer(identity.card.link_pk.data(), 32));
  socket_.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(identity.link_sk.data(), 32));
  socket_.connect(endpoint);
}

void Session::send(Command cmd, const Bytes& args, ByteView extra) {
  pack_frame(cmd, args, extra, &out_);
  socket_.send(zmq::buffer(out_.data(), out_.size()), zmq::send_flags::none);
  last_send_ns_ = mono_ns();
}

void Session::keepalive() {
  if (mono_ns() - last_send_ns_ < 1000000000) return;
  encode_empty_args(&buf_);
  send(Command::kPing, buf_);
}

bool Session::recv(Frames* out, int timeout_ms) {
  zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
  while (true) {
    if (zmq::poll(&item, 1, std::chrono::milliseconds(timeout_ms)) == 0) return false;
    if (!socket_.recv(out->frame, zmq::recv_flags::dontwait)) return false;
    while (out->frame.more()) {  // never expected from the broker: drain
      zmq::message_t rest;
      (void)socket_.recv(rest, zmq::recv_flags::none);
      if (!rest.more()) break;
    }
    timeout_ms = 0;
    auto f = split_packed_frame(ByteView(static_cast<const uint8_t*>(out->frame.data()), out->frame.size()));
    if (!f.ok() || !f->cmd || *f->cmd == Command::kPong) continue;
    out->cmd = *f->cmd;
    out->args = f->args;
    out->extra = f->envelope;
    out->has_extra = !f->envelope.empty();
    return true;
  }
}

Status Session::hello(uint64_t bundle_serial, int timeout_ms) {
  const int64_t deadline = mono_ns() + int64_t{timeout_ms} * 1000000;
  int64_t resend = 0;
  Frames f;
  while (mono_ns() < deadline) {
    if (mono_ns() >= resend) {
      HelloArgs h;
      h.bundle_serial = bundle_serial;
      encode_args(h, &buf_);
      send(Command::kHello, buf_);
      resend = mono_ns() + 1000000000;
    }
    if (!recv(&f, 100)) continue;
    if (f.cmd == Command::kWelcome) return Status::Ok();
    if (f.cmd == Command::kError) {
      ErrorArgs e;
      (void)decode_args(f.args, &e);
      return Status::Refused("bench: HELLO refused: " + e.reason);
    }
  }
  return Status::Timeout("bench: no WELCOME from the broker");
}

Status Session::subscribe(uint32_t sub_id, const std::string& pattern, int timeout_ms, const std::string& durable) {
  SubArgs s;
  s.req_id = 1;
  s.sub_id = sub_id;
  s.pattern = pattern;
  s.durable = durable;
  encode_args(s, &buf_);
  send(Command::kSub, buf_);
  const int64_t deadline = mono_ns() + int64_t{timeout_ms} * 1000000;
  Frames f;
  while (mono_ns() < deadline) {
    if (!recv(&f, 100)) continue;
    if (f.cmd == Command::kSubOk) return Status::Ok();
    if (f.cmd == Command::kError) {
      ErrorArgs e;
      (void)decode_args(f.args, &e);
      return Status::Refused("bench: SUB refused: " + e.reason);
    }
  }
  return Status::Timeout("bench: no SUBOK from the broker");
}

}  // namespace relais::bench
