#include "curve_sockets.h"

namespace relais::bench {
namespace {
constexpr int kDeepHwm = 100000;  // the benchmarks keep up to a window of 1000 in flight per peer
}  // namespace

CurveKeypair::CurveKeypair() {
  zmq_curve_keypair(pub, sec);
  zmq_z85_decode(raw_pub, pub);
}

zmq::socket_t curve_router(zmq::context_t& ctx, const CurveKeypair& server) {
  zmq::socket_t router(ctx, zmq::socket_type::router);
  router.set(zmq::sockopt::curve_server, 1);
  router.set(zmq::sockopt::curve_secretkey, std::string(server.sec));
  router.set(zmq::sockopt::sndhwm, kDeepHwm);
  router.set(zmq::sockopt::rcvhwm, kDeepHwm);
  router.set(zmq::sockopt::router_mandatory, 1);
  router.set(zmq::sockopt::linger, 0);
  return router;
}

zmq::socket_t curve_dealer(zmq::context_t& ctx, const std::string& endpoint, const CurveKeypair& server,
                           const CurveKeypair& client) {
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::curve_serverkey, std::string(server.pub));
  s.set(zmq::sockopt::curve_publickey, std::string(client.pub));
  s.set(zmq::sockopt::curve_secretkey, std::string(client.sec));
  s.set(zmq::sockopt::sndhwm, kDeepHwm);
  s.set(zmq::sockopt::rcvhwm, kDeepHwm);
  s.set(zmq::sockopt::linger, 0);
  s.connect(endpoint);
  return s;
}

}  // namespace relais::bench
