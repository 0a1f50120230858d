#include "broker_timings.h"

#include <cstdlib>
#include <httplib.h>
#include <limits>
#include <sstream>

#include "bench_util.h"

namespace relais::bench {
namespace {

constexpr const char* kFamilies[] = {"relais_log_sync_seconds", "relais_publish_verify_seconds",
                                     "relais_publish_log_seconds", "relais_publish_seconds"};

}  // namespace

std::optional<BrokerTimings::Snapshot> BrokerTimings::fetch() const {
  if (port_ <= 0) return std::nullopt;
  httplib::Client cli("127.0.0.1", port_);
  cli.set_connection_timeout(2);
  cli.set_read_timeout(5);
  auto r = cli.Get("/metrics");
  if (!r || r->status != 200) return std::nullopt;
  Snapshot out;
  std::istringstream in(r->body);
  std::string line;
  while (std::getline(in, line)) {
    for (const char* family : kFamilies) {
      const std::string bucket = std::string(family) + "_bucket{le=\"";
      const std::string sum = std::string(family) + "_sum ";
      if (line.rfind(sum, 0) == 0) out[family].sum_seconds = std::strtod(line.c_str() + sum.size(), nullptr);
      if (line.rfind(bucket, 0) != 0) continue;
      const size_t q = line.find('"', bucket.size());
      const size_t sp = line.rfind(' ');
      if (q == std::string::npos || sp == std::string::npos || sp < q) continue;
      const std::string le = line.substr(bucket.size(), q - bucket.size());
      const double bound = le == "+Inf" ? std::numeric_limits<double>::infinity() : std::strtod(le.c_str(), nullptr);
      out[family].buckets.emplace_back(bound, static_cast<uint64_t>(std::strtod(line.c_str() + sp + 1, nullptr)));
    }
  }
  if (out.empty()) return std::nullopt;
  return out;
}

void BrokerTimings::take() { before_ = fetch(); }

void BrokerTimings::emit(const std::string& prefix) {
  if (!before_) return;
  const auto after = fetch();
  if (!after) return;
  // One family's difference: observations, those over `le` seconds (a bucket
  // bound), the p99's bucket bound and the total time.
  struct Delta {
    uint64_t total = 0;
    double seconds = 0;
    double p99_le = std::numeric_limits<double>::infinity();
    std::map<double, uint64_t> upto;  // le -> observations at or under it
    uint64_t over(double le) const {
      auto it = upto.find(le);
      return it == upto.end() ? 0 : total - it->second;
    }
  };
  auto delta_of = [&](const char* family) -> std::optional<Delta> {
    auto a = after->find(family);
    auto b = before_->find(family);
    if (a == after->end() || b == before_->end() || a->second.buckets.size() != b->second.buckets.size() ||
        a->second.buckets.empty())
      return std::nullopt;
    const auto& ab = a->second.buckets;
    const auto& bb = b->second.buckets;
    Delta d;
    d.total = ab.back().second - bb.back().second;
    d.seconds = a->second.sum_seconds - b->second.sum_seconds;
    // A broker restarted within the phase starts its counters again from
    // zero: its differences would wrap, so the phase gets no figures.
    for (size_t i = 0; i < ab.size(); ++i)
      if (ab[i].first != bb[i].first || ab[i].second < bb[i].second) return std::nullopt;
    for (size_t i = 0; i < ab.size(); ++i) {
      const uint64_t n = ab[i].second - bb[i].second;
      d.upto[ab[i].first] = n;
      if (d.total > 0 && d.p99_le == std::numeric_limits<double>::infinity() && n * 100 >= d.total * 99)
        d.p99_le = ab[i].first;
    }
    return d;
  };
  auto p99_text = [](const Delta& d) -> std::string {
    if (d.p99_le == std::numeric_limits<double>::infinity()) return "over 1000";
    std::ostringstream o;
    o << d.p99_le * 1e3;
    return o.str();
  };
  if (auto s = delta_of("relais_log_sync_seconds")) {
    relais::bench::emit(prefix + ".broker_syncs", std::to_string(s->total));
    relais::bench::emit(prefix + ".broker_syncs_over_2_5ms", std::to_string(s->over(0.0025)));
    relais::bench::emit(prefix + ".broker_syncs_over_5ms", std::to_string(s->over(0.005)));
    relais::bench::emit(prefix + ".broker_syncs_over_10ms", std::to_string(s->over(0.01)));
    relais::bench::emit(prefix + ".broker_syncs_over_25ms", std::to_string(s->over(0.025)));
    relais::bench::emit(prefix + ".broker_syncs_over_100ms", std::to_string(s->over(0.1)));
    relais::bench::emit(prefix + ".broker_sync_seconds", s->seconds, 3);
    if (s->total > 0) relais::bench::emit(prefix + ".broker_sync_p99_le_ms", p99_text(*s));
  }
  const std::pair<const char*, const char*> stages[] = {{"verify", "relais_publish_verify_seconds"},
                                                        {"log", "relais_publish_log_seconds"},
                                                        {"total", "relais_publish_seconds"}};
  for (const auto& [name, family] : stages) {
    auto d = delta_of(family);
    if (!d || d->total == 0) continue;
    const std::string k = prefix + ".broker_" + name;
    relais::bench::emit(k + "_mean_ms", d->seconds * 1e3 / static_cast<double>(d->total), 3);
    relais::bench::emit(k + "_p99_le_ms", p99_text(*d));
    relais::bench::emit(k + "_over_2_5ms", std::to_string(d->over(0.0025)));
  }
  before_ = after;
}

}  // namespace relais::bench
