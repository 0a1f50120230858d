#include "broker_syncs.h"

#include <cstdlib>
#include <httplib.h>
#include <limits>
#include <sstream>

#include "bench_util.h"

namespace relais::bench {

std::optional<BrokerSyncs::Snapshot> BrokerSyncs::fetch() const {
  if (port_ <= 0) return std::nullopt;
  httplib::Client cli("127.0.0.1", port_);
  cli.set_connection_timeout(2);
  cli.set_read_timeout(5);
  auto r = cli.Get("/metrics");
  if (!r || r->status != 200) return std::nullopt;
  static const std::string kBucket = "relais_log_sync_seconds_bucket{le=\"";
  static const std::string kSum = "relais_log_sync_seconds_sum ";
  Snapshot out;
  std::istringstream in(r->body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(kSum, 0) == 0) out.sum_seconds = std::strtod(line.c_str() + kSum.size(), nullptr);
    if (line.rfind(kBucket, 0) != 0) continue;
    const size_t q = line.find('"', kBucket.size());
    const size_t sp = line.rfind(' ');
    if (q == std::string::npos || sp == std::string::npos || sp < q) continue;
    const std::string le = line.substr(kBucket.size(), q - kBucket.size());
    const double bound = le == "+Inf" ? std::numeric_limits<double>::infinity() : std::strtod(le.c_str(), nullptr);
    out.buckets.emplace_back(bound, static_cast<uint64_t>(std::strtod(line.c_str() + sp + 1, nullptr)));
  }
  if (out.buckets.empty()) return std::nullopt;
  return out;
}

void BrokerSyncs::take() { before_ = fetch(); }

void BrokerSyncs::emit(const std::string& prefix) {
  if (!before_) return;
  const auto after = fetch();
  if (!after || after->buckets.size() != before_->buckets.size()) return;
  const auto& a = after->buckets;
  auto delta = [&](size_t i) { return a[i].second - before_->buckets[i].second; };
  const uint64_t total = delta(a.size() - 1);
  // Syncs at or under a bound (one of the histogram's).
  auto upto = [&](double le) {
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i].first == le) return delta(i);
    return total;
  };
  double p99_le = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < a.size() && total > 0; ++i)
    if (delta(i) * 100 >= total * 99) {
      p99_le = a[i].first;
      break;
    }
  relais::bench::emit(prefix + ".broker_syncs", std::to_string(total));
  relais::bench::emit(prefix + ".broker_syncs_over_2_5ms", std::to_string(total - upto(0.0025)));
  relais::bench::emit(prefix + ".broker_syncs_over_5ms", std::to_string(total - upto(0.005)));
  relais::bench::emit(prefix + ".broker_syncs_over_10ms", std::to_string(total - upto(0.01)));
  relais::bench::emit(prefix + ".broker_syncs_over_25ms", std::to_string(total - upto(0.025)));
  relais::bench::emit(prefix + ".broker_syncs_over_100ms", std::to_string(total - upto(0.1)));
  relais::bench::emit(prefix + ".broker_sync_seconds", after->sum_seconds - before_->sum_seconds, 3);
  if (total > 0) {
    if (p99_le == std::numeric_limits<double>::infinity())
      relais::bench::emit(prefix + ".broker_sync_p99_le_ms", "over 1000");
    else
      relais::bench::emit(prefix + ".broker_sync_p99_le_ms", p99_le * 1e3, 1);
  }
  before_ = after;
}

}  // namespace relais::bench
