#include "bench_util.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <chrono>
#include <thread>
#include <sys/prctl.h>
#include <unistd.h>

namespace relais::bench {

int64_t mono_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

void sleep_until_ns(int64_t due_ns) {
  static_assert(sizeof(long) == 8);
  prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);  // per thread; cheap to repeat
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(due_ns / 1000000000);
  ts.tv_nsec = static_cast<long>(due_ns % 1000000000);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

void run_paced(size_t n, double rate, const std::function<bool()>& can_send, const std::function<void(size_t)>& send,
               const std::function<void()>& between, const std::function<bool()>& done,
               const std::function<void(int)>& wait_ms) {
  const double period_ns = 1e9 / rate;
  const int64_t p0 = mono_ns() + 10000000;
  auto due = [&](size_t i) { return p0 + static_cast<int64_t>(period_ns * static_cast<double>(i)); };
  const int64_t deadline = due(n) + 20000000000;
  size_t i = 0;
  while ((i < n || !done()) && mono_ns() < deadline) {
    const int64_t now = mono_ns();
    while (i < n && now >= due(i) && can_send()) send(i++);
    between();
    if (i < n) {
      // Until the next send: in wait_ms while whole milliseconds remain (it
      // reads replies as they come), then asleep.
      for (int64_t left = due(i) - mono_ns(); wait_ms && left >= 1000000; left = due(i) - mono_ns())
        wait_ms(static_cast<int>(left / 1000000));
      if (due(i) > mono_ns()) sleep_until_ns(due(i));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
}

LatencyRecorder deliver_latencies(const std::vector<std::vector<int64_t>>& recv_ns, const std::vector<int64_t>& send_ns,
                                  size_t first, size_t n, size_t* missing) {
  LatencyRecorder lat;
  lat.reserve(recv_ns.size() * n);
  *missing = 0;
  for (const auto& got : recv_ns)
    for (size_t j = first; j < first + n; ++j) {
      if (got[j] == 0 || send_ns[j] == 0) {
        ++*missing;
        continue;
      }
      lat.add(got[j] - send_ns[j]);
    }
  return lat;
}

std::optional<double> process_cpu_seconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  // The command name may hold spaces: fields are counted after the last ')'.
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  const long hz = sysconf(_SC_CLK_TCK);
  return static_cast<double>(utime + stime) / static_cast<double>(hz);
}

std::optional<long> process_status_kib(int pid, std::string_view field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > field.size() && line.compare(0, field.size(), field) == 0 && line[field.size()] == ':')
      return std::stol(line.substr(field.size() + 1));
  }
  return std::nullopt;
}

std::optional<uint64_t> loopback_rx_bytes() {
  std::ifstream in("/proc/net/dev");
  std::string line;
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const size_t name = line.find_first_not_of(' ');
    if (line.compare(name, colon - name, "lo") != 0) continue;
    std::istringstream fields(line.substr(colon + 1));
    uint64_t rx = 0;
    if (fields >> rx) return rx;
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<uint64_t> process_write_bytes(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/io");
  std::string key;
  uint64_t value = 0;
  while (in >> key >> value)
    if (key == "write_bytes:") return value;
  return std::nullopt;
}

std::optional<uint64_t> folder_file_bytes(const std::string& dir) {
  std::error_code ec;
  uint64_t total = 0;
  std::filesystem::recursive_directory_iterator it(dir, ec), end;
  if (ec) return std::nullopt;
  for (; it != end; it.increment(ec)) {
    if (ec) return std::nullopt;
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

void BytesPerMessage::start() {
  disk0_ = process_write_bytes(pid_);
  wire0_ = loopback_rx_bytes();
}

void BytesPerMessage::emit(const std::string& prefix, size_t messages) const {
  const auto wire1 = loopback_rx_bytes();
  const auto disk1 = process_write_bytes(pid_);
  const double n = static_cast<double>(messages > 0 ? messages : 1);
  if (wire0_ && wire1) {
    relais::bench::emit(prefix + ".wire_bytes", std::to_string(*wire1 - *wire0_));
    relais::bench::emit(prefix + ".wire_bytes_per_msg", static_cast<double>(*wire1 - *wire0_) / n, 0);
  }
  if (disk0_ && disk1) {
    relais::bench::emit(prefix + ".disk_write_bytes", std::to_string(*disk1 - *disk0_));
    relais::bench::emit(prefix + ".disk_write_bytes_per_msg", static_cast<double>(*disk1 - *disk0_) / n, 0);
  }
}

void LatencyRecorder::merge(const LatencyRecorder& other) {
  samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
  sorted_ = false;
}

double LatencyRecorder::percentile_ms(double p) {
  if (samples_.empty()) return 0;
  if (!sorted_) std::sort(samples_.begin(), samples_.end());
  sorted_ = true;
  const double rank = p / 100.0 * static_cast<double>(samples_.size() - 1);
  const size_t idx = static_cast<size_t>(std::llround(rank));
  return static_cast<double>(samples_[std::min(idx, samples_.size() - 1)]) / 1e6;
}

void emit(const std::string& key, const std::string& value) {
  std::cout << key << " " << value << std::endl;
}

void emit(const std::string& key, double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  emit(key, std::string(buf));
}

std::string sample_alert_json(size_t bytes) {
  const std::string head =
      R"({"kind":"suspected_trafficking","observed_at":"2025-03-01T14:30:00Z",)"
      R"("location":{"region":"maritime","prefecture":"golfe","detail":"Assigame market, east entrance"},)"
      R"("subject_count":3,"age_band":"9-17","minor_involved":true,"reliability":"B","accuracy":2,)"
      R"("gender":"female","suspected_exploitation":["forced_labour","child_labour"],"description":")";
  const std::string tail = R"("})";
  std::string desc = "Three girls, apparently under 15, unloaded from a minibus and led away by an adult man. ";
  const size_t fixed = head.size() + tail.size();
  const size_t want = bytes > fixed + 20 ? bytes - fixed : 20;
  std::string d;
  while (d.size() < want) d += desc;
  d.resize(want);
  return head + d + tail;
}

ByteView envelope_id(ByteView envelope) {
  static constexpr uint8_t kPat[] = {0xa2, 'i', 'd', 0xc4, 0x10};
  const size_t scan = std::min<size_t>(envelope.size(), 64);
  for (size_t i = 0; i + sizeof kPat + 16 <= envelope.size() && i < scan; ++i)
    if (std::memcmp(envelope.data() + i, kPat, sizeof kPat) == 0) return envelope.subspan(i + sizeof kPat, 16);
  return {};
}

}  // namespace relais::bench
