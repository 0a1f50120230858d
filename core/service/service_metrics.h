// ServiceMetrics: the agent service's /metrics (Prometheus text format) and
// /healthz, on [metrics] listen (default 127.0.0.1:9471), served by the
// shared HTTP wrapper (http/server.h) on its own threads.
//
// Contract: the service loop publishes a ServiceSnapshot (publish(), about
// once a second); the HTTP handlers read only the latest one, under a mutex,
// never the store or the session. /healthz answers 200 "ok" while the loop
// has published within kStaleMs, else 503 (a stalled loop). The page names
// no message, no person and no document value: only counts, times and the
// bundle serial.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "http/server.h"
#include "store/store.h"
#include "util/status.h"

namespace relais {

struct ServiceSnapshot {
  int64_t published_ms = 0;       // when the loop made it (0: never)
  int64_t started_ms = 0;
  bool connected = false;
  int64_t last_contact_ms = 0;    // last answer from the broker (0: none yet)
  uint64_t bundle_serial = 0;
  StoreCounts store;
};

// The Prometheus text of a snapshot, at now_ms.
std::string render_service_metrics(const ServiceSnapshot& s, int64_t now_ms);

class ServiceMetrics {
 public:
  static constexpr int64_t kStaleMs = 15000;

  ServiceMetrics() = default;
  ~ServiceMetrics();
  ServiceMetrics(const ServiceMetrics&) = delete;
  ServiceMetrics& operator=(const ServiceMetrics&) = delete;

  // Listens on "HOST:PORT" (port 0: an ephemeral one); Status::Config when it cannot.
  Status start(const std::string& listen);
  void stop();
  int port() const { return http_ ? http_->port() : 0; }

  void publish(const ServiceSnapshot& s);
  ServiceSnapshot latest() const;

 private:
  mutable std::mutex mu_;
  ServiceSnapshot latest_;
  std::unique_ptr<HttpServer> http_;
};

}  // namespace relais
