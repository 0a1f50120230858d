// relais-bench report: the commission's indicators (`relais-agent report`,
// report/report_file.h) over a store of 100,000 received messages, half of
// them statistics reports (bench/store_fill.h: committee.kozah and
// committee.golfe send one month each on stats.<prefecture>, ngo.refuge's
// alerts make up the rest, all sealed, opened and stored as the agent
// service does, the reports' cells with them), against one decryption pass
// over the same store: every stored row opened (Store::open_message) and its
// JSON parsed, as a report computed from the bodies would need. Prints
// report.seconds (the median of 3 runs of the real report, HTML, by region,
// over the seven years the reports cover, store opened each time as the
// command does), report.decrypt_pass_seconds (every row) and
// report.decrypt_reports_seconds (the statistics reports' rows only), and
// report.ratio = report.seconds / report.decrypt_pass_seconds.
#include <sodium.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "bench_util.h"
#include "commands.h"
#include "fill_documents.h"
#include "report/report_file.h"
#include "store_fill.h"
#include "util/clock.h"

namespace relais::bench {
namespace {

constexpr const char* kReportRecipient = "commission";

FillPlan report_fill_plan(const std::string& dir, size_t count) {
  FillPlan p;
  p.dir = dir;
  p.recipient = kReportRecipient;
  p.senders = {"committee.kozah", "committee.golfe", "ngo.refuge"};
  p.count = count;
  p.item = [](size_t i) {
    FillItem it;
    if (i % 2 == 0) {
      const bool kozah = i % 4 == 0;
      it.sender = kozah ? "committee.kozah" : "committee.golfe";
      it.request.type = "statistics-report";
      it.request.topic = kozah ? "stats.kozah" : "stats.golfe";
      it.request.json_text = fill_statistics_json(i / 2, kozah ? "kara" : "maritime", kozah ? "kozah" : "golfe");
    } else {
      it.sender = "ngo.refuge";
      it.request.type = "alert";
      it.request.urgency = fill_urgency(i);
      it.request.topic = "alert." + fill_alert_kind(i) + ".kara.kozah";
      it.request.json_text = fill_alert_json(i, "kara", "kozah");
    }
    it.status = "read";
    return it;
  };
  return p;
}

// Opens every row of `rows` and parses it; the number of bytes opened.
Result<size_t> report_decrypt_pass(Store& store, const std::vector<StoredMessage>& rows) {
  size_t bytes = 0;
  for (const StoredMessage& m : rows) {
    auto text = store.open_message(m.id);
    if (!text.ok()) return text.status();
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded()) return Status::Corruption("report bench: message " + m.id + " is not JSON");
    bytes += text->size();
  }
  return bytes;
}

}  // namespace

int run_report_time(const ReportBenchOptions& o) {
  if (sodium_init() < 0) return 1;
  auto fill = fill_received_store(report_fill_plan(o.dir, o.messages));
  if (!fill.ok()) {
    std::cerr << "relais-bench report: " << fill.status().message() << "\n";
    return 1;
  }
  auto ctx = load_agent_context(o.dir + "/agents/" + std::string(kReportRecipient) + ".toml");
  if (!ctx.ok()) {
    std::cerr << "relais-bench report: " << ctx.status().message() << "\n";
    return 1;
  }
  auto config = report::ptba_config_for((*ctx)->config.path, "");
  if (!config.ok()) {
    std::cerr << "relais-bench report: " << config.status().message() << "\n";
    return 1;
  }
  report::ReportRequest q;
  q.from = "2020-01-01";
  q.to = "2026-12-31";
  q.by = report::Dimension::kRegion;
  q.lang = "fr";
  q.now_ms = now_ms();
  std::vector<double> runs;
  size_t counted = 0, excluded = 0, body_bytes = 0;
  for (int r = 0; r < 3; ++r) {
    const int64_t t0 = mono_ns();
    auto store = open_participant_store(o.dir, kReportRecipient);
    if (!store.ok()) return 1;
    auto file = report::report_file(**store, (*ctx)->bundle.locations, *config, q, "html");
    if (!file.ok()) {
      std::cerr << "relais-bench report: " << file.status().message() << "\n";
      return 1;
    }
    runs.push_back(static_cast<double>(mono_ns() - t0) / 1e9);
    counted = file->counted;
    excluded = file->excluded;
    body_bytes = file->body.size();
  }
  std::sort(runs.begin(), runs.end());
  const double report_s = runs[1];

  auto store = open_participant_store(o.dir, kReportRecipient);
  if (!store.ok()) return 1;
  InboxFilter all;
  all.limit = INT64_MAX;
  auto rows = (*store)->messages(all);
  if (!rows.ok()) return 1;
  std::vector<StoredMessage> reports;
  for (const auto& m : *rows)
    if (m.type == "statistics-report") reports.push_back(m);
  int64_t t0 = mono_ns();
  auto opened = report_decrypt_pass(**store, *rows);
  const double pass_s = static_cast<double>(mono_ns() - t0) / 1e9;
  if (!opened.ok()) {
    std::cerr << "relais-bench report: " << opened.status().message() << "\n";
    return 1;
  }
  t0 = mono_ns();
  auto opened_reports = report_decrypt_pass(**store, reports);
  const double pass_reports_s = static_cast<double>(mono_ns() - t0) / 1e9;
  if (!opened_reports.ok()) return 1;

  emit("report.messages", std::to_string(fill->stored));
  emit("report.reports", std::to_string(reports.size()));
  emit("report.stats_cells", std::to_string(fill->stats_cells));
  emit("report.fill_seconds", fill->seconds, 1);
  emit("report.counted", std::to_string(counted));
  emit("report.excluded", std::to_string(excluded));
  emit("report.html_kib", static_cast<double>(body_bytes) / 1024.0, 1);
  emit("report.seconds", report_s, 3);
  emit("report.decrypt_pass_seconds", pass_s, 3);
  emit("report.decrypt_pass_mib", static_cast<double>(*opened) / 1048576.0, 1);
  emit("report.decrypt_reports_seconds", pass_reports_s, 3);
  emit("report.ratio", pass_s > 0 ? report_s / pass_s : 0.0, 3);
  return 0;
}

}  // namespace relais::bench
