// Helpers shared by the benchmark programs: process statistics from /proc,
// latency percentiles, the 1 KB sample alert, and the "key value" result
// lines that bench/run.sh collects into bench/RESULTS.md.
// Not part of the product: nothing here is linked into core/.
// Thread-safety: plain functions; LatencyRecorder is used by one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/bytes.h"

namespace relais::bench {

// Monotonic nanoseconds (CLOCK_MONOTONIC), comparable across threads.
int64_t mono_ns();

// Sleeps until mono_ns() >= due_ns in one timed wait (clock_nanosleep on the
// absolute time), with the calling thread's timer slack set to 1 µs so it
// wakes on time. A paced load generator must not spin or wake in small steps:
// on a shared 2-core machine that CPU is taken from the system being measured.
void sleep_until_ns(int64_t due_ns);

// utime+stime of a process in seconds (/proc/PID/stat); nullopt if unreadable.
std::optional<double> process_cpu_seconds(int pid);
// A "VmHWM" / "VmRSS" field of /proc/PID/status in KiB; nullopt if unreadable.
std::optional<long> process_status_kib(int pid, std::string_view field);

// Bytes received on the loopback interface `lo` (/proc/net/dev, rx side, so
// each byte sent between two local processes is counted once, with its
// IP/TCP headers); nullopt if unreadable. The whole machine's loopback: other
// local traffic in the same interval is counted too.
std::optional<uint64_t> loopback_rx_bytes();
// The write_bytes field of /proc/PID/io: bytes the process caused to be
// written to storage (counted when it dirties page-cache pages: a partial page
// rewritten after a sync counts again); nullopt if unreadable.
std::optional<uint64_t> process_write_bytes(int pid);
// Sum of the sizes of the regular files under `dir` (recursive); nullopt if
// the folder cannot be read.
std::optional<uint64_t> folder_file_bytes(const std::string& dir);

// Bytes per message of one phase of a benchmark: on the wire (loopback rx,
// every hop: publisher -> broker, broker -> each subscriber, acks) and written
// to disk by the broker process. start() before the phase, emit() after it
// prints <prefix>.wire_bytes, .wire_bytes_per_msg, .disk_write_bytes and
// .disk_write_bytes_per_msg for `messages` published; a figure whose counter
// could not be read is left out. One thread.
class BytesPerMessage {
 public:
  explicit BytesPerMessage(int broker_pid) : pid_(broker_pid) {}
  void start();
  void emit(const std::string& prefix, size_t messages) const;

 private:
  int pid_;
  std::optional<uint64_t> wire0_, disk0_;
};

// Latency samples in nanoseconds; percentile() sorts on demand (p in 0..100).
class LatencyRecorder {
 public:
  void reserve(size_t n) { samples_.reserve(n); }
  void add(int64_t ns) { samples_.push_back(ns); }
  void merge(const LatencyRecorder& other);
  size_t size() const { return samples_.size(); }
  double percentile_ms(double p);

 private:
  std::vector<int64_t> samples_;
  bool sorted_ = false;
};

// The latency phase of the ZeroMQ benchmarks (e2e, minimal): sends message i
// (send(i), i = 0..n-1) when its time at `rate` per second has come and
// can_send() allows, calls between() after each round of sends, sleeps until
// the next send is due, and returns once all n are sent and done() holds, or
// 20 s after the last send was due. With wait_ms, the time until the next
// send is spent in wait_ms(ms) (e.g. reading acknowledgements as they come,
// so that their arrival times are exact at low rates) instead of asleep.
void run_paced(size_t n, double rate, const std::function<bool()>& can_send, const std::function<void(size_t)>& send,
               const std::function<void()>& between, const std::function<bool()>& done,
               const std::function<void(int)>& wait_ms = nullptr);

// publish->deliver latencies of messages [first, first + n) over every
// subscriber's receive times (recv_ns[k][i]); a message with no send or no
// receive time (0) is counted in *missing instead.
LatencyRecorder deliver_latencies(const std::vector<std::vector<int64_t>>& recv_ns, const std::vector<int64_t>& send_ns,
                                  size_t first, size_t n, size_t* missing);

// Prints one result line "key value" to stdout (flushed).
void emit(const std::string& key, const std::string& value);
void emit(const std::string& key, double value, int decimals = 1);

// The sample alert of schemas/examples/alert.valid.json with its description
// padded so that the JSON document is about `bytes` long.
std::string sample_alert_json(size_t bytes);

// A message id's bytes as a map key.
inline std::string id_key(ByteView id) { return std::string(reinterpret_cast<const char*>(id.data()), id.size()); }

// The 16-byte envelope id, found without a full decode: core's first key is
// "id" (docs/envelope.md), so it is the bin16 after the first "\xa2id".
// Empty view when not found.
ByteView envelope_id(ByteView envelope);

}  // namespace relais::bench
