#include "broker/auth_failures.h"

#include <algorithm>
#include <spdlog/spdlog.h>
#include <vector>

#include "util/log_text.h"

namespace relais {

AuthFailureLog::AuthFailureLog(EventRecorder& events, const Clock& clock, int64_t interval_ms)
    : events_(events), clock_(clock), interval_ms_(std::max<int64_t>(interval_ms, 1)) {
  const int64_t per_interval = kMaxEventsPerMinute * interval_ms_ / 60000;
  events_per_interval_ = static_cast<size_t>(std::max<int64_t>(per_interval, 2));
}

void AuthFailureLog::record(std::string_view key, std::string_view addr, std::string_view why) {
  if (interval_start_ms_ == 0) interval_start_ms_ = std::max<int64_t>(clock_.monotonic_ms(), 1);
  ++total_;
  const std::string source(addr.substr(0, 64));
  if (sources_.count(source) == 0) {
    if (sources_.size() >= kMaxSources) {
      ++other_;
      return;
    }
    sources_.insert(source);
  }
  Count& c = counts_[{source, std::string(why.substr(0, 128))}];
  ++c.n;
  c.last_key.assign(key.substr(0, 64));
}

void AuthFailureLog::flush(bool force) {
  if (interval_start_ms_ == 0) return;
  if (!force && clock_.monotonic_ms() - interval_start_ms_ < interval_ms_) return;
  // The busiest pairs get their own event; the rest are summed into "other".
  std::vector<std::pair<const std::pair<std::string, std::string>*, const Count*>> order;
  order.reserve(counts_.size());
  for (const auto& [k, c] : counts_) order.emplace_back(&k, &c);
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second->n > b.second->n; });
  const size_t own = order.size() + (other_ ? 1 : 0) <= events_per_interval_ ? order.size() : events_per_interval_ - 1;
  uint64_t other = other_;
  for (size_t i = own; i < order.size(); ++i) other += order[i].second->n;
  for (size_t i = 0; i < own; ++i) {
    const auto& [addr, why] = *order[i].first;
    events_.begin("auth_failure", 5)
        .str("key", order[i].second->last_key)
        .str("addr", addr)
        .str("why", why)
        .u64("count", order[i].second->n)
        .u64("interval_ms", static_cast<uint64_t>(interval_ms_));
    events_.commit();
  }
  if (other) {
    events_.begin("auth_failure", 5)
        .str("key", "")
        .str("addr", "other")
        .str("why", "several")
        .u64("count", other)
        .u64("interval_ms", static_cast<uint64_t>(interval_ms_));
    events_.commit();
  }
  const auto& first = order.empty() ? nullptr : order.front().first;
  spdlog::warn("authentication refused {} times from {} sources in the last {} s{}{}", total_,
               sources_.size() + (other_ ? 1 : 0), interval_ms_ / 1000, first ? "; most from " : "",
               first ? log_text(first->first, 64) + " (" + log_text(first->second, 128) + ")" : std::string());
  counts_.clear();
  sources_.clear();
  other_ = 0;
  total_ = 0;
  interval_start_ms_ = 0;
}

}  // namespace relais
