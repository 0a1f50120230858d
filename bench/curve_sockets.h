// CurveZMQ sockets for the baseline benchmarks (forwarder, minimal secure
// broker), which run their own bare ROUTER instead of relais-broker.
//   CurveKeypair   a fresh keypair, Z85 text (for socket options) and raw.
//   curve_router   a CURVE-server ROUTER with deep HWMs, router_mandatory
//                  and no linger; the caller adds options (ZAP) and binds.
//   curve_dealer   a DEALER connected to `endpoint` as `client`, same HWMs.
// Throw zmq::error_t like cppzmq does.
#pragma once

#include <cstdint>
#include <string>
#include <zmq.hpp>

namespace relais::bench {

struct CurveKeypair {
  char pub[41] = {};
  char sec[41] = {};
  uint8_t raw_pub[32] = {};
  CurveKeypair();
};

zmq::socket_t curve_router(zmq::context_t& ctx, const CurveKeypair& server);
zmq::socket_t curve_dealer(zmq::context_t& ctx, const std::string& endpoint, const CurveKeypair& server,
                           const CurveKeypair& client);

}  // namespace relais::bench
