// relais-agent --config COMMISSION.toml report --from DATE --to DATE
//     [--by region|prefecture|month] [--lang fr|en] [--public]
//     --format html|csv|json --out FILE [--ptba FILE]
// The commission's indicators over [--from, --to] (YYYY-MM-DD, inclusive),
// from the statistics cells of the agent's local store (no body opened;
// core/report/report.h says which reports count and how small counts are
// protected). Grouped by region unless --by says otherwise; French unless
// --lang en; --public raises the smallest count shown to public_min_cell.
// The settings and targets are --ptba FILE, else ptba.toml beside the
// agent's configuration file, else config/ptba.toml as built in.
// Writes FILE (0644, replaced atomically) and prints
// {"out","format","counted","excluded"} on stdout.
// Exit codes: 0 written, 1 the store does not open or FILE cannot be
// written, 2 usage or configuration (dates, an unreadable ptba.toml).
#pragma once

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "agent/agent.h"

namespace relais {

struct ReportOptions {
  std::string from, to;
  std::string by = "region";
  std::string lang = "fr";
  bool is_public = false;
  std::string format;
  std::string out;
  std::string ptba;  // empty: beside the configuration, else built in
};

struct ReportCommand {
  CLI::App* report = nullptr;
  ReportOptions options;
};

// Adds `report` to relais-agent's command line.
std::unique_ptr<ReportCommand> add_report_command(CLI::App& app);

// Runs it when it was parsed: its exit code, else nullopt.
std::optional<int> run_report_command(const ReportCommand& command, const AgentContext& ctx);

int run_report(const AgentContext& ctx, const ReportOptions& options, std::ostream& out, std::ostream& err);

}  // namespace relais
