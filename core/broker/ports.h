// The broker engine's seams: what it needs from the outside world, behind
// small interfaces, so that the engine runs the same under the ZeroMQ adapter
// (broker.cpp) and under tests fed by hand (tests/broker/engine_test.cpp).
//
//   Clock              wall time (receipts, clock-skew and expiry checks,
//                      dedup windows) and monotonic time (timers: ack
//                      deadlines, heartbeats, event batching).
//   Transport          sends one protocol command to a session, as one packed
//                      frame (net/framing.h). Fire and forget: a send that
//                      cannot be done is dropped, as ZeroMQ does for a peer
//                      that has gone (the agent retries).
//   SignatureVerifier  Ed25519 checks of envelopes, possibly on other threads
//                      (VerifyPool); results come back through drain().
//   Gatekeeper         who may complete a handshake (the ZAP handler's
//                      allowlist), replaced by a reload.
//
// The log is the real Log (core/log), which has its own file-system seam.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "crypto/hashing.h"
#include "crypto/keys.h"
#include "net/protocol.h"
#include "util/bytes.h"

namespace relais {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now_ms() const = 0;        // ms since the Unix epoch
  virtual int64_t monotonic_ms() const = 0;  // never goes back
  // The same clock in microseconds, for the metrics' stage timings only.
  virtual int64_t monotonic_us() const { return monotonic_ms() * 1000; }
};

// The process clock (util/clock.h). Stateless; one instance serves everyone.
class SystemClock final : public Clock {
 public:
  int64_t now_ms() const override;
  int64_t monotonic_ms() const override;
  int64_t monotonic_us() const override;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // rid: the session's routing id. extra: the envelope of a MSG, empty
  // otherwise. The views need only live for the call.
  virtual void send(const std::string& rid, Command cmd, ByteView args, ByteView extra) = 0;
};

// One signature check: the views must stay valid until its result is drained.
struct VerifyJob {
  uint64_t token = 0;
  ByteView core;
  ByteView ct;
  std::array<uint8_t, 64> sig{};
  PublicKey pk{};
};

// Its outcome, with the BLAKE2b-256 hashes of core and ct the log needs.
struct VerifyResult {
  uint64_t token = 0;
  bool ok = false;
  Hash256 core_hash{};
  Hash256 ct_hash{};
};

// submit/drain/stop from the engine's thread only.
class SignatureVerifier {
 public:
  virtual ~SignatureVerifier() = default;
  virtual void submit(const VerifyJob& job) = 0;
  // Appends every finished result to *out (no order promised).
  virtual void drain(std::vector<VerifyResult>* out) = 0;
  // Finishes every submitted job, so that drain() then returns all of them;
  // later submits are checked at once.
  virtual void stop() = 0;
};

// The handshake allowlist: link public key -> participant name. allow()
// replaces it as one step: a handshake that starts after allow() returns is
// judged by the new list only.
class Gatekeeper {
 public:
  virtual ~Gatekeeper() = default;
  virtual void allow(std::map<PublicKey, std::string> allowlist) = 0;
};

}  // namespace relais
