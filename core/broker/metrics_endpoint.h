// MetricsEndpoint: the broker's /metrics and /healthz, served by the shared
// HTTP wrapper (http/server.h) on its own threads.
//
// Contract: the handlers read only the MetricsBoard's latest snapshot (a
// scrape also asks the broker's thread for a fresh one), the log's lock-free
// sync histogram, the ingest's lock-free stage histograms (publish_stages.h)
// and the data folder's files and free space: never other engine state.
// /healthz answers 503 when the broker's thread has not published for 10
// publish intervals plus 5 s (a stalled loop). start() and stop() from the
// broker's thread; board, log and stages must outlive the endpoint (stop()
// first).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "broker/metrics.h"
#include "broker/publish_stages.h"
#include "http/server.h"
#include "log/log.h"
#include "util/status.h"

namespace relais {

class MetricsEndpoint {
 public:
  MetricsEndpoint(MetricsBoard& board, const Log& log, const PublishStages& stages, std::string data_dir,
                  int64_t publish_interval_ms);
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  // Listens on "host:port" (port 0: an ephemeral one). Status::Config naming
  // the setting when it cannot.
  Status start(const std::string& listen);
  void stop();
  int port() const { return http_ ? http_->port() : 0; }

 private:
  MetricsBoard& board_;
  const Log& log_;
  const PublishStages& stages_;
  const std::string data_dir_;
  const int64_t publish_interval_ms_;
  std::unique_ptr<HttpServer> http_;
};

}  // namespace relais
