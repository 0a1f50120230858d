#include "broker/metrics.h"

#include <filesystem>
#include <sys/statvfs.h>

#include "net/protocol.h"

namespace relais {
namespace {

class Page {
 public:
  void family(const char* name, const char* type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void sample(const std::string& name, const std::string& labels, double v) {
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    out_ += ' ';
    char buf[64];
    if (v == static_cast<double>(static_cast<int64_t>(v)))
      std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
    else
      std::snprintf(buf, sizeof buf, "%.6f", v);
    out_ += buf;
    out_ += '\n';
  }
  void one(const char* name, const char* type, const char* help, double v) {
    family(name, type, help);
    sample(name, "", v);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

void BrokerCounters::count_sent(Command cmd, ByteView args) {
  switch (cmd) {
    case Command::kPubAck:
      ++publishes_accepted;
      break;
    case Command::kMsg:
      ++deliveries;
      // MSG args end with the delivery count, packed as a positive fixint
      // (one byte) while it is below 128, which max_deliver (at most 1000)
      // makes the rule: 0x01 there is a first delivery.
      if (args.empty() || args[args.size() - 1] != 0x01) ++redeliveries;
      break;
    case Command::kError: {
      ErrorArgs e;
      if (decode_args(args, &e).ok() && static_cast<size_t>(e.code) < refusals.size())
        ++refusals[static_cast<size_t>(e.code)];
      break;
    }
    default:
      break;
  }
}

DataDirUsage data_dir_usage(const std::string& data_dir) {
  namespace fs = std::filesystem;
  DataDirUsage u;
  std::error_code ec;
  for (fs::directory_iterator it(data_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != ".log") continue;
    std::error_code ec2;
    const auto size = it->file_size(ec2);
    if (ec2) continue;
    u.log_bytes += size;
    ++u.log_segments;
  }
  struct statvfs vfs {};
  if (ec || ::statvfs(data_dir.c_str(), &vfs) != 0) return u;
  u.free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  u.ok = true;
  return u;
}

namespace {

// One LatencyHistogram as a Prometheus histogram in seconds.
void histogram(Page& p, const char* name, const char* help, const LatencyHistogram& h) {
  const std::string n = name;
  p.family(name, "histogram", help);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < LatencyHistogram::kBoundsUs.size(); ++i) {
    cumulative += h.bucket(i);
    char le[32];
    std::snprintf(le, sizeof le, "%g", static_cast<double>(LatencyHistogram::kBoundsUs[i]) / 1e6);
    p.sample(n + "_bucket", std::string("le=\"") + le + "\"", static_cast<double>(cumulative));
  }
  cumulative += h.bucket(LatencyHistogram::kBoundsUs.size());
  p.sample(n + "_bucket", "le=\"+Inf\"", static_cast<double>(cumulative));
  p.sample(n + "_sum", "", static_cast<double>(h.sum_us()) / 1e6);
  p.sample(n + "_count", "", static_cast<double>(cumulative));
}

}  // namespace

std::string format_metrics(const MetricsSnapshot& s, const DataDirUsage& disk, const LatencyHistogram& sync,
                           const PublishStages& stages, int64_t now_ms) {
  Page p;
  const BrokerCounters& c = s.counters;
  p.one("relais_up", "gauge", "1 while the broker serves (this page answers only then).", 1);
  p.one("relais_start_time_seconds", "gauge", "When the broker process started (Unix time).",
        static_cast<double>(s.started_ms) / 1000.0);
  p.one("relais_publishes_accepted_total", "counter",
        "Publishes accepted and acknowledged (a retried duplicate is acknowledged again).",
        static_cast<double>(c.publishes_accepted));
  p.family("relais_refusals_total", "counter", "Requests refused, by error code (docs/protocol.md).");
  for (size_t code = 1; code < c.refusals.size(); ++code) {
    const std::string_view name = error_code_name(static_cast<ErrorCode>(code));
    if (name.empty() || name == "unknown") continue;
    p.sample("relais_refusals_total", "code=\"" + std::string(name) + "\"", static_cast<double>(c.refusals[code]));
  }
  p.one("relais_deliveries_total", "counter", "Messages delivered to subscribers (redeliveries included).",
        static_cast<double>(c.deliveries));
  p.one("relais_redeliveries_total", "counter", "Deliveries of a message already delivered once to that subscription.",
        static_cast<double>(c.redeliveries));
  p.one("relais_acks_total", "counter", "ACK commands received from subscribers.", static_cast<double>(c.acks));
  p.one("relais_nacks_total", "counter", "NACK commands received from subscribers (a reader refused a message).",
        static_cast<double>(c.nacks));
  p.one("relais_auth_failures_total", "counter", "Handshakes refused (unknown, revoked or malformed keys).",
        static_cast<double>(c.auth_failures));
  p.one("relais_dead_letters_total", "counter",
        "Messages given up after max_deliver deliveries without an acknowledgement.",
        static_cast<double>(s.dead_letters));
  // Per durable subscription and mailbox ("@mailbox"), attached or waiting
  // on disk (SubscriptionManager::durable_status); names are validated
  // ([a-z0-9._-] and '@'), so they need no escaping as label values.
  auto per_durable = [&p, &s](const char* name, const char* help, auto value) {
    p.family(name, "gauge", help);
    for (const auto& d : s.durables)
      p.sample(name, "owner=\"" + d.owner + "\",name=\"" + d.name + "\"", static_cast<double>(value(d)));
  };
  per_durable("relais_durable_backlog_records",
              "Log records from a durable subscription's cursor to the log's end (an upper bound on what waits for it).",
              [](const DurableStatus& d) { return d.backlog_records; });
  per_durable("relais_durable_unacked", "Messages delivered to a durable subscription and not yet acknowledged.",
              [](const DurableStatus& d) { return d.in_flight; });
  per_durable("relais_durable_oldest_unacked_seconds",
              "How long the oldest unacknowledged delivery of a durable subscription has waited (0: none).",
              [](const DurableStatus& d) { return static_cast<double>(d.oldest_unacked_ms) / 1000.0; });
  per_durable("relais_durable_attached", "1 while a session holds the durable subscription, else 0.",
              [](const DurableStatus& d) { return d.attached ? 1 : 0; });
  p.one("relais_sessions", "gauge", "Sessions open (participants connected, one per connection).",
        static_cast<double>(s.sessions));
  p.one("relais_cache_bytes", "gauge", "Envelope bytes in the delivery cache (bound: cache_bytes).",
        static_cast<double>(s.cache_bytes));
  p.one("relais_pending_bytes", "gauge", "Envelope bytes accepted and not yet durable (bound: max_pending_bytes).",
        static_cast<double>(s.pending_bytes));
  p.one("relais_in_flight_bytes", "gauge", "Envelope bytes delivered and not yet acknowledged, all sessions.",
        static_cast<double>(s.in_flight_bytes));
  p.one("relais_bundle_serial", "gauge", "Serial of the trust bundle in force.", static_cast<double>(s.bundle_serial));
  p.one("relais_log_last_durable_seq", "gauge", "Sequence number of the last record synced to the log.",
        static_cast<double>(s.last_durable_seq));
  p.one("relais_checkpoint_timestamp_seconds", "gauge",
        "When the latest signed checkpoint was made (Unix time; 0: none yet).",
        static_cast<double>(s.checkpoint_ts_ms) / 1000.0);
  p.one("relais_checkpoint_age_seconds", "gauge",
        "Seconds since the latest signed checkpoint (since the start when there is none).",
        static_cast<double>(now_ms - (s.checkpoint_ts_ms > 0 ? s.checkpoint_ts_ms : s.started_ms)) / 1000.0);
  p.one("relais_snapshot_age_seconds", "gauge", "Age of the counters on this page (the broker publishes them).",
        static_cast<double>(now_ms - s.taken_ms) / 1000.0);
  if (disk.ok) {
    p.one("relais_log_bytes", "gauge", "Bytes of the log's segment files.", static_cast<double>(disk.log_bytes));
    p.one("relais_log_segments", "gauge", "Segment files of the log.", static_cast<double>(disk.log_segments));
    p.one("relais_data_free_bytes", "gauge", "Free bytes (for the broker's user) on the data folder's file system.",
          static_cast<double>(disk.free_bytes));
  }
  histogram(p, "relais_log_sync_seconds", "Duration of each group-commit sync of the log.", sync);
  histogram(p, "relais_publish_verify_seconds",
            "Per acknowledged publish: from its decoding to its signature checked (verify queue and check).",
            stages.verify);
  histogram(p, "relais_publish_log_seconds",
            "Per acknowledged publish: from its signature checked to its record durable (log queue, write, sync).",
            stages.log);
  histogram(p, "relais_publish_seconds",
            "Per acknowledged publish: from its decoding to its acknowledgement handed to the network.", stages.total);
  return p.take();
}

}  // namespace relais
