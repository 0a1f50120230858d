// relais-bench: the measurements behind `make bench` (bench/run.sh drives it
// and writes bench/RESULTS.md). Each subcommand prints "key value" lines.
#include <CLI/CLI.hpp>

#include "commands.h"
#include "cli/cli.h"

int main(int argc, char** argv) {
  using namespace relais::bench;
  CLI::App app{"relais-bench: benchmarks for make bench"};
  app.name("relais-bench");
  app.require_subcommand(1);

  ForwarderOptions fo;
  auto* fwd = app.add_subcommand("forwarder", "bare ZeroMQ CURVE forwarder, 1 -> 3");
  fwd->add_option("--port", fo.port)->required();
  fwd->add_option("--count", fo.count);

  MinimalOptions mo;
  auto* minimal = app.add_subcommand("minimal", "minimal secure broker (CURVE+ZAP, verify, group commit), 1 -> 3");
  minimal->add_option("--port", mo.port)->required();
  minimal->add_option("--dir", mo.dir);
  minimal->add_option("--count", mo.count);
  minimal->add_option("--latency-count", mo.latency_count);
  minimal->add_option("--latency-seconds", mo.latency_seconds);
  minimal->add_option("--window", mo.window);
  minimal->add_option("--body-bytes", mo.body_bytes);

  E2eOptions eo;
  auto* e2e = app.add_subcommand("e2e", "Relais 1 publisher -> broker -> 3 subscribers");
  e2e->add_option("--dir", eo.dir)->required();
  e2e->add_option("--broker-pid", eo.broker_pid)->required();
  e2e->add_option("--count", eo.count);
  e2e->add_option("--latency-count", eo.latency_count);
  e2e->add_option("--latency-seconds", eo.latency_seconds);
  e2e->add_option("--min-samples", eo.min_samples, "Samples per latency point (3 per message)");
  e2e->add_option("--fixed-rates", eo.fixed_rates, "Fixed loads in msg/s, e.g. 100 1000")->delimiter(',');
  e2e->add_option("--window", eo.window);
  e2e->add_option("--metrics-port", eo.metrics_port, "The broker's metrics port on 127.0.0.1: its syncs in each phase")
      ->check(CLI::Range(0, 65535));

  ServiceOptions svo;
  auto* service = app.add_subcommand("service", "the agent service's stored msg/s against single-reader delivery");
  service->add_option("--dir", svo.dir)->required();
  service->add_option("--agent", svo.agent)->required();
  service->add_option("--count", svo.count);

  AttachOptions ato;
  auto* attach = app.add_subcommand("attach", "1 KB latency alone, then with one 16 MiB message per second flowing");
  attach->add_option("--dir", ato.dir)->required();
  attach->add_option("--broker-pid", ato.broker_pid)->required();
  attach->add_option("--rate", ato.rate);
  attach->add_option("--seconds", ato.seconds);
  attach->add_option("--large-bytes", ato.large_bytes);

  DiskSyncOptions dso;
  auto* sync = app.add_subcommand("sync", "the disk's fdatasync latency (1 KB appends)");
  sync->add_option("--dir", dso.dir)->required();
  sync->add_option("--count", dso.count, "Syncs to time (1 to 10,000,000)")
      ->check(CLI::Range(size_t{1}, size_t{10000000}));
  sync->add_option("--rate", dso.rate, "Syncs per second, paced (default 0: back to back)")
      ->check(CLI::Range(0.0, 1000000.0));
  sync->add_option("--prefix", dso.prefix, "Key prefix of the figures (default: sync)");

  AgentCostOptions ao;
  auto* agent = app.add_subcommand("agent", "seal+sign and open+verify costs");
  agent->add_option("--seconds", ao.seconds_each);

  GenLogOptions go;
  auto* genlog = app.add_subcommand("genlog", "write a log of N signed message records");
  genlog->add_option("--dir", go.dir)->required();
  genlog->add_option("--records", go.records);
  genlog->add_flag("--append", go.append, "append to the log already in DIR/data");
  genlog->add_option("--witness-state", go.witness_state, "then witness the latest checkpoint into this state file");

  LogWriteOptions lw;
  auto* logwrite = app.add_subcommand("logwrite", "the log alone: records/s per sync policy, reopen time");
  logwrite->add_option("--dir", lw.dir);
  logwrite->add_option("--records", lw.records);
  logwrite->add_option("--always-records", lw.always_records);
  logwrite->add_option("--bytes", lw.body_bytes);

  AuditOptions uo;
  auto* audit = app.add_subcommand("audit", "LogReader scan + signature checks");
  audit->add_option("--dir", uo.dir)->required();
  audit->add_option("--threads", uo.threads);

  IdleOptions io;
  auto* idle = app.add_subcommand("idle", "broker RSS with many idle agents");
  idle->add_option("--dir", io.dir)->required();
  idle->add_option("--agents", io.agents);
  idle->add_flag("--prepare", io.prepare);
  idle->add_option("--broker-pid", io.broker_pid);
  idle->add_option("--hold-seconds", io.hold_seconds);

  StartOptions so;
  auto* start = app.add_subcommand("start", "start relais-broker, time exec -> ready");
  start->add_option("--broker", so.broker)->required();
  start->add_option("--config", so.config)->required();
  start->add_flag("--keep", so.keep);

  DeskBenchOptions dbo;
  auto* desk = app.add_subcommand("desk", "the desk's inbox page over a store of received messages");
  desk->add_option("--dir", dbo.dir)->required();
  desk->add_option("--messages", dbo.messages);
  desk->add_option("--requests", dbo.requests);

  ReportBenchOptions rbo;
  auto* report = app.add_subcommand("report", "report over a filled store against one decryption pass");
  report->add_option("--dir", rbo.dir)->required();
  report->add_option("--messages", rbo.messages);

  ParticipantsOptions pto;
  auto* participants = app.add_subcommand("participants", "add agencies with their keys and mailboxes, sign the next bundle");
  participants->add_option("--dir", pto.dir)->required();
  participants->add_option("--count", pto.count);
  participants->add_option("--out", pto.out, "the bundle to write (default DIR/trust.bundle)");
  participants->add_option("--tag", pto.tag, "in the names: ROLE.PREFECTURE-<tag>NNNN");

  if (auto rc = relais::parse_command_line(app, argc, argv)) return *rc;
  try {
    if (*fwd) return run_forwarder(fo);
    if (*minimal) return run_minimal(mo);
    if (*e2e) return run_e2e(eo);
    if (*service) return run_service(svo);
    if (*attach) return run_attachments(ato);
    if (*agent) return run_agent_costs(ao);
    if (*sync) return run_disk_sync(dso);
    if (*genlog) return run_genlog(go);
    if (*audit) return run_audit(uo);
    if (*logwrite) return run_log_write(lw);
    if (*idle) return run_idle(io);
    if (*start) return run_start(so);
    if (*desk) return run_desk_inbox(dbo);
    if (*report) return run_report_time(rbo);
    if (*participants) return run_participants(pto);
  } catch (const std::exception& e) {
    std::cerr << "relais-bench: " << e.what() << "\n";
    return 1;
  }
  return 2;
}
