// The broker's /metrics and /healthz (see metrics_endpoint.h).
#include "broker/metrics_endpoint.h"

#include <spdlog/spdlog.h>

#include "util/clock.h"

namespace relais {

MetricsEndpoint::MetricsEndpoint(MetricsBoard& board, const Log& log, const PublishStages& stages, std::string data_dir,
                                 int64_t publish_interval_ms)
    : board_(board),
      log_(log),
      stages_(stages),
      data_dir_(std::move(data_dir)),
      publish_interval_ms_(publish_interval_ms) {}

MetricsEndpoint::~MetricsEndpoint() { stop(); }

Status MetricsEndpoint::start(const std::string& listen) {
  auto where = parse_host_port(listen);
  if (!where.ok()) return Status::Config("broker: metrics.listen: " + where.status().message());
  HttpLimits limits;  // 4 KiB bodies, 10 s timeouts, 5 requests per connection
  http_ = std::make_unique<HttpServer>(*where, limits);
  http_->get("/metrics", [this] {
    board_.request();  // the broker's next loop turn publishes a fresh one
    MetricsSnapshot m;
    if (!board_.latest(&m)) return HttpResponse{503, "text/plain; charset=utf-8", "starting\n"};
    return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8",
                        format_metrics(m, data_dir_usage(data_dir_), log_.sync_latency(), stages_, now_ms())};
  });
  http_->get("/healthz", [this] {
    MetricsSnapshot m;
    if (!board_.latest(&m) || now_ms() - m.taken_ms > 10 * publish_interval_ms_ + 5000)
      return HttpResponse{503, "text/plain; charset=utf-8", "stalled: the broker's loop has not run for seconds\n"};
    return HttpResponse{200, "text/plain; charset=utf-8", "ok\n"};
  });
  Status st = http_->start();
  if (!st.ok()) {
    http_.reset();
    return Status::Config("broker: metrics.listen: " + st.message());
  }
  spdlog::info("relais-broker metrics on http://{}:{}/metrics", where->host, http_->port());
  return Status::Ok();
}

void MetricsEndpoint::stop() {
  if (http_) http_->stop();
  http_.reset();
}

}  // namespace relais
