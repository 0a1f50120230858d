#include "backup_commands.h"

#include <iostream>

#include "store/store_backup.h"
#include "util/clock.h"
#include "util/json_output.h"

namespace relais {

namespace {

int failed(std::ostream& err, const std::string& command, const Status& s) {
  err << "relais-agent: " << command << ": " << s.message() << "\n";
  return s.exit_code();
}

}  // namespace

std::unique_ptr<BackupCommands> add_backup_commands(CLI::App& app) {
  auto c = std::make_unique<BackupCommands>();
  c->backup = app.add_subcommand("backup", "copy the agency's store (sealed, with its wrapped key) into a new file, "
                                           "while the service runs");
  c->backup->add_option("--out", c->out, "the file to write (must not exist)")->required();
  c->restore = app.add_subcommand("restore", "put a backup of the store back (stop the service first)");
  c->restore->add_option("--from", c->from, "the file written by backup --out")->required();
  return c;
}

std::optional<int> run_backup_command(const BackupCommands& commands, const AgentContext& ctx) {
  if (commands.backup->parsed()) return run_store_backup(ctx, commands.out, std::cout, std::cerr);
  if (commands.restore->parsed()) return run_store_restore(ctx, commands.from, std::cout, std::cerr);
  return std::nullopt;
}

int run_store_backup(const AgentContext& ctx, const std::string& out_file, std::ostream& out, std::ostream& err) {
  auto r = backup_store(ctx.config.state_dir, out_file);
  if (!r.ok()) return failed(err, "backup", r.status());
  out << json_text(nlohmann::ordered_json{{"out", r->path},
                                          {"bytes", r->bytes},
                                          {"messages", r->counts.inbox_total},
                                          {"outbox_queued", r->counts.outbox_queued},
                                          {"outbox_logged", r->counts.outbox_logged}})
      << std::endl;
  err << "relais-agent: backup: the copy opens only with this agency's key file; keep the key's own backup "
         "(relais-admin keygen --encrypt) apart from this file\n";
  return 0;
}

int run_store_restore(const AgentContext& ctx, const std::string& from, std::ostream& out, std::ostream& err) {
  std::vector<const Identity*> retired;
  for (const Identity& id : ctx.retired) retired.push_back(&id);
  auto r = restore_store(ctx.config.state_dir, from, ctx.identity, retired, now_ms());
  if (!r.ok()) return failed(err, "restore", r.status());
  out << json_text(nlohmann::ordered_json{
             {"restored", from},
             {"store", r->path},
             {"previous", r->previous.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r->previous)},
             {"messages", r->counts.inbox_total},
             {"outbox_queued", r->counts.outbox_queued},
             {"outbox_logged", r->counts.outbox_logged}})
      << std::endl;
  err << "relais-agent: restore: the store is back as it was at the backup. Messages received since then are not in "
         "it (read them with subscribe --from, or ask their senders); queued messages are sent again at the next "
         "start, under the same ids, so none is delivered twice."
      << (r->previous.empty() ? "" : " The replaced store is kept as " + r->previous + ".") << "\n";
  return 0;
}

}  // namespace relais
