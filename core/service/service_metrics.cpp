#include "service/service_metrics.h"

#include "util/clock.h"

namespace relais {
namespace {

void family(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void sample(std::string& out, const std::string& name_and_labels, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  out += name_and_labels + " " + buf + "\n";
}

}  // namespace

std::string render_service_metrics(const ServiceSnapshot& s, int64_t now_ms) {
  std::string o;
  o.reserve(2048);
  family(o, "relais_agent_up", "gauge", "1 while the agent service's loop runs.");
  sample(o, "relais_agent_up", s.published_ms != 0 ? 1 : 0);
  family(o, "relais_agent_start_time_seconds", "gauge", "When the service started (Unix time).");
  sample(o, "relais_agent_start_time_seconds", static_cast<double>(s.started_ms) / 1000.0);
  family(o, "relais_agent_broker_connected", "gauge", "1 while the service has a session with the broker.");
  sample(o, "relais_agent_broker_connected", s.connected ? 1 : 0);
  family(o, "relais_agent_broker_last_contact_seconds", "gauge",
         "Seconds since the broker last answered (absent until it has).");
  if (s.last_contact_ms > 0)
    sample(o, "relais_agent_broker_last_contact_seconds", static_cast<double>(now_ms - s.last_contact_ms) / 1000.0);
  family(o, "relais_agent_bundle_serial", "gauge", "The trust bundle serial the service uses.");
  sample(o, "relais_agent_bundle_serial", static_cast<double>(s.bundle_serial));
  family(o, "relais_agent_outbox_entries", "gauge", "Outbox entries by status.");
  sample(o, "relais_agent_outbox_entries{status=\"queued\"}", static_cast<double>(s.store.outbox_queued));
  sample(o, "relais_agent_outbox_entries{status=\"logged\"}", static_cast<double>(s.store.outbox_logged));
  sample(o, "relais_agent_outbox_entries{status=\"refused\"}", static_cast<double>(s.store.outbox_refused));
  family(o, "relais_agent_outbox_oldest_queued_seconds", "gauge",
         "Age of the oldest queued outbox entry (0 when none is queued).");
  sample(o, "relais_agent_outbox_oldest_queued_seconds",
         s.store.oldest_queued_ms > 0 ? static_cast<double>(now_ms - s.store.oldest_queued_ms) / 1000.0 : 0.0);
  family(o, "relais_agent_inbox_messages", "gauge", "Stored received messages, and those not read yet.");
  sample(o, "relais_agent_inbox_messages{status=\"all\"}", static_cast<double>(s.store.inbox_total));
  sample(o, "relais_agent_inbox_messages{status=\"new\"}", static_cast<double>(s.store.inbox_new));
  family(o, "relais_agent_store_bytes", "gauge", "Size of the local store (store.db and its write-ahead log).");
  sample(o, "relais_agent_store_bytes", static_cast<double>(s.store.file_bytes));
  return o;
}

ServiceMetrics::~ServiceMetrics() { stop(); }

Status ServiceMetrics::start(const std::string& listen) {
  auto hp = parse_host_port(listen);
  if (!hp.ok())
    return Status::Config("metrics.listen \"" + listen + "\" is not HOST:PORT (for example 127.0.0.1:9471)");
  HttpLimits lim;  // 4 KiB bodies, 10 s timeouts, keep-alive 5, 2 threads
  http_ = std::make_unique<HttpServer>(*hp, lim);
  http_->get("/metrics", [this] {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = render_service_metrics(latest(), now_ms());
    return r;
  });
  http_->get("/healthz", [this] {
    HttpResponse r;
    const ServiceSnapshot s = latest();
    const bool alive = s.published_ms != 0 && now_ms() - s.published_ms <= kStaleMs;
    r.status = alive ? 200 : 503;
    r.body = alive ? "ok\n" : "the agent service's loop has not reported for a while: see its log\n";
    return r;
  });
  Status s = http_->start();
  if (!s.ok()) http_.reset();
  return s;
}

void ServiceMetrics::stop() {
  if (http_) {
    http_->stop();
    http_.reset();
  }
}

void ServiceMetrics::publish(const ServiceSnapshot& s) {
  std::lock_guard lock(mu_);
  latest_ = s;
}

ServiceSnapshot ServiceMetrics::latest() const {
  std::lock_guard lock(mu_);
  return latest_;
}

}  // namespace relais
