// The commands that read the agent's local store (store/store.h), with or
// without the agent service running (the store is shared: WAL, busy
// timeout):
//   relais-agent --config A.toml inbox [--json] [--type T] [--status new|read|answered|expired]
//     the received messages, newest first: a table (French then English
//     column heads), or with --json one JSON array of their clear fields
//   relais-agent --config A.toml show ID
//     one received message opened (the JSON object `subscribe` prints,
//     indented) with its handling code explained on stderr; a new message
//     becomes read. An outbox entry's id prints the entry and its document.
//     --save-attachments DIR writes its attachments (a received message's or
//     a queued one's) into DIR as 0600 files under their names (never over
//     an existing file; agents/attach_files.h) and lists them on stderr.
//   relais-agent --config A.toml case REF [--export FILE]
//     the timeline of one case (every message and outbox entry with that
//     case_ref and the replies to them, in time order), or with --export
//     the whole case opened, for a person's access request
//     (relais-case-export/1, mode 0600, never over an existing file)
//   relais-agent --config A.toml outbox [--json]
//     the documents this agent sends and where each stands
// Exit codes: 0 ok, 1 failed or refused (an unknown id or case, a store
// that does not open), 2 usage or configuration.
// Output goes to the streams given; nothing from a document is logged.
#pragma once

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "agent/agent.h"

namespace relais {

struct InboxOptions {
  bool json = false;
  std::string type;    // empty: any
  std::string status;  // empty: any
};

struct CaseOptions {
  std::string case_ref;
  std::string export_file;  // empty: print the timeline
};

// The subcommands and their parsed options (CLI11 writes into this object,
// so it stays where add_store_commands put it).
struct StoreCommands {
  CLI::App* inbox = nullptr;
  CLI::App* show = nullptr;
  CLI::App* case_cmd = nullptr;
  CLI::App* outbox = nullptr;
  InboxOptions inbox_options;
  std::string show_id;
  std::string show_save_dir;  // --save-attachments DIR (empty: none)
  CaseOptions case_options;
  bool outbox_json = false;
};

// Adds inbox, show, case and outbox to relais-agent's command line.
std::unique_ptr<StoreCommands> add_store_commands(CLI::App& app);

// Runs the store command that was parsed, if any: its exit code, else
// nullopt (another command was chosen).
std::optional<int> run_store_command(const StoreCommands& commands, const AgentContext& ctx);

// The commands themselves, on streams (out: results; err: notes and errors).
int run_inbox(const AgentContext& ctx, const InboxOptions& options, std::ostream& out, std::ostream& err);
int run_show(const AgentContext& ctx, const std::string& id, std::ostream& out, std::ostream& err,
             const std::string& save_dir = "");
int run_case(const AgentContext& ctx, const CaseOptions& options, std::ostream& out, std::ostream& err);
int run_outbox(const AgentContext& ctx, bool json, std::ostream& out, std::ostream& err);

}  // namespace relais
