// relais-admin backup --data DIR --out BACKUP [--wait-seconds N]
// A consistent backup of a broker's data folder, taken while the broker runs
// (broker/backup.h): it ends at a signed checkpoint that covers every record
// committed when it started, with shredding paused meanwhile.
#include <iostream>
#include <memory>

#include "broker/backup.h"
#include "commands.h"
#include "util/bytes.h"
#include "util/clock.h"

namespace relais::admin {

Command add_backup(CLI::App& root) {
  struct Options {
    std::string data, out;
    int64_t wait_seconds = 60;
  };
  auto o = std::make_shared<Options>();
  CLI::App* app = root.add_subcommand(
      "backup", "Back up a broker's data folder while the broker runs, up to a signed checkpoint that covers every "
                "message acknowledged before the backup started");
  app->add_option("--data", o->data, "The broker's data folder")->required();
  app->add_option("--out", o->out, "The backup folder to create (must not exist, or be empty)")->required();
  app->add_option("--wait-seconds", o->wait_seconds,
                  "How long to wait for the broker to sign a checkpoint covering what it had committed (default 60)")
      ->check(CLI::Range(int64_t{1}, int64_t{3600}));
  return {app, [o] {
            BackupOptions bo;
            bo.data = o->data;
            bo.out = o->out;
            bo.wait_ms = o->wait_seconds * 1000;
            auto rep = backup_data_folder(bo);
            if (!rep.ok()) return report(rep.status());
            const Checkpoint& cp = rep->checkpoint;
            std::cout << "backed up " << o->data << " into " << o->out << ": seq 1 to " << cp.size << " (epoch "
                      << cp.epoch << "), ending at the checkpoint signed " << format_rfc3339_ms(cp.ts_ms) << ", root "
                      << to_hex(cp.root).substr(0, 16) << "...; " << rep->committed_at_start
                      << " records were committed when it started\n"
                      << rep->segments << " segment" << (rep->segments == 1 ? "" : "s") << " (" << rep->bytes
                      << " bytes), " << rep->cursors << " cursor" << (rep->cursors == 1 ? "" : "s") << " ("
                      << rep->cursors_clamped << " clamped to seq " << cp.size + 1 << ")\n";
            if (rep->pause_was_there)
              std::cout << "shredding was already paused (" << o->data
                        << "/shredding.paused existed before the backup): it stays paused; remove that file to "
                           "resume it\n";
            std::cout << "keep a copy on another disk; restore with: relais-admin restore --from " << o->out
                      << " --data NEWDIR\n";
            return 0;
          }};
}

}  // namespace relais::admin
