// relais-agent --config A.toml receipts --export FILE [--receipt R.bin]... [--no-fetch] [--timeout SECONDS]
//
// Exports this agent's receipts as trusted heads for the auditors
// (relais-audit verify --trusted-head FILE): one relais-witness/1 line per
// receipt anchor (agent/receipt_anchor.h): the first signed checkpoint that
// covers the receipt, with the inclusion proof of its message.
//   - from the local store: every logged outbox entry (store/store.h); an
//     entry without its anchor yet gets it fetched from the broker and stored
//     (Store::set_anchor), unless --no-fetch;
//   - from receipt files (`relais-agent publish --receipt R.bin`): the anchor
//     in R.bin.anchor, fetched and written there when missing.
// Every anchor is checked against the receipt and the broker key of the
// bundle before it is exported. FILE is written whole (0644; a public
// record: hashes, seqs and ids, no document content). A receipt that no
// checkpoint covers yet is left out and counted on stderr ("try again
// later"). Exit 0 when heads were exported and none failed its checks; 1
// when none could be, an anchor failed its checks (the file still holds the
// good ones), or a store or receipt did not open; 2 usage or configuration.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "agent/agent.h"

namespace relais {

struct ReceiptsOptions {
  std::string export_file;
  std::vector<std::string> receipt_files;
  bool no_fetch = false;
  double timeout_s = 10;
};

struct ReceiptsCommand {
  CLI::App* app = nullptr;
  ReceiptsOptions options;
};

// Adds `receipts` to relais-agent's command line.
std::unique_ptr<ReceiptsCommand> add_receipts_command(CLI::App& app);
// Runs it when it was parsed: its exit code, else nullopt.
std::optional<int> run_receipts_command(const ReceiptsCommand& command, AgentContext& ctx);

int run_receipts(AgentContext& ctx, const ReceiptsOptions& options, std::ostream& out, std::ostream& err);

}  // namespace relais
