#include "report_command.h"

#include <filesystem>
#include <iostream>

#include "desk/catalog.h"
#include "report/ptba_config.h"
#include "report/report.h"
#include "report/report_csv.h"
#include "report/report_html.h"
#include "report/report_json.h"
#include "report/store_source.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/files.h"
#include "util/json_output.h"

namespace relais {
namespace {

int fail(std::ostream& err, const Status& s) {
  err << "relais-agent report: " << s.message() << "\n";
  return s.exit_code();
}

Result<report::PtbaConfig> ptba_for(const AgentContext& ctx, const std::string& given) {
  if (!given.empty()) return report::load_ptba_config(given);
  const std::filesystem::path beside = std::filesystem::path(ctx.config.path).parent_path() / "ptba.toml";
  std::error_code ec;
  if (!ctx.config.path.empty() && std::filesystem::exists(beside, ec)) return report::load_ptba_config(beside.string());
  return report::parse_ptba_config(report::builtin_ptba_toml(), "config/ptba.toml (built in)");
}

}  // namespace

std::unique_ptr<ReportCommand> add_report_command(CLI::App& app) {
  auto c = std::make_unique<ReportCommand>();
  ReportOptions& o = c->options;
  c->report = app.add_subcommand("report", "the commission's indicators over a span, from the local store's statistics");
  c->report->add_option("--from", o.from, "first day of the span, YYYY-MM-DD")->required();
  c->report->add_option("--to", o.to, "last day of the span, YYYY-MM-DD")->required();
  c->report->add_option("--by", o.by, "group by region (default), prefecture or month")
      ->check(CLI::IsMember({"region", "prefecture", "month"}));
  c->report->add_option("--lang", o.lang, "fr (default) or en")->check(CLI::IsMember({"fr", "en"}));
  c->report->add_flag("--public", o.is_public, "publication threshold: hide counts below public_min_cell (11)");
  c->report->add_option("--format", o.format, "html, csv or json")
      ->required()
      ->check(CLI::IsMember({"html", "csv", "json"}));
  c->report->add_option("--out", o.out, "the file to write")->required();
  c->report->add_option("--ptba", o.ptba, "the settings and targets (default: ptba.toml beside --config, else built in)");
  return c;
}

std::optional<int> run_report_command(const ReportCommand& command, const AgentContext& ctx) {
  if (command.report == nullptr || !command.report->parsed()) return std::nullopt;
  return run_report(ctx, command.options, std::cout, std::cerr);
}

int run_report(const AgentContext& ctx, const ReportOptions& o, std::ostream& out, std::ostream& err) {
  report::ReportRequest q;
  q.from = o.from;
  q.to = o.to;
  q.by = o.by == "prefecture" ? report::Dimension::kPrefecture
         : o.by == "month"    ? report::Dimension::kMonth
                              : report::Dimension::kRegion;
  q.lang = o.lang;
  q.is_public = o.is_public;
  q.now_ms = now_ms();
  if (Status s = report::check_request(q); !s.ok()) return fail(err, s);
  auto config = ptba_for(ctx, o.ptba);
  if (!config.ok()) return fail(err, config.status());

  std::vector<const Identity*> retired;
  for (const Identity& id : ctx.retired) retired.push_back(&id);
  auto store = Store::open(ctx.config.state_dir, ctx.identity, retired);
  if (!store.ok()) return fail(err, store.status());
  auto reports = report::reports_from_store(**store);
  if (!reports.ok()) return fail(err, reports.status());
  auto rep = report::build_report(std::move(*reports), ctx.bundle.locations, *config, q);
  if (!rep.ok()) return fail(err, rep.status());

  const desk::Catalog& t = desk::Catalog::builtin(o.lang);
  std::string text;
  if (o.format == "html")
    text = report::render_report_html(*rep, t);
  else if (o.format == "csv")
    text = report::render_report_csv(*rep, t);
  else
    text = json_text(report::report_json(*rep)) + "\n";
  if (Status s = write_file_durable(o.out, as_bytes(text), 0644);
      !s.ok())
    return fail(err, Status::IOError("cannot write " + o.out + ": " + s.message()));
  out << json_text(nlohmann::ordered_json{{"out", o.out},
                                          {"format", o.format},
                                          {"counted", rep->selection.counted.size()},
                                          {"excluded", rep->selection.excluded.size()}})
      << std::endl;
  for (const auto& e : rep->selection.excluded)
    err << "relais-agent report: not counted: " << e.report.name() << " (" << e.report.prefecture << ", "
        << e.report.period_start << " to " << e.report.period_end << "): " << e.reason
        << (e.by.empty() ? "" : " " + e.by) << "\n";
  return 0;
}

}  // namespace relais
