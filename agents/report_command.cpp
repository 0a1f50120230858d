#include "report_command.h"

#include <iostream>

#include "report/report_file.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/files.h"
#include "util/json_output.h"
#include "command_failure.h"

namespace relais {
namespace {

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
  if (Status s = report::check_request(q); !s.ok()) return fail_with(s, err, "relais-agent report");
  auto config = report::ptba_config_for(ctx.config.path, o.ptba);
  if (!config.ok()) return fail_with(config.status(), err, "relais-agent report");

  std::vector<const Identity*> retired;
  for (const Identity& id : ctx.retired) retired.push_back(&id);
  auto store = Store::open(ctx.config.state_dir, ctx.identity, retired);
  if (!store.ok()) return fail_with(store.status(), err, "relais-agent report");
  auto file = report::report_file(**store, ctx.bundle.locations, *config, q, o.format);
  if (!file.ok()) return fail_with(file.status(), err, "relais-agent report");
  if (Status s = write_file_durable(o.out, as_bytes(file->body), 0644); !s.ok())
    return fail_with(Status::IOError("cannot write " + o.out + ": " + s.message()), err, "relais-agent report");
  out << json_text(nlohmann::ordered_json{
             {"out", o.out}, {"format", o.format}, {"counted", file->counted}, {"excluded", file->excluded}})
      << std::endl;
  return 0;
}

}  // namespace relais
