// The subcommands of relais-bench, one per measurement (bench/run.sh calls
// them and collects their "key value" lines into bench/RESULTS.md).
// Each returns the process exit code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iostream>
#include <string>

namespace relais::bench {

struct ForwarderOptions {
  int port = 0;
  size_t count = 200000;
  size_t body_bytes = 1024;
  int timeout_s = 60;
};
int run_forwarder(const ForwarderOptions& o);

// The "minimal secure broker", the bar Relais should approach
// (docs/performance.md §The bar): CURVE + ZAP allowlist, one
// Ed25519 verify per message on 2 threads, 2 ms group commit, acks and
// deliveries after the sync; in a child process, 1 publisher -> 3 acking
// subscribers; prints min.* keys. Writes its log under a mkdtemp folder in
// `dir` (default /tmp) and removes it.
struct MinimalOptions {
  int port = 0;
  std::string dir;               // parent of the temporary log folder
  size_t count = 50000;          // throughput phase
  size_t latency_count = 40000;  // latency phase (upper bound)
  double latency_seconds = 4;
  size_t window = 1000;
  size_t body_bytes = 1024;
  int timeout_s = 90;
};
int run_minimal(const MinimalOptions& o);

struct E2eOptions {
  std::string dir;        // a relais-admin init deployment
  std::string endpoint;   // default: the agents' configured broker
  int broker_pid = 0;
  size_t count = 50000;   // throughput phase
  size_t latency_count = 40000;  // sealed for the latency phase (upper bound)
  double latency_seconds = 4;
  // At least this many publish->deliver samples per latency point (3 per
  // message: one per subscriber), within latency_count messages.
  size_t min_samples = 20000;
  // Fixed ordinary loads (msg/s) measured after the half-load point, each
  // with min_samples samples: keys e2e.at_<rate>.* (e.g. e2e.at_100.p99_ms).
  std::vector<double> fixed_rates;
  size_t window = 1000;
  size_t body_bytes = 1024;
  int timeout_s = 90;
  // The broker's /metrics port on 127.0.0.1 (0: none): its own log syncs and
  // publish stages in each phase, keys <phase>.broker_* (broker_timings.h).
  int metrics_port = 0;
};
int run_e2e(const E2eOptions& o);

// The agent service's stored msg/s against the broker's single-reader
// delivery of the same backlog (bench/service.cpp).
struct ServiceOptions {
  std::string dir;    // a relais-admin init deployment, its broker running
  std::string agent;  // the relais-agent program
  size_t count = 5000;
};
int run_service(const ServiceOptions& o);

// Attachments: 1 KB publish->deliver latency at `rate` msg/s for `seconds`
// alone (base), then for `seconds` more while one envelope with a `large_bytes`
// body per second flows on another topic from another publisher to another
// subscriber (load), through the broker of the relais-admin init deployment in
// `dir` (CURVE, its configured endpoint). Prints att.* keys, among them
// att.p50_ratio and att.p99_ratio (load / base, same run).
struct AttachOptions {
  std::string dir;           // a relais-admin init deployment, its broker running
  int broker_pid = 0;
  double rate = 200;         // 1 KB messages per second, both phases
  double seconds = 12;       // per phase
  size_t body_bytes = 1024;
  size_t large_bytes = 16u << 20;
};
int run_attachments(const AttachOptions& o);

struct DiskSyncOptions {
  std::string dir;        // a folder on the disk the broker's data folder uses
  size_t count = 1000;
  // Syncs per second, paced as the fixed loads pace their messages (one
  // append + fdatasync at each due time); 0: back to back.
  double rate = 0;
  std::string prefix = "sync";  // keys <prefix>.p50_ms, .p99_ms, ...
};
int run_disk_sync(const DiskSyncOptions& o);

struct AgentCostOptions {
  double seconds_each = 1.0;
  size_t body_bytes = 1024;
};
int run_agent_costs(const AgentCostOptions& o);

struct GenLogOptions {
  std::string dir;        // deployment: writes DIR/data with DIR/keys/broker.key
  size_t records = 1000000;
  size_t body_bytes = 1024;
  // The data folder may hold a log already: the records are appended to it
  // (without it, too: Log::open continues an existing log).
  bool append = false;
  // After writing: the commission's witness line for the log's latest
  // checkpoint, appended to this relais-witness/1 state by the code
  // `relais-audit witness` runs (witness_step, append_witness_file).
  std::string witness_state;
};
int run_genlog(const GenLogOptions& o);

struct LogWriteOptions {
  std::string dir;              // parent of the temporary log folders (default /tmp)
  size_t records = 200000;      // per policy
  size_t always_records = 3000; // sync=always: one fdatasync per record
  size_t body_bytes = 1024;
};
int run_log_write(const LogWriteOptions& o);

struct AuditOptions {
  std::string dir;        // deployment: reads DIR/data, DIR/trust.bundle
  int threads = 2;
};
int run_audit(const AuditOptions& o);

struct IdleOptions {
  std::string dir;
  size_t agents = 1000;
  bool prepare = false;   // write keys + a bundle with the extra agents, then exit
  int broker_pid = 0;
  double hold_seconds = 3;
};
int run_idle(const IdleOptions& o);

struct StartOptions {
  std::string broker;     // path to relais-broker
  std::string config;
  bool keep = false;      // leave it running and print its pid (for run.sh)
};
// Starts the broker and times exec -> "ready on" (stderr is copied to
// CONFIG's folder/broker.stderr).
int run_start(const StartOptions& o);

// The desk's inbox page over a filled store (bench/desk_inbox.cpp): fills
// police.kozah's store of the relais-admin init deployment `dir` with
// `messages` received messages, starts the real desk on 127.0.0.1, logs in
// and times `requests` inbox pages (desk.* keys).
struct DeskBenchOptions {
  std::string dir;
  size_t messages = 100000;
  size_t requests = 500;
};
int run_desk_inbox(const DeskBenchOptions& o);

// `report` over a filled store against one decryption pass over its rows
// (bench/report_time.cpp; report.* keys).
struct ReportBenchOptions {
  std::string dir;
  size_t messages = 100000;
};
int run_report_time(const ReportBenchOptions& o);

// Adds `count` agencies (keys, cards, mailboxes) to the deployment `dir` and
// signs the next bundle with its authority key into `out` (default
// DIR/trust.bundle) (bench/participants.cpp; participants.* keys).
struct ParticipantsOptions {
  std::string dir;
  size_t count = 1000;
  std::string out;
  std::string tag = "b";  // in the names: ROLE.PREFECTURE-<tag>NNNN
};
int run_participants(const ParticipantsOptions& o);

}  // namespace relais::bench
