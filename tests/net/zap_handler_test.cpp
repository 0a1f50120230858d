// The ZAP handler and the fail-closed CURVE server settings, on real
// ZeroMQ sockets over 127.0.0.1.
#include <catch2/catch.hpp>
#include <sodium.h>
#include <zmq.hpp>

#include "net/zap_handler.h"
#include "util/bytes.h"

using namespace relais;

namespace {

struct CurveKeys {
  PublicKey pk{};
  std::array<uint8_t, 32> sk{};
  CurveKeys() { crypto_box_keypair(pk.data(), sk.data()); }
};

// Binds a CURVE ROUTER on an ephemeral port; returns its endpoint.
std::string bind_server(zmq::socket_t& server, const CurveKeys& keys, bool fail_closed) {
  if (fail_closed) {
    REQUIRE(configure_curve_server(server, keys.sk.data()).ok());
  } else {
    server.set(zmq::sockopt::curve_server, 1);
    server.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(keys.sk.data(), 32));
  }
  server.set(zmq::sockopt::linger, 0);
  server.bind("tcp://127.0.0.1:*");
  return server.get(zmq::sockopt::last_endpoint);
}

// Connects a CURVE DEALER with `client` keys, sends "hi"; returns the
// server-side User-Id if the server received it within timeout, or "" if not.
std::optional<std::string> try_send(zmq::context_t& ctx, zmq::socket_t& server, const std::string& endpoint,
                                    const CurveKeys& server_keys, const CurveKeys& client, int timeout_ms) {
  zmq::socket_t c(ctx, zmq::socket_type::dealer);
  c.set(zmq::sockopt::linger, 0);
  c.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(server_keys.pk.data(), 32));
  c.set(zmq::sockopt::curve_publickey, zmq::const_buffer(client.pk.data(), 32));
  c.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(client.sk.data(), 32));
  c.connect(endpoint);
  c.send(zmq::str_buffer("hi"), zmq::send_flags::dontwait);
  zmq::pollitem_t item{server.handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, std::chrono::milliseconds(timeout_ms));
  if (!(item.revents & ZMQ_POLLIN)) return std::nullopt;
  zmq::message_t id, body;
  (void)server.recv(id);
  (void)server.recv(body);
  const char* user = zmq_msg_gets(body.handle(), "User-Id");
  return std::string(user ? user : "");
}

}  // namespace

TEST_CASE("libzmq without a ZAP handler admits any CURVE client, so the control case must pass", "[zap]") {
  // This is the hole the broker closes: the same setup without our settings.
  zmq::context_t ctx;
  CurveKeys server_keys, stranger;
  zmq::socket_t server(ctx, zmq::socket_type::router);
  std::string ep = bind_server(server, server_keys, /*fail_closed=*/false);
  auto got = try_send(ctx, server, ep, server_keys, stranger, 3000);
  REQUIRE(got.has_value());
}

TEST_CASE("with the enforced ZAP domain and no handler, nobody is admitted", "[zap]") {
  zmq::context_t ctx;
  CurveKeys server_keys, stranger;
  zmq::socket_t server(ctx, zmq::socket_type::router);
  std::string ep = bind_server(server, server_keys, /*fail_closed=*/true);
  CHECK_FALSE(try_send(ctx, server, ep, server_keys, stranger, 1500).has_value());
}

TEST_CASE("the ZAP handler admits bundle keys under their name and reports strangers", "[zap]") {
  zmq::context_t ctx;
  CurveKeys server_keys, member, stranger;
  zmq::socket_t events(ctx, zmq::socket_type::pull);
  events.bind(kZapEventsEndpoint);
  ZapHandler zap(ctx, {{member.pk, "police.golfe"}});
  REQUIRE(zap.start().ok());
  zmq::socket_t server(ctx, zmq::socket_type::router);
  std::string ep = bind_server(server, server_keys, true);

  auto ok = try_send(ctx, server, ep, server_keys, member, 3000);
  REQUIRE(ok.has_value());
  CHECK(*ok == "police.golfe");

  CHECK_FALSE(try_send(ctx, server, ep, server_keys, stranger, 1500).has_value());
  zmq::pollitem_t item{events.handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, std::chrono::milliseconds(2000));
  REQUIRE((item.revents & ZMQ_POLLIN) != 0);
  zmq::message_t key;
  (void)events.recv(key);
  CHECK(key.to_string() == to_hex(stranger.pk));
  server.close();
  zap.stop();
}
