// relais-agent --config A.toml backup --out FILE
// relais-agent --config A.toml restore --from FILE
//
// backup writes a consistent copy of the agency's store (store/store_backup.h)
// while the service runs: sealed bodies, the wrapped store key, the desk's
// accounts and journal, the outbox with its receipts. It prints
// {"out":FILE,"bytes":N,"messages":N,"outbox_queued":N,"outbox_logged":N}.
// Exit 0; 1 when FILE exists or the copy fails its check; 2 usage/config.
//
// restore puts a backup back, with the service stopped (a running service
// is refused, exit 1, saying how to stop it). The store it replaces is kept
// as store.db.before-restore-<time>. It prints
// {"restored":FILE,"store":PATH,"previous":PATH|null,"messages":N,"outbox_queued":N,"outbox_logged":N}
// and says on stderr what the restored store lacks (messages received and
// sent after the backup). Exit 0; 1 when the backup is damaged, not a store,
// or sealed to a key this agent does not hold (nothing is changed); 2
// usage/config. docs/operations.md says when to use them.
#pragma once

#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "agent/agent.h"

namespace relais {

struct BackupCommands {
  CLI::App* backup = nullptr;
  CLI::App* restore = nullptr;
  std::string out, from;
};

std::unique_ptr<BackupCommands> add_backup_commands(CLI::App& app);
// Runs the one parsed: its exit code, else nullopt.
std::optional<int> run_backup_command(const BackupCommands& commands, const AgentContext& ctx);

int run_store_backup(const AgentContext& ctx, const std::string& out_file, std::ostream& out, std::ostream& err);
int run_store_restore(const AgentContext& ctx, const std::string& from, std::ostream& out, std::ostream& err);

}  // namespace relais
