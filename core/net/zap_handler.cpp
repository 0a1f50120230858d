#include "net/zap_handler.h"

#include <cstdlib>
#include <cstring>

#include "util/bytes.h"

namespace relais {
namespace {

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";

std::string frame_text(const zmq::message_t& m) { return std::string(static_cast<const char*>(m.data()), m.size()); }

}  // namespace

ZapHandler::ZapHandler(zmq::context_t& ctx, std::map<PublicKey, std::string> allowlist)
    : ctx_(ctx), allowlist_(std::move(allowlist)) {}

ZapHandler::~ZapHandler() { stop(); }

Status ZapHandler::start() {
  // Fault injection for the test that proves the broker refuses to run
  // without its handler (tests/integration/broker_security_test.cpp).
  if (const char* f = std::getenv("RELAIS_TEST_FAIL_ZAP"); f != nullptr && std::strcmp(f, "1") == 0)
    return Status::Config("broker: ZAP handler could not start (fault injected by RELAIS_TEST_FAIL_ZAP); refusing to run");
  try {
    rep_ = zmq::socket_t(ctx_, zmq::socket_type::rep);
    rep_.set(zmq::sockopt::linger, 0);
    rep_.bind(kZapEndpoint);
  } catch (const zmq::error_t& e) {
    return Status::Config(std::string("broker: ZAP handler could not bind ") + kZapEndpoint + ": " + e.what() +
                          "; refusing to run without authentication");
  }
  thread_ = std::thread([this] { run(); });
  return Status::Ok();
}

void ZapHandler::stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  thread_.join();
}

void ZapHandler::set_allowlist(std::map<PublicKey, std::string> allowlist) {
  std::lock_guard<std::mutex> lock(mu_);
  allowlist_.swap(allowlist);
}

void ZapHandler::run() {
  zmq::socket_t events(ctx_, zmq::socket_type::push);
  events.set(zmq::sockopt::linger, 0);
  events.set(zmq::sockopt::sndhwm, 10000);
  events.connect(kZapEventsEndpoint);
  while (!stop_) {
    zmq::pollitem_t item{rep_.handle(), 0, ZMQ_POLLIN, 0};
    try {
      zmq::poll(&item, 1, std::chrono::milliseconds(100));
    } catch (const zmq::error_t&) {
      break;  // context terminated
    }
    if ((item.revents & ZMQ_POLLIN) == 0) continue;
    std::vector<zmq::message_t> req;
    try {
      while (true) {
        zmq::message_t m;
        if (!rep_.recv(m, zmq::recv_flags::none)) break;
        bool more = m.more();
        req.push_back(std::move(m));
        if (!more) break;
      }
    } catch (const zmq::error_t&) {
      break;
    }
    // Request: version, request id, domain, address, identity, mechanism, credentials...
    std::string version = req.size() > 0 ? frame_text(req[0]) : "";
    std::string request_id = req.size() > 1 ? frame_text(req[1]) : "";
    std::string domain = req.size() > 2 ? frame_text(req[2]) : "";
    std::string address = req.size() > 3 ? frame_text(req[3]) : "";
    std::string mechanism = req.size() > 5 ? frame_text(req[5]) : "";
    std::string status = "400", text = "not admitted", user;
    std::string key_hex;
    if (version != "1.0") {
      text = "bad ZAP version";
    } else if (domain != kZapDomain) {
      text = "wrong ZAP domain";
    } else if (mechanism != "CURVE" || req.size() < 7 || req[6].size() != 32) {
      text = "CURVE required";
    } else {
      PublicKey pk{};
      std::memcpy(pk.data(), req[6].data(), 32);
      key_hex = to_hex(pk);
      std::lock_guard<std::mutex> lock(mu_);
      auto it = allowlist_.find(pk);
      if (it != allowlist_.end()) {
        status = "200";
        text = "OK";
        user = it->second;
      } else {
        text = "key not in the trust bundle or revoked";
      }
    }
    try {
      rep_.send(zmq::buffer(std::string_view("1.0")), zmq::send_flags::sndmore);
      rep_.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
      rep_.send(zmq::buffer(status), zmq::send_flags::sndmore);
      rep_.send(zmq::buffer(text), zmq::send_flags::sndmore);
      rep_.send(zmq::buffer(user), zmq::send_flags::sndmore);
      rep_.send(zmq::str_buffer(""), zmq::send_flags::none);
      if (status != "200") {
        events.send(zmq::buffer(key_hex.empty() ? mechanism : key_hex), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
        events.send(zmq::buffer(address), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
        events.send(zmq::buffer(text), zmq::send_flags::dontwait);
      }
    } catch (const zmq::error_t&) {
      break;
    }
  }
  rep_.close();
}

Status configure_curve_server(zmq::socket_t& socket, const uint8_t link_sk[32]) {
  try {
    socket.set(zmq::sockopt::curve_server, 1);
    socket.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(link_sk, 32));
    socket.set(zmq::sockopt::zap_domain, kZapDomain);
    // Raw option: Debian's non-draft cppzmq has no typed sockopt for it.
    int one = 1;
    if (zmq_setsockopt(socket.handle(), kZapEnforceDomainOption, &one, sizeof one) != 0)
      return Status::Config("broker: libzmq refused ZMQ_ZAP_ENFORCE_DOMAIN; refusing to run without enforced authentication");
  } catch (const zmq::error_t& e) {
    return Status::Config(std::string("broker: cannot configure CURVE server: ") + e.what());
  }
  return Status::Ok();
}

}  // namespace relais
